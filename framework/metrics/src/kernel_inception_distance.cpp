#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "ganrig/error.hpp"
#include "ganrig/metrics/distances.hpp"

namespace ganrig {

namespace {

std::pair<torch::Tensor, torch::Tensor> as_float64(const torch::Tensor& real, const torch::Tensor& fake) {
  if (real.dim() != 2 || fake.dim() != 2 || real.size(1) != fake.size(1))
    throw Error("kernel_inception_distance: expected feature matrices [N, D] of the same D");
  return {real.to(torch::kCPU, torch::kFloat64), fake.to(torch::kCPU, torch::kFloat64)};
}

// One subset's unbiased MMD^2 estimate (divided by m as the official code's final t / m).
double subset_mmd(const torch::Tensor& x, const torch::Tensor& y) {
  const std::int64_t m = x.size(0);
  const double d = static_cast<double>(x.size(1));
  const torch::Tensor a = (x.mm(x.t()) / d + 1).pow(3) + (y.mm(y.t()) / d + 1).pow(3);
  const torch::Tensor b = (x.mm(y.t()) / d + 1).pow(3);
  const double t = (a.sum().item<double>() - a.diagonal().sum().item<double>()) / (m - 1) -
                   b.sum().item<double>() * 2.0 / m;
  return t / m;
}

KidValue summarise(const std::vector<double>& values, std::int64_t m) {
  double mean = 0;
  for (double v : values) mean += v;
  mean /= values.size();
  double var = 0;
  for (double v : values) var += (v - mean) * (v - mean);
  return {mean, values.size() > 1 ? std::sqrt(var / (values.size() - 1)) : 0.0,
          static_cast<std::int64_t>(values.size()), m};
}

}  // namespace

KidValue kernel_inception_distance(const torch::Tensor& real, const torch::Tensor& fake, std::int64_t subsets,
                                   std::int64_t subset_size, std::uint64_t seed) {
  const auto [r, f] = as_float64(real, fake);
  const std::int64_t m = std::min({r.size(0), f.size(0), subset_size});
  if (m < 2) throw Error("kernel_inception_distance: needs at least 2 features in each set");
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  std::vector<torch::Tensor> fake_subsets, real_subsets;
  for (std::int64_t i = 0; i < subsets; ++i) {
    fake_subsets.push_back(torch::randperm(f.size(0), gen, torch::kLong).slice(0, 0, m));
    real_subsets.push_back(torch::randperm(r.size(0), gen, torch::kLong).slice(0, 0, m));
  }
  return kernel_inception_distance(r, f, fake_subsets, real_subsets);
}

KidValue kernel_inception_distance(const torch::Tensor& real, const torch::Tensor& fake,
                                   const std::vector<torch::Tensor>& fake_subsets,
                                   const std::vector<torch::Tensor>& real_subsets) {
  const auto [r, f] = as_float64(real, fake);
  if (fake_subsets.empty() || fake_subsets.size() != real_subsets.size())
    throw Error("kernel_inception_distance: expected as many fake subsets as real ones, at least one");
  std::vector<double> values;
  for (std::size_t i = 0; i < fake_subsets.size(); ++i) {
    if (fake_subsets[i].numel() != real_subsets[i].numel() || fake_subsets[i].numel() < 2)
      throw Error("kernel_inception_distance: a subset pair of unequal size, or of fewer than 2");
    values.push_back(subset_mmd(f.index_select(0, fake_subsets[i]), r.index_select(0, real_subsets[i])));
  }
  return summarise(values, fake_subsets.front().numel());
}

}  // namespace ganrig
