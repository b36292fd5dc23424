#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "ganrig/error.hpp"
#include "ganrig/metrics/distances.hpp"

namespace ganrig {

KidValue kernel_inception_distance(const torch::Tensor& real, const torch::Tensor& fake, std::int64_t subsets,
                                   std::int64_t subset_size, std::uint64_t seed) {
  if (real.dim() != 2 || fake.dim() != 2 || real.size(1) != fake.size(1))
    throw Error("kernel_inception_distance: expected feature matrices [N, D] of the same D");
  const torch::Tensor r = real.to(torch::kCPU, torch::kFloat64);
  const torch::Tensor f = fake.to(torch::kCPU, torch::kFloat64);
  const std::int64_t m = std::min({r.size(0), f.size(0), subset_size});
  if (m < 2) throw Error("kernel_inception_distance: needs at least 2 features in each set");
  const double d = static_cast<double>(r.size(1));
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  std::vector<double> values;
  for (std::int64_t i = 0; i < subsets; ++i) {
    const torch::Tensor x = f.index_select(0, torch::randperm(f.size(0), gen, torch::kLong).slice(0, 0, m));
    const torch::Tensor y = r.index_select(0, torch::randperm(r.size(0), gen, torch::kLong).slice(0, 0, m));
    const torch::Tensor a = (x.mm(x.t()) / d + 1).pow(3) + (y.mm(y.t()) / d + 1).pow(3);
    const torch::Tensor b = (x.mm(y.t()) / d + 1).pow(3);
    const double t = (a.sum().item<double>() - a.diagonal().sum().item<double>()) / (m - 1) -
                     b.sum().item<double>() * 2.0 / m;
    values.push_back(t / m);
  }
  double mean = 0;
  for (double v : values) mean += v;
  mean /= values.size();
  double var = 0;
  for (double v : values) var += (v - mean) * (v - mean);
  return {mean, values.size() > 1 ? std::sqrt(var / (values.size() - 1)) : 0.0, subsets, m};
}

}  // namespace ganrig
