#include <torch/torch.h>

#include "ganrig/error.hpp"
#include "ganrig/metrics/distances.hpp"

namespace ganrig {

FeatureStats feature_stats(const torch::Tensor& features) {
  if (features.dim() != 2 || features.size(0) < 2)
    throw Error("feature_stats: expected at least 2 feature vectors [N, D]");
  const torch::Tensor x = features.to(torch::kCPU, torch::kFloat64);
  const torch::Tensor mean = x.mean(0);
  const torch::Tensor centred = x - mean;
  return {mean, centred.t().mm(centred) / static_cast<double>(x.size(0)), x.size(0)};
}

namespace {

// The symmetric square root of a symmetric positive semi-definite matrix (tiny negative
// eigenvalues from rounding are clamped to zero).
torch::Tensor symmetric_sqrt(const torch::Tensor& m) {
  // ATen's functions: Debian 13's LibTorch 2.6 ships no torch/linalg.h (the C++ API's wrappers).
  auto [values, vectors] = at::linalg_eigh(m, "L");
  return vectors.mm(torch::diag(values.clamp_min(0).sqrt())).mm(vectors.t());
}

}  // namespace

double frechet_distance(const FeatureStats& a, const FeatureStats& b) {
  if (a.mean.sizes() != b.mean.sizes()) throw Error("frechet_distance: feature sizes differ");
  const torch::Tensor s1_root = symmetric_sqrt(a.covariance);
  torch::Tensor inner = s1_root.mm(b.covariance).mm(s1_root);
  inner = (inner + inner.t()) / 2;  // exact symmetry for eigvalsh
  const double trace_root = at::linalg_eigvalsh(inner, "L").clamp_min(0).sqrt().sum().item<double>();
  const double mean_term = (a.mean - b.mean).square().sum().item<double>();
  return mean_term + a.covariance.trace().item<double>() + b.covariance.trace().item<double>() - 2.0 * trace_root;
}

}  // namespace ganrig
