#pragma once
// The distances between feature sets that FID, KID and precision/recall report. Inputs are
// [N, D] feature matrices (any float dtype); arithmetic is done in float64.
#include <cstdint>
#include <vector>

#include <torch/types.h>

namespace ganrig {

// The covariance is the population one (divided by N), as the official Projected GAN and
// StyleGAN2-ADA metric code computes it (metric_utils.FeatureStats.get_mean_cov), so FID equals
// theirs; TTUR's fid.py and clean-fid use numpy.cov (N - 1), which gives a FID ~0.4% higher at
// N = 250 (tools/twin/official_metrics.py, docs/fidelity.md).
struct FeatureStats {
  torch::Tensor mean;        // [D], float64
  torch::Tensor covariance;  // [D, D], float64, divided by N
  std::int64_t count = 0;
};
FeatureStats feature_stats(const torch::Tensor& features);

// Fréchet distance between two Gaussians: |mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2)).
// tr((S1 S2)^(1/2)) is computed as the sum of square roots of the eigenvalues of the symmetric
// positive semi-definite S1^(1/2) S2 S1^(1/2), which stays real and stable where scipy's sqrtm
// of the non-symmetric product needs an epsilon or returns complex parts.
double frechet_distance(const FeatureStats& a, const FeatureStats& b);

// KID: unbiased MMD^2 with the cubic polynomial kernel k(x, y) = (x.y / D + 1)^3, averaged over
// `subsets` random subsets of min(N_real, N_fake, subset_size) from each set (StyleGAN2-ADA's
// protocol: 100 subsets of 1000).
struct KidValue {
  double mean = 0, std = 0;
  std::int64_t subsets = 0, subset_size = 0;
};
KidValue kernel_inception_distance(const torch::Tensor& real, const torch::Tensor& fake, std::int64_t subsets = 100,
                                   std::int64_t subset_size = 1000, std::uint64_t seed = 0);
// The same on given subsets: fake_subsets[i] and real_subsets[i] are row indices of equal length
// (to compare with another implementation on its own draws).
KidValue kernel_inception_distance(const torch::Tensor& real, const torch::Tensor& fake,
                                   const std::vector<torch::Tensor>& fake_subsets,
                                   const std::vector<torch::Tensor>& real_subsets);

// Improved precision and recall (Kynkäänniemi et al. 2019): each set's manifold is the union of
// balls reaching each point's k-th nearest neighbour in its own set. Precision: the share of fake
// points inside the real manifold; recall: the share of real points inside the fake manifold.
struct PrecisionRecall {
  double precision = 0, recall = 0;
};
PrecisionRecall precision_recall(const torch::Tensor& real, const torch::Tensor& fake, std::int64_t k = 3);

}  // namespace ganrig
