// A World on torch.distributed's c10d, the engine PyTorch's own DDP uses: a TCPStore for the
// rendezvous, ProcessGroupGloo on CPU (and CUDA tensors staged through the host), ProcessGroupNCCL
// on CUDA when LibTorch was built with it. With rendezvous.cpp and peer_watch.cpp, the only files
// that include c10d's headers. Gloo is part of Debian's LibTorch (libgloo); its headers come from
// libgloo-dev. Torch's CMake package defines USE_C10D_GLOO for its consumers; a build without it
// still needs the declarations (rendezvous.hpp defines it).
#include "c10d_compat.hpp"
#include "rendezvous.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#ifdef GANRIG_WITH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include "ganrig/error.hpp"
#include "ganrig/train/world.hpp"

namespace ganrig {

namespace {

using Group = CollectiveGroup;  // c10d_compat.hpp

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
  C10dWorld(const WorldSpec& spec, c10::intrusive_ptr<c10d::Store> store, Group group, std::int64_t bucket_bytes,
            std::unique_ptr<PeerWatch> watch)
      : spec_(spec),
        store_(std::move(store)),
        group_(std::move(group)),
        bucket_bytes_(bucket_bytes),
        watch_(std::move(watch)) {}

  int rank() const override { return spec_.rank; }
  int size() const override { return spec_.size; }
  int local_rank() const override { return spec_.local_rank; }
  int local_size() const override { return spec_.local_size; }
  bool distributed() const override { return true; }

  void set_resume_command(const std::string& command) override {
    if (watch_) watch_->set_resume_command(command);
  }

  void average(const std::vector<torch::Tensor>& tensors) override {
    guarded("averaging gradients", [&] { average_buckets(tensors); });
  }

  void broadcast(const std::vector<torch::Tensor>& tensors, int root) override {
    guarded("copying rank 0's tensors", [&] { broadcast_buckets(tensors, root); });
  }

  torch::Tensor gather_rows(const torch::Tensor& local) override {
    return guarded("gathering rows", [&] { return gather_padded_rows(local); });
  }

  bool any(bool flag) override {
    return guarded("sharing the stop flag", [&] {
      std::vector<at::Tensor> one{torch::tensor({flag ? 1 : 0}, torch::kInt)};
      c10d::AllreduceOptions options;
      options.reduceOp = c10d::ReduceOp::MAX;
      group_->allreduce(one, options)->wait();
      return one[0].item<int>() != 0;
    });
  }

  std::string share_text(const std::string& key, const std::string& text) override {
    const std::string full = "ganrig/" + key;
    if (is_main()) store_->set(full, std::vector<std::uint8_t>(text.begin(), text.end()));
    const auto bytes = store_->get(full);  // waits for rank 0 (the store's timeout)
    return std::string(bytes.begin(), bytes.end());
  }

  void barrier() override {
    guarded("waiting at a barrier", [&] { group_->barrier()->wait(); });
  }

 private:
  // A collective that throws lost a peer (or the link to it): the watch names it and ends the process.
  template <typename Body>
  auto guarded(const char* during, Body&& body) -> decltype(body()) {
    try {
      return body();
    } catch (const c10::Error& e) {
      if (!watch_) throw;
      watch_->collective_failed(during, e.what_without_backtrace());
    } catch (const std::exception& e) {
      if (!watch_) throw;
      watch_->collective_failed(during, e.what());
    }
  }

  void average_buckets(const std::vector<torch::Tensor>& tensors) {
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

  void broadcast_buckets(const std::vector<torch::Tensor>& tensors, int root) {
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

  torch::Tensor gather_padded_rows(const torch::Tensor& local) {
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
  std::unique_ptr<PeerWatch> watch_;  // last: stopped before the store and the group go
};

std::string where(const WorldSpec& spec) { return fmt::format("{}:{}", spec.master_addr, spec.master_port); }

Group make_group(const std::string& backend, const WorldSpec& spec, const Rendezvous& meeting,
                 std::chrono::seconds timeout) {
  const auto& store = meeting.store;
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
  options->devices.push_back(gloo_device(meeting.members.at(static_cast<std::size_t>(spec.rank))));
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
  Rendezvous meeting = rendezvous(spec, options.silence_limit);
  meeting.store->setTimeout(options.timeout);  // from here on, how long share_text waits for rank 0
  Group group;
  try {
    group = make_group(backend, spec, meeting, options.timeout);
  } catch (const c10::Error& e) {
    const std::string reason = e.what_without_backtrace();
    throw Error(fmt::format("rank {} of {}: cannot start the {} process group through {}: {}", spec.rank, spec.size,
                            backend, where(spec), reason.substr(0, reason.find('\n'))));
  }
  std::unique_ptr<PeerWatch> watch;
  if (spec.size > 1)
    watch = std::make_unique<PeerWatch>(
        spec.rank, meeting.members, options.silence_limit,
        connect_again(spec, options.silence_limit - PeerWatch::beat_for(options.silence_limit)));
  return std::make_unique<C10dWorld>(spec, std::move(meeting.store), std::move(group), options.bucket_bytes,
                                     std::move(watch));
}

}  // namespace ganrig
