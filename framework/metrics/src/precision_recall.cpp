#include <torch/torch.h>

#include "ganrig/error.hpp"
#include "ganrig/metrics/distances.hpp"

namespace ganrig {

namespace {

constexpr std::int64_t kRows = 1024;  // distance rows computed at once (bounds memory)

// Distance from each point to its k-th nearest other point of the same set.
torch::Tensor kth_neighbour_radii(const torch::Tensor& points, std::int64_t k) {
  std::vector<torch::Tensor> radii;
  for (std::int64_t start = 0; start < points.size(0); start += kRows) {
    const torch::Tensor d = torch::cdist(points.slice(0, start, start + kRows), points);
    // The k+1-th smallest includes the point itself at distance 0.
    radii.push_back(std::get<0>(d.topk(k + 1, 1, /*largest=*/false)).select(1, k));
  }
  return torch::cat(radii);
}

// Share of `probes` that fall inside at least one ball (centre, radius) of the manifold.
double coverage(const torch::Tensor& centres, const torch::Tensor& radii, const torch::Tensor& probes) {
  std::int64_t inside = 0;
  for (std::int64_t start = 0; start < probes.size(0); start += kRows) {
    const torch::Tensor d = torch::cdist(probes.slice(0, start, start + kRows), centres);
    inside += (d <= radii.unsqueeze(0)).any(1).sum().item<std::int64_t>();
  }
  return static_cast<double>(inside) / probes.size(0);
}

}  // namespace

PrecisionRecall precision_recall(const torch::Tensor& real, const torch::Tensor& fake, std::int64_t k) {
  if (real.dim() != 2 || fake.dim() != 2 || real.size(1) != fake.size(1))
    throw Error("precision_recall: expected feature matrices [N, D] of the same D");
  if (real.size(0) <= k || fake.size(0) <= k)
    throw Error("precision_recall: each set needs more than k = " + std::to_string(k) + " points");
  const torch::Tensor r = real.to(torch::kCPU, torch::kFloat64);
  const torch::Tensor f = fake.to(torch::kCPU, torch::kFloat64);
  return {coverage(r, kth_neighbour_radii(r, k), f), coverage(f, kth_neighbour_radii(f, k), r)};
}

}  // namespace ganrig
