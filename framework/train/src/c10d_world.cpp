// A World on torch.distributed's c10d, the engine PyTorch's own DDP uses: a TCPStore for the
// rendezvous, ProcessGroupGloo on CPU (and CUDA tensors staged through the host), ProcessGroupNCCL
// on CUDA when LibTorch was built with it. The only file that includes c10d's headers.
// Gloo is part of Debian's LibTorch (libgloo); its headers come from libgloo-dev. Torch's CMake
// package defines USE_C10D_GLOO for its consumers; a build without it still needs the declarations.
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef GANRIG_WITH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include "ganrig/error.hpp"
#include "ganrig/train/world.hpp"

namespace ganrig {

namespace {

using Group = c10::intrusive_ptr<c10d::ProcessGroup>;

void wait_all(std::vector<c10::intrusive_ptr<c10d::Work>>& works) {
  for (auto& work : works) work->wait();
  works.clear();
}

// Tensors in buckets of one device and dtype, each at most `limit` bytes (a larger tensor is a bucket alone).
std::vector<std::vector<torch::Tensor>> buckets(const std::vector<torch::Tensor>& tensors, std::int64_t limit) {
  std::map<std::pair<std::string, int>, std::vector<std::vector<torch::Tensor>>> by_kind;
  std::map<std::pair<std::string, int>, std::int64_t> filled;
  for (const auto& t : tensors) {
    const auto kind = std::make_pair(t.device().str(), static_cast<int>(t.scalar_type()));
    auto& list = by_kind[kind];
    const std::int64_t bytes = t.numel() * static_cast<std::int64_t>(t.element_size());
    if (list.empty() || filled[kind] + bytes > limit) {
      list.emplace_back();
      filled[kind] = 0;
    }
    list.back().push_back(t);
    filled[kind] += bytes;
  }
  std::vector<std::vector<torch::Tensor>> out;
  for (auto& [kind, list] : by_kind)
    for (auto& bucket : list) out.push_back(std::move(bucket));
  return out;
}

torch::Tensor flatten(const std::vector<torch::Tensor>& bucket) {
  std::vector<torch::Tensor> flat;
  for (const auto& t : bucket) flat.push_back(t.detach().reshape({-1}));
  return torch::cat(flat);
}

void scatter_back(const torch::Tensor& flat, const std::vector<torch::Tensor>& bucket) {
  torch::NoGradGuard no_grad;
  std::int64_t offset = 0;
  for (const auto& t : bucket) {
    t.copy_(flat.narrow(0, offset, t.numel()).view_as(t));
    offset += t.numel();
  }
}

class C10dWorld : public World {
 public:
  C10dWorld(const WorldSpec& spec, c10::intrusive_ptr<c10d::Store> store, Group group, std::int64_t bucket_bytes)
      : spec_(spec), store_(std::move(store)), group_(std::move(group)), bucket_bytes_(bucket_bytes) {}

  int rank() const override { return spec_.rank; }
  int size() const override { return spec_.size; }
  int local_rank() const override { return spec_.local_rank; }
  int local_size() const override { return spec_.local_size; }
  bool distributed() const override { return true; }

  void average(const std::vector<torch::Tensor>& tensors) override {
    const auto groups = buckets(tensors, bucket_bytes_);
    std::vector<torch::Tensor> flats;
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    for (const auto& bucket : groups) {  // every bucket in flight before the first wait
      flats.push_back(flatten(bucket));
      std::vector<at::Tensor> one{flats.back()};
      works.push_back(group_->allreduce(one));
    }
    wait_all(works);
    for (std::size_t i = 0; i < groups.size(); ++i) scatter_back(flats[i].div_(size()), groups[i]);
  }

  void broadcast(const std::vector<torch::Tensor>& tensors, int root) override {
    const auto groups = buckets(tensors, bucket_bytes_);
    std::vector<torch::Tensor> flats;
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    c10d::BroadcastOptions options;
    options.rootRank = root;
    for (const auto& bucket : groups) {
      flats.push_back(flatten(bucket));
      std::vector<at::Tensor> one{flats.back()};
      works.push_back(group_->broadcast(one, options));
    }
    wait_all(works);
    if (rank() != root)
      for (std::size_t i = 0; i < groups.size(); ++i) scatter_back(flats[i], groups[i]);
  }

  torch::Tensor gather_rows(const torch::Tensor& local) override {
    const torch::Tensor rows = torch::tensor({local.size(0)}, torch::kLong);
    const torch::Tensor gathered = gather_cpu(rows).contiguous();
    const std::vector<std::int64_t> counts(gathered.data_ptr<std::int64_t>(),
                                           gathered.data_ptr<std::int64_t>() + gathered.numel());
    const std::int64_t most = *std::max_element(counts.begin(), counts.end());
    auto padded_shape = local.sizes().vec();
    padded_shape[0] = most;
    torch::Tensor padded = torch::zeros(padded_shape, local.options().device(torch::kCPU));
    padded.narrow(0, 0, local.size(0)).copy_(local);
    const torch::Tensor all = gather_cpu(padded).view([&] {
      auto s = padded_shape;
      s.insert(s.begin(), size());
      return s;
    }());
    std::vector<torch::Tensor> parts;
    for (int r = 0; r < size(); ++r) parts.push_back(all[r].narrow(0, 0, counts[r]));
    return torch::cat(parts).to(local.device());
  }

  bool any(bool flag) override {
    std::vector<at::Tensor> one{torch::tensor({flag ? 1 : 0}, torch::kInt)};
    c10d::AllreduceOptions options;
    options.reduceOp = c10d::ReduceOp::MAX;
    group_->allreduce(one, options)->wait();
    return one[0].item<int>() != 0;
  }

  std::string share_text(const std::string& key, const std::string& text) override {
    const std::string full = "ganrig/" + key;
    if (is_main()) store_->set(full, std::vector<std::uint8_t>(text.begin(), text.end()));
    const auto bytes = store_->get(full);  // waits for rank 0 (the store's timeout)
    return std::string(bytes.begin(), bytes.end());
  }

  void barrier() override { group_->barrier()->wait(); }

 private:
  // Every rank's tensor (same shape everywhere) stacked in rank order, on the CPU.
  torch::Tensor gather_cpu(const torch::Tensor& mine) {
    std::vector<at::Tensor> input{mine.to(torch::kCPU).contiguous()};
    std::vector<std::vector<at::Tensor>> output(1);
    for (int r = 0; r < size(); ++r) output[0].push_back(torch::empty_like(input[0]));
    group_->allgather(output, input)->wait();
    return torch::stack(output[0]);
  }

  WorldSpec spec_;
  c10::intrusive_ptr<c10d::Store> store_;
  Group group_;
  std::int64_t bucket_bytes_;
};

std::string where(const WorldSpec& spec) { return fmt::format("{}:{}", spec.master_addr, spec.master_port); }

c10::intrusive_ptr<c10d::Store> rendezvous(const WorldSpec& spec, std::chrono::seconds timeout) {
  c10d::TCPStoreOptions options;
  options.port = static_cast<std::uint16_t>(spec.master_port);
  options.isServer = spec.rank == 0;
  options.numWorkers = static_cast<std::size_t>(spec.size);
  options.waitWorkers = true;
  options.timeout = timeout;
  try {
    return c10::make_intrusive<c10d::TCPStore>(spec.master_addr, options);
  } catch (const std::exception& e) {
    const std::string reason = e.what();
    throw Error(fmt::format(
        "rank {} of {} ({}): {} at {} within {} s: {}", spec.rank, spec.size, spec.source,
        spec.rank == 0 ? "not every rank joined the rendezvous" : "cannot reach rank 0's rendezvous", where(spec),
        timeout.count(), reason.substr(0, reason.find('\n'))));
  }
}

// Gloo binds an interface of this machine: GLOO_SOCKET_IFNAME when set (as in PyTorch), the
// loopback for a single-machine group, else the address this machine's hostname resolves to.
std::shared_ptr<::gloo::transport::Device> gloo_device(const WorldSpec& spec) {
  if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME"))
    return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
  if (spec.master_addr == "127.0.0.1" || spec.master_addr == "localhost")
    return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

Group make_group(const std::string& backend, const WorldSpec& spec, const c10::intrusive_ptr<c10d::Store>& store,
                 std::chrono::seconds timeout) {
  if (backend == "nccl") {
#ifdef GANRIG_WITH_NCCL
    auto options = c10d::ProcessGroupNCCL::Options::create();
    options->timeout = timeout;
    return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, spec.rank, spec.size, options);
#else
    throw ConfigError("[exec] backend = \"nccl\": this build of ganrig has no NCCL (a CUDA LibTorch built with NCCL "
                      "and -DGANRIG_WITH_NCCL=ON are needed); use \"gloo\"");
#endif
  }
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  options->devices.push_back(gloo_device(spec));
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, spec.rank, spec.size, options);
}

}  // namespace

std::string resolve_backend(const std::string& backend, const torch::Device& device) {
  if (backend != "auto") return backend;
#ifdef GANRIG_WITH_NCCL
  if (device.is_cuda()) return "nccl";
#else
  (void)device;
#endif
  return "gloo";
}

std::unique_ptr<World> join_world(const WorldSpec& spec, const JoinOptions& options) {
  const std::string backend = resolve_backend(options.backend, options.device);
  auto store = rendezvous(spec, options.timeout);
  try {
    Group group = make_group(backend, spec, store, options.timeout);
    return std::make_unique<C10dWorld>(spec, std::move(store), std::move(group), options.bucket_bytes);
  } catch (const c10::Error& e) {
    const std::string reason = e.what_without_backtrace();
    throw Error(fmt::format("rank {} of {}: cannot start the {} process group through {}: {}", spec.rank, spec.size,
                            backend, where(spec), reason.substr(0, reason.find('\n'))));
  }
}

}  // namespace ganrig
