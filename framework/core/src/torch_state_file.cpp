// State-dict files in the format of Python's torch.save (a zip of data.pkl and one record per
// storage). Writing pickles as LibTorch's pickle_save does, but without its type tags (see
// pickle_plain). Reading has its own small unpickler because
// LibTorch 1.13's turns collections.OrderedDict, the type of every nn.Module.state_dict(), into
// None: it reads the opcodes torch.save emits (protocols 2 to 4), rebuilds tensors from their
// storages and keeps nothing else.
#include "ganrig/torch_state_file.hpp"

#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/export.h>
#include <torch/csrc/jit/serialization/pickler.h>
#include <fmt/format.h>

#include <cstring>
#include <variant>

#include "ganrig/atomic_file.hpp"
#include "ganrig/error.hpp"

namespace fs = std::filesystem;

namespace ganrig {

namespace {

struct Value;
using ValuePtr = std::shared_ptr<Value>;
struct Global { std::string module, name; };
struct Mark {};
struct Value {
  std::variant<std::monostate, bool, std::int64_t, double, std::string, std::vector<ValuePtr>,
               std::vector<std::pair<ValuePtr, ValuePtr>>, Global, torch::Tensor, Mark>
      v;  // a vector<ValuePtr> is a tuple or a list: a state dict needs no difference
};
using Items = std::vector<ValuePtr>;
using DictItems = std::vector<std::pair<ValuePtr, ValuePtr>>;

ValuePtr make(decltype(Value::v) v) { return std::make_shared<Value>(Value{std::move(v)}); }

torch::ScalarType storage_dtype(const std::string& name) {
  static const std::map<std::string, torch::ScalarType> types = {
      {"FloatStorage", torch::kFloat32}, {"DoubleStorage", torch::kFloat64}, {"HalfStorage", torch::kFloat16},
      {"BFloat16Storage", torch::kBFloat16}, {"LongStorage", torch::kInt64}, {"IntStorage", torch::kInt32},
      {"ShortStorage", torch::kInt16}, {"CharStorage", torch::kInt8}, {"ByteStorage", torch::kUInt8},
      {"BoolStorage", torch::kBool}};
  const auto found = types.find(name);
  if (found == types.end()) throw Error(fmt::format("a storage of type torch.{}, which ganrig does not read", name));
  return found->second;
}

class StateUnpickler {
 public:
  StateUnpickler(caffe2::serialize::PyTorchStreamReader& zip, std::string pickle) : zip_(zip), data_(std::move(pickle)) {}
  ValuePtr run();

 private:
  template <class T> T read() {
    need(sizeof(T));
    T value;
    std::memcpy(&value, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }
  std::string bytes(std::size_t n) {
    need(n);
    std::string s = data_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::string line() {
    const auto end = data_.find('\n', pos_);
    if (end == std::string::npos) throw Error("truncated pickle");
    std::string s = data_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return s;
  }
  void need(std::size_t n) const {
    if (pos_ + n > data_.size()) throw Error("truncated pickle");
  }
  ValuePtr pop() {
    if (stack_.empty()) throw Error("malformed pickle (empty stack)");
    ValuePtr v = stack_.back();
    stack_.pop_back();
    return v;
  }
  Items pop_to_mark();
  bool step(char op);
  void reduce();
  ValuePtr storage(const Items& id);

  caffe2::serialize::PyTorchStreamReader& zip_;
  std::string data_;
  std::size_t pos_ = 0;
  std::vector<ValuePtr> stack_;
  std::map<std::int64_t, ValuePtr> memo_;
  std::map<std::string, torch::Tensor> storages_;
};

Items StateUnpickler::pop_to_mark() {
  Items items;
  while (true) {
    ValuePtr v = pop();
    if (std::holds_alternative<Mark>(v->v)) break;
    items.insert(items.begin(), v);
  }
  return items;
}

// ('storage', torch.<Type>Storage, key, location, numel) -> a flat tensor over record data/<key>.
ValuePtr StateUnpickler::storage(const Items& id) {
  if (id.size() < 5 || !std::holds_alternative<Global>(id[1]->v) || !std::holds_alternative<std::string>(id[2]->v))
    throw Error("a persistent id that is not a tensor storage");
  const std::string key = std::get<std::string>(id[2]->v);
  auto found = storages_.find(key);
  if (found == storages_.end()) {
    const torch::ScalarType dtype = storage_dtype(std::get<Global>(id[1]->v).name);
    auto [pointer, size] = zip_.getRecord("data/" + key);
    const auto element = static_cast<std::int64_t>(c10::elementSize(dtype));
    torch::Tensor flat = torch::empty({static_cast<std::int64_t>(size) / element}, dtype);
    std::memcpy(flat.data_ptr(), pointer.get(), static_cast<std::size_t>(flat.numel() * element));
    found = storages_.emplace(key, flat).first;
  }
  return make(found->second);
}

std::vector<std::int64_t> integers(const ValuePtr& tuple) {
  std::vector<std::int64_t> out;
  for (const auto& item : std::get<Items>(tuple->v)) out.push_back(std::get<std::int64_t>(item->v));
  return out;
}

void StateUnpickler::reduce() {
  const ValuePtr args = pop(), callable = pop();
  const Global& g = std::get<Global>(callable->v);
  const Items& a = std::get<Items>(args->v);
  if (g.module == "collections" && g.name == "OrderedDict") {
    stack_.push_back(make(DictItems{}));
  } else if (g.module == "torch._utils" && g.name == "_rebuild_tensor_v2") {
    const torch::Tensor& flat = std::get<torch::Tensor>(a.at(0)->v);
    stack_.push_back(make(flat.as_strided(integers(a.at(2)), integers(a.at(3)), std::get<std::int64_t>(a.at(1)->v)).clone()));
  } else if (g.module == "torch.jit._pickle" && g.name == "restore_type_tag") {  // LibTorch's typed dicts
    stack_.push_back(a.at(0));
  } else if (g.module == "torch._utils" && g.name == "_rebuild_parameter") {
    stack_.push_back(a.at(0));
  } else {
    throw Error(fmt::format("it holds a {}.{}, not only tensors (a state dict is a dict of name -> tensor)", g.module,
                            g.name));
  }
}

// One opcode; false at STOP.
bool StateUnpickler::step(char op) {
  switch (static_cast<unsigned char>(op)) {
    case 0x80: read<std::uint8_t>(); break;                                    // PROTO
    case 0x95: read<std::uint64_t>(); break;                                   // FRAME
    case 'c': { std::string m = line(); stack_.push_back(make(Global{m, line()})); break; }  // GLOBAL
    case 0x93: { ValuePtr n = pop(), m = pop();                                 // STACK_GLOBAL
      stack_.push_back(make(Global{std::get<std::string>(m->v), std::get<std::string>(n->v)})); break; }
    case 'q': memo_[read<std::uint8_t>()] = stack_.back(); break;              // BINPUT
    case 'r': memo_[read<std::uint32_t>()] = stack_.back(); break;             // LONG_BINPUT
    case 0x94: memo_[static_cast<std::int64_t>(memo_.size())] = stack_.back(); break;  // MEMOIZE
    case 'h': stack_.push_back(memo_.at(read<std::uint8_t>())); break;         // BINGET
    case 'j': stack_.push_back(memo_.at(read<std::uint32_t>())); break;        // LONG_BINGET
    case '(': stack_.push_back(make(Mark{})); break;
    case ')': stack_.push_back(make(Items{})); break;
    case 't': stack_.push_back(make(pop_to_mark())); break;
    case 0x85: { ValuePtr a = pop(); stack_.push_back(make(Items{a})); break; }
    case 0x86: { ValuePtr b = pop(), a = pop(); stack_.push_back(make(Items{a, b})); break; }
    case 0x87: { ValuePtr c = pop(), b = pop(), a = pop(); stack_.push_back(make(Items{a, b, c})); break; }
    case ']': stack_.push_back(make(Items{})); break;
    case 'a': { ValuePtr v = pop(); std::get<Items>(stack_.back()->v).push_back(v); break; }
    case 'e': { Items items = pop_to_mark(); auto& list = std::get<Items>(stack_.back()->v);
      list.insert(list.end(), items.begin(), items.end()); break; }
    case '}': stack_.push_back(make(DictItems{})); break;
    case 's': { ValuePtr v = pop(), k = pop(); std::get<DictItems>(stack_.back()->v).emplace_back(k, v); break; }
    case 'u': { Items items = pop_to_mark(); auto& dict = std::get<DictItems>(stack_.back()->v);
      for (std::size_t i = 0; i + 1 < items.size(); i += 2) dict.emplace_back(items[i], items[i + 1]); break; }
    case 'X': { const auto n = read<std::uint32_t>(); stack_.push_back(make(bytes(n))); break; }
    case 0x8c: { const auto n = read<std::uint8_t>(); stack_.push_back(make(bytes(n))); break; }
    case 'J': stack_.push_back(make(std::int64_t{read<std::int32_t>()})); break;
    case 'K': stack_.push_back(make(std::int64_t{read<std::uint8_t>()})); break;
    case 'M': stack_.push_back(make(std::int64_t{read<std::uint16_t>()})); break;
    case 0x8a: { const auto n = read<std::uint8_t>(); std::int64_t v = 0;           // LONG1 (little-endian, signed)
      const std::string b = bytes(n);
      for (std::size_t i = 0; i < n && i < 8; ++i) v |= static_cast<std::int64_t>(static_cast<unsigned char>(b[i])) << (8 * i);
      if (n > 0 && n < 8 && (static_cast<unsigned char>(b[n - 1]) & 0x80)) v -= std::int64_t{1} << (8 * n);
      stack_.push_back(make(v)); break; }
    case 'G': { std::uint64_t bits = 0; for (int i = 0; i < 8; ++i) bits = bits << 8 | read<std::uint8_t>();
      double d; std::memcpy(&d, &bits, 8); stack_.push_back(make(d)); break; }
    case 'N': stack_.push_back(make(std::monostate{})); break;
    case 0x88: stack_.push_back(make(true)); break;
    case 0x89: stack_.push_back(make(false)); break;
    case 'Q': stack_.push_back(storage(std::get<Items>(pop()->v))); break;   // BINPERSID
    case 'R': reduce(); break;
    case 'b': pop(); break;  // BUILD: attributes of an OrderedDict (state_dict's _metadata), not needed
    case '.': return false;
    default: throw Error(fmt::format("pickle opcode 0x{:02x} at byte {}, which a state dict does not use",
                                     static_cast<unsigned char>(op), pos_ - 1));
  }
  return true;
}

ValuePtr StateUnpickler::run() {
  while (step(read<char>())) {}
  return pop();
}

}  // namespace

namespace {

// The unpickled top level of a torch.save file; Errors name the file.
template <class Body>
auto with_top_level(const fs::path& file, const Body& body) {
  if (!fs::is_regular_file(file)) throw Error(fmt::format("{}: no such file", file.string()));
  try {
    caffe2::serialize::PyTorchStreamReader zip(file.string());
    auto [pointer, size] = zip.getRecord("data.pkl");
    StateUnpickler unpickler(zip, std::string(static_cast<const char*>(pointer.get()), size));
    const ValuePtr root = unpickler.run();
    if (!std::holds_alternative<DictItems>(root->v)) throw Error("its top level is not a dict");
    return body(std::get<DictItems>(root->v));
  } catch (const Error& e) {
    throw Error(fmt::format("{}: not a state dict written by torch.save: {}", file.string(), e.what()));
  } catch (const std::exception& e) {  // c10::Error from the zip reader, bad_variant_access, out_of_range
    throw Error(fmt::format("{}: not a state dict written by torch.save ({})", file.string(),
                            std::string(e.what()).substr(0, std::string(e.what()).find('\n'))));
  }
}

const std::string& key_of(const ValuePtr& key) {
  if (!std::holds_alternative<std::string>(key->v)) throw Error("a key that is not a string");
  return std::get<std::string>(key->v);
}

std::map<std::string, torch::Tensor> tensors_of(const DictItems& items, const std::string& within) {
  std::map<std::string, torch::Tensor> state;
  for (const auto& [key, value] : items) {
    const std::string& name = key_of(key);
    if (!std::holds_alternative<torch::Tensor>(value->v))
      throw Error(fmt::format("'{}{}' is not a tensor (save the network's state_dict() itself)", within, name));
    state[name] = std::get<torch::Tensor>(value->v);
  }
  return state;
}

}  // namespace

std::map<std::string, torch::Tensor> read_state_dict_file(const fs::path& file) {
  return with_top_level(file, [](const DictItems& items) { return tensors_of(items, ""); });
}

bool holds_state_dicts(const fs::path& file) {
  return with_top_level(file, [](const DictItems& items) {
    return !items.empty() && std::holds_alternative<DictItems>(items.front().second->v);
  });
}

std::map<std::string, std::map<std::string, torch::Tensor>> read_state_dicts_file(const fs::path& file) {
  return with_top_level(file, [](const DictItems& items) {
    std::map<std::string, std::map<std::string, torch::Tensor>> dicts;
    for (const auto& [key, value] : items) {
      const std::string& name = key_of(key);
      if (!std::holds_alternative<DictItems>(value->v))
        throw Error(fmt::format("'{}' is not a state dict (expected {{\"G\": ..., \"G_ema\": ..., \"D\": ...}})", name));
      dicts[name] = tensors_of(std::get<DictItems>(value->v), name + ".");
    }
    return dicts;
  });
}

namespace {
// torch::pickle_save wraps every dict in torch.jit._pickle.restore_type_tag, which Python's
// torch.load refuses from 2.6 on (weights_only=True by default: "Unsupported global"), so that
// `G.load_state_dict(torch.load(file))` would fail there. Plain dicts of tensors load everywhere.
std::string pickle_plain(const c10::IValue& value) {
  std::vector<char> pickle;
  torch::jit::Pickler pickler([&](const char* bytes, std::size_t n) { pickle.insert(pickle.end(), bytes, bytes + n); },
                              nullptr, nullptr, nullptr, nullptr, /*tag_aggregates=*/false);
  pickler.protocol();
  pickler.pushIValue(value);
  pickler.stop();
  std::string file;
  caffe2::serialize::PyTorchStreamWriter writer([&](const void* bytes, std::size_t n) -> std::size_t {
    file.append(static_cast<const char*>(bytes), n);
    return n;
  });
  torch::jit::writeArchiveAndTensors("data", pickle.data(), pickle.size(), pickler.tensorData(), writer);
  writer.writeEndOfFile();
  return file;
}
}  // namespace

void write_state_dict_file(const fs::path& file, const std::vector<std::pair<std::string, torch::Tensor>>& state) {
  c10::Dict<std::string, torch::Tensor> dict;  // keeps insertion order, as a state_dict does
  for (const auto& [name, tensor] : state) dict.insert(name, tensor.detach().to(torch::kCPU).contiguous());
  write_file_atomic(file, pickle_plain(dict));
}

void write_state_dicts_file(
    const fs::path& file,
    const std::vector<std::pair<std::string, std::vector<std::pair<std::string, torch::Tensor>>>>& dicts) {
  c10::Dict<std::string, c10::Dict<std::string, torch::Tensor>> outer;
  for (const auto& [key, state] : dicts) {
    c10::Dict<std::string, torch::Tensor> inner;
    for (const auto& [name, tensor] : state) inner.insert(name, tensor.detach().to(torch::kCPU).contiguous());
    outer.insert(key, inner);
  }
  write_file_atomic(file, pickle_plain(outer));
}

}  // namespace ganrig

