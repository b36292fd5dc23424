#include "support.hpp"

#include "ganrig/detector.hpp"
#include "ganrig/in_memory_dataset.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <cstdlib>
#include <fstream>
#include <fmt/format.h>
#include <unistd.h>

#include "ganrig/plugin_host.hpp"
#include "ganrig/train/checkpoint.hpp"
#include "ganrig/validate.hpp"

namespace fs = std::filesystem;

namespace ganrig::test {

fs::path fixture(const std::string& relative) { return fs::path(GANRIG_TEST_FIXTURES) / relative; }
fs::path source_dir() { return GANRIG_TEST_SOURCE_DIR; }
fs::path test_plugin_dir() { return GANRIG_TEST_PLUGIN_DIR; }

namespace {
struct TempRoot {
  fs::path path = fs::temp_directory_path() / fmt::format("ganrig-tests-{}", ::getpid());
  ~TempRoot() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};
TempRoot& temp_root() {
  static TempRoot root;
  return root;
}

class Synthetic : public InMemoryDataset {
 public:
  explicit Synthetic(const ConfigView& v) {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(7);
    const auto r = v.integer("resolution");
    hold(torch::randint(0, 256, {v.integer("count"), v.integer("channels"), r, r}, gen, torch::kUInt8), true,
         "synthetic");
    const std::int64_t classes = v.integer("classes");
    if (classes == 0) return;
    std::vector<std::string> names;
    for (std::int64_t k = 0; k < classes; ++k) names.push_back(fmt::format("class{}", k));
    hold_labels(torch::arange(v.integer("count")).remainder(classes), names);  // image i has class i % classes
  }
};

// Hinge loss that turns NaN after `after` calls (to test the non-finite guard).
class Exploding : public Loss {
 public:
  explicit Exploding(std::int64_t after) : after_(after) {}
  torch::Tensor generator_loss(const LossInputs& in) override {
    return maybe_nan(-in.judge_fakes(in.fakes()).mean());
  }
  torch::Tensor discriminator_loss(const LossInputs& in) override {
    const auto real = in.judge_reals(in.real);
    const auto fake = in.judge_fakes(in.fakes().detach());
    return maybe_nan(torch::relu(1 - real).mean() + torch::relu(1 + fake).mean());
  }

 private:
  torch::Tensor maybe_nan(const torch::Tensor& loss) { return ++calls_ > after_ ? loss * NAN : loss; }
  std::int64_t after_, calls_ = 0;
};
}  // namespace

fs::path temp_dir(const std::string& name) {
  const fs::path dir = temp_root().path / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void add_build_plugins(Registry& registry) {
  register_core_components(registry);
  load_plugins(plugin_files({build_plugin_dir()}, false), registry);
}

// Detector "pixels": 4x4 average-pooled pixels (48 numbers), a cheap stand-in for Inception.
class PixelDetector : public Detector {
 public:
  torch::Tensor features(const torch::Tensor& images) override {
    torch::Tensor x = images.to(torch::kFloat32) / 255.0;
    if (x.size(1) == 1) x = x.expand({-1, 3, -1, -1});
    return torch::adaptive_avg_pool2d(x, {4, 4}).flatten(1).to(torch::kCPU);
  }
  std::int64_t feature_dim() const override { return 48; }
  std::string weights_sha256() const override { return "no-weights"; }
  std::string preprocessing() const override { return "4x4 average pool of x/255"; }
  void to(const torch::Device&) override {}
};

void add_test_components(Registry& registry) {
  registry.set_current_plugin("<tests>");
  Schema synthetic;
  synthetic.integer("count", 32, "images").at_least(1);
  synthetic.integer("resolution", 16, "size").at_least(4);
  synthetic.integer("channels", 3, "channels").range(1, 3);
  synthetic.integer("classes", 0, "labels i % classes (0: unlabelled)").at_least(0);
  registry.add<Dataset>("synthetic", "random images for tests", synthetic,
                        [](const ConfigView& v, BuildContext&) { return std::make_shared<Synthetic>(v); });
  Schema exploding;
  exploding.integer("after", 4, "calls before the loss becomes NaN");
  registry.add<Loss>("exploding", "NaN after a while", exploding, [](const ConfigView& v, BuildContext&) {
    return std::make_shared<Exploding>(v.integer("after"));
  });
  registry.add<Detector>("pixels", "pooled pixels for metric tests", Schema{},
                         [](const ConfigView&, BuildContext&) { return std::make_shared<PixelDetector>(); });
  registry.set_current_plugin("<core>");
}

const Registry& plugin_registry() {
  static Registry registry = [] {
    Registry r;
    add_build_plugins(r);
    add_test_components(r);
    return r;
  }();
  return registry;
}

std::unique_ptr<Experiment> fixture_experiment(const std::string& relative, const std::vector<std::string>& overrides) {
  auto e = std::make_unique<Experiment>();
  add_build_plugins(e->registry);
  add_test_components(e->registry);
  e->config = load_config_file(fixture(relative));
  apply_overrides(e->config, overrides);
  validate_experiment(e->config, e->registry);
  return e;
}

double relative_difference(const torch::Tensor& ours, const torch::Tensor& reference) {
  return ((ours.to(torch::kDouble) - reference.to(torch::kDouble)).abs().max() / reference.abs().max().to(torch::kDouble))
      .item<double>();
}

torch::Tensor read_netpbm(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string magic;
  int width = 0, height = 0, max_value = 0;
  in >> magic >> width >> height >> max_value;
  in.get();  // the single whitespace before the pixels
  if (!in || (magic != "P5" && magic != "P6") || max_value != 255)
    throw std::runtime_error("not an 8-bit binary PPM/PGM: " + file.string());
  const std::int64_t channels = magic == "P6" ? 3 : 1;
  torch::Tensor pixels = torch::empty({height, width, channels}, torch::kUInt8);
  in.read(reinterpret_cast<char*>(pixels.data_ptr<std::uint8_t>()), pixels.numel());
  if (in.gcount() != pixels.numel()) throw std::runtime_error("truncated image: " + file.string());
  return pixels;
}

std::vector<nlohmann::json> read_stats(const fs::path& run_dir) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(run_dir / "stats.jsonl");
  std::string line;
  while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

std::vector<nlohmann::json> read_jsonl(const fs::path& file) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

std::map<std::string, torch::Tensor> checkpoint_weights(const fs::path& checkpoint, Experiment& experiment) {
  Models m = build_models(experiment);
  CheckpointParts parts;
  parts.generator = m.generator.get();
  parts.generator_ema = m.generator_ema.get();
  parts.discriminator = m.discriminator.get();
  read_checkpoint(checkpoint, parts);
  std::map<std::string, torch::Tensor> out;
  for (auto [prefix, net] : std::vector<std::pair<std::string, torch::nn::Module*>>{
           {"G.", m.generator.get()}, {"G_ema.", m.generator_ema.get()}, {"D.", m.discriminator.get()}}) {
    for (const auto& p : net->named_parameters()) out[prefix + p.key()] = p.value().clone();
    for (const auto& b : net->named_buffers()) out[prefix + b.key()] = b.value().clone();
  }
  return out;
}

Config config_from_text(const std::string& toml_text, const std::string& file_name) {
  const fs::path file = temp_dir("inline-" + file_name) / file_name;
  std::ofstream(file) << toml_text;
  return load_config_file(file);
}

ConfigView BuiltTable::view() const {
  const std::string kind = config.root.begin()->first.str().data();
  return ConfigView(*config.table_at(kind), kind, &config);
}

BuiltTable component_table(const std::string& kind, const std::string& toml_text) {
  BuiltTable built;
  built.config = config_from_text("[" + kind + "]\n" + toml_text, kind + ".toml");
  const auto* type = built.config.table_at(kind)->get("type");
  const auto& entry = plugin_registry().get(kind, type->as_string()->get(), Origin{});
  validate_table(built.config, kind, entry.schema, plugin_registry(), kind, true);
  return built;
}

}  // namespace ganrig::test
