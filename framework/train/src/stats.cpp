#include "ganrig/train/stats.hpp"

#include <sys/resource.h>

// Debian's CPU LibTorch ships the c10/cuda headers too, so CMake says whether this is a CUDA build.
#ifdef GANRIG_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#define GANRIG_HAVE_CUDA_ALLOCATOR 1
#endif

namespace ganrig {

void TickStats::add(const std::string& name, double value) {
  auto& [sum, count] = sums_[name];
  sum += value;
  ++count;
}

void TickStats::add(const std::string& name, const torch::Tensor& value) {
  torch::NoGradGuard no_grad;
  auto& [sum, count] = tensor_sums_[name];
  const torch::Tensor v = value.detach().to(torch::kDouble);
  sum = sum.defined() ? sum + v : v;
  ++count;
}

std::map<std::string, double> TickStats::means() const {
  std::map<std::string, double> out;
  for (const auto& [name, sc] : sums_) out[name] = sc.first / static_cast<double>(sc.second);
  for (const auto& [name, sc] : tensor_sums_) {
    const double mean = sc.first.item<double>() / static_cast<double>(sc.second);
    auto it = sums_.find(name);  // a name fed both ways: weight the two parts by their counts
    out[name] = it == sums_.end() ? mean
                                  : (it->second.first + mean * static_cast<double>(sc.second)) /
                                        static_cast<double>(it->second.second + sc.second);
  }
  return out;
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

double peak_cuda_mib(const torch::Device& device) {
#ifdef GANRIG_HAVE_CUDA_ALLOCATOR
  if (device.is_cuda()) {
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.index() < 0 ? 0 : device.index());
    return static_cast<double>(stats.allocated_bytes[0].peak) / (1024.0 * 1024.0);
  }
#endif
  (void)device;
  return 0.0;
}

}  // namespace ganrig
