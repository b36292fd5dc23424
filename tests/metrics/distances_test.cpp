// Fréchet distance against closed forms, KID on identical and shifted sets, precision/recall on
// constructed point sets, metric-name parsing.
#include "catch_compat.hpp"

#include <torch/torch.h>

#include "ganrig/error.hpp"
#include "ganrig/metrics/distances.hpp"
#include "ganrig/metrics/metric_spec.hpp"

using namespace ganrig;
using ganrig_test::contains;

namespace {
FeatureStats gaussian(const torch::Tensor& mean, const torch::Tensor& covariance) {
  return {mean.to(torch::kFloat64), covariance.to(torch::kFloat64), 1000};
}
torch::Tensor rotation(std::int64_t d, std::uint64_t seed) {
  torch::manual_seed(seed);
  return std::get<0>(torch::linalg_qr(torch::randn({d, d}, torch::kFloat64), "reduced"));
}
}  // namespace

TEST_CASE("Fréchet distance equals the closed form for commuting covariances", "[metrics]") {
  // S1 = Q diag(a) Q^T, S2 = Q diag(b) Q^T: FD = |mu1 - mu2|^2 + sum (sqrt(a) - sqrt(b))^2.
  const std::int64_t d = 16;
  const auto q = rotation(d, 3);
  const auto a = torch::linspace(0.5, 4.0, d, torch::kFloat64), b = torch::linspace(3.0, 0.1, d, torch::kFloat64);
  const auto mu1 = torch::zeros({d}, torch::kFloat64), mu2 = torch::full({d}, 0.5, torch::kFloat64);
  const double fd = frechet_distance(gaussian(mu1, q.mm(torch::diag(a)).mm(q.t())), gaussian(mu2, q.mm(torch::diag(b)).mm(q.t())));
  const double expected = 0.25 * d + (a.sqrt() - b.sqrt()).square().sum().item<double>();
  CHECK(fd == Approx(expected).epsilon(1e-9));
  CHECK(frechet_distance(gaussian(mu1, torch::diag(a)), gaussian(mu1, torch::diag(a))) == Approx(0).margin(1e-9));
}

TEST_CASE("Fréchet distance for non-commuting 2x2 covariances", "[metrics]") {
  // For 2x2 with positive eigenvalues: tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)), M = S1 S2.
  const auto s1 = torch::tensor({{2.0, 0.6}, {0.6, 1.0}}, torch::kFloat64);
  const auto s2 = torch::tensor({{0.5, -0.3}, {-0.3, 1.5}}, torch::kFloat64);
  const auto m = s1.mm(s2);
  const double trace_root = std::sqrt(m.trace().item<double>() + 2 * std::sqrt(torch::det(m).item<double>()));
  const double expected = 1.0 + s1.trace().item<double>() + s2.trace().item<double>() - 2 * trace_root;
  const double fd = frechet_distance(gaussian(torch::zeros({2}), s1), gaussian(torch::tensor({1.0, 0.0}), s2));
  CHECK(fd == Approx(expected).epsilon(1e-9));
}

TEST_CASE("Fréchet distance of a rank-deficient covariance stays finite and real", "[metrics]") {
  // Fewer samples than dimensions: singular covariances, where sqrtm of the product is fragile.
  torch::manual_seed(0);
  const auto x = torch::randn({20, 64}), y = torch::randn({20, 64}) + 0.1;
  const double fd = frechet_distance(feature_stats(x), feature_stats(y));
  CHECK(std::isfinite(fd));
  CHECK(fd > 0);
  CHECK(frechet_distance(feature_stats(x), feature_stats(x)) == Approx(0).margin(1e-4));  // traces ~128
}

TEST_CASE("feature statistics are the official code's mean and covariance divided by N", "[metrics]") {
  // metric_utils.FeatureStats.get_mean_cov: raw_cov / N - outer(mean, mean) (numpy.cov divides by N - 1).
  const auto x = torch::tensor({{1.0, 2.0}, {3.0, 6.0}, {5.0, 4.0}});
  const FeatureStats s = feature_stats(x);
  CHECK(s.mean[0].item<double>() == Approx(3.0));
  CHECK(s.covariance[0][0].item<double>() == Approx(8.0 / 3));
  CHECK(s.covariance[0][1].item<double>() == Approx(4.0 / 3));
  CHECK(s.covariance[1][1].item<double>() == Approx(8.0 / 3));
  REQUIRE_THROWS_AS(feature_stats(torch::zeros({1, 3})), Error);
}

TEST_CASE("KID is about 0 for sets from one distribution and clearly positive for shifted ones", "[metrics]") {
  torch::manual_seed(1);
  const auto a = torch::randn({600, 32}), b = torch::randn({600, 32});
  const KidValue same = kernel_inception_distance(a, b, 50, 300);
  const KidValue shifted = kernel_inception_distance(a, b + 0.5, 50, 300);
  CHECK(std::abs(same.mean) < 3 * same.std + 1e-3);
  CHECK(shifted.mean > 20 * std::max(std::abs(same.mean), 1e-3));
  CHECK(shifted.subset_size == 300);
  // Identical sets: the unbiased estimator averages to about zero, not exactly zero.
  CHECK(std::abs(kernel_inception_distance(a, a, 20, 300).mean) < 0.05);
}

TEST_CASE("KID on given subsets: one subset by hand, and mismatched subsets refused", "[metrics]") {
  // m = 2, d = 1: x = {1, 2} (fake), y = {0, 1} (real); k(u, v) = (u v + 1)^3.
  const auto real = torch::tensor({{0.0}, {1.0}, {5.0}}), fake = torch::tensor({{9.0}, {1.0}, {2.0}});
  const auto k = [](double u, double v) { return std::pow(u * v + 1, 3); };
  const double within = 2 * k(1, 2) + 2 * k(0, 1);  // off-diagonal pairs of x and of y
  const double across = k(1, 0) + k(1, 1) + k(2, 0) + k(2, 1);
  const double expected = (within / (2 - 1) - across * 2.0 / 2) / 2;
  const KidValue kid = kernel_inception_distance(real, fake, {torch::tensor({1, 2})}, {torch::tensor({0, 1})});
  CHECK(kid.mean == Approx(expected).epsilon(1e-12));
  CHECK(kid.subset_size == 2);
  REQUIRE_THROWS_WITH(kernel_inception_distance(real, fake, {torch::tensor({1, 2})}, {torch::tensor({0})}),
                      contains("unequal size"));
}

TEST_CASE("precision and recall on constructed point sets", "[metrics]") {
  // Reals: 100 points on a line, spacing 1 (k = 3: interior radii 2). Fakes: copies of reals
  // 0..49 and 50 points far away. Precision: 50 of 100 fakes lie in the real manifold. Recall:
  // reals 0..49 (distance 0), 50 and 51 (within fake 49's radius 3) and 52 (exactly on it).
  auto line = torch::stack({torch::arange(100, torch::kFloat64), torch::zeros({100}, torch::kFloat64)}, 1);
  auto far = torch::stack({torch::arange(50, torch::kFloat64), torch::full({50}, 1000.0, torch::kFloat64)}, 1);
  const auto fake = torch::cat({line.slice(0, 0, 50), far});
  const PrecisionRecall pr = precision_recall(line, fake, 3);
  CHECK(pr.precision == Approx(0.5));
  CHECK(pr.recall == Approx(0.53));
  const PrecisionRecall self = precision_recall(line, line, 3);
  CHECK(self.precision == Approx(1.0));
  CHECK(self.recall == Approx(1.0));
  REQUIRE_THROWS_AS(precision_recall(line.slice(0, 0, 3), fake, 3), Error);
}

TEST_CASE("metric names: family, count, neighbours and detector", "[metrics]") {
  const MetricSpec fid = parse_metric("fid5k_incv3nsfw");
  CHECK(fid.family == "fid");
  CHECK(fid.num_generated == 5000);
  CHECK(fid.detector == "incv3nsfw");
  CHECK(fid.has_scalar);
  const MetricSpec pr = parse_metric("pr1k3_incv3nsfw_m5");
  CHECK(pr.family == "pr");
  CHECK(pr.num_generated == 1000);
  CHECK(pr.neighbours == 3);
  CHECK(pr.detector == "incv3nsfw_m5");
  CHECK_FALSE(pr.has_scalar);
  CHECK(parse_metric("fid50k").detector == "inception");  // the papers' Inception
  CHECK(parse_metric("kid500_incv3nsfw").num_generated == 500);
  REQUIRE_THROWS_WITH(parse_metric("fidk5", "exp.toml:3:1"), contains("exp.toml:3:1") && contains("<fid|kid|pr"));
  REQUIRE_THROWS_WITH(parse_metric("kid1k5_x"), contains("only meaningful for pr"));
  CHECK(split_metric_list("a,b,,c") == std::vector<std::string>{"a", "b", "c"});
}
