// FID and KID equal the official Projected GAN metric code's on the same features and the same KID
// subsets. Hidden ([.official]): tests/metrics/official_metrics.sh runs it after
// tools/twin/official_metrics.py has run the official code (a checkout named by GANRIG_PG_OFFICIAL)
// and written its results to the file named by GANRIG_OFFICIAL_METRICS_JSON.
#include "catch_compat.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "ganrig/metrics/distances.hpp"
#include "ganrig/numpy_random.hpp"

using namespace ganrig;

namespace {

// (RandomState(seed).randn(count, dim) * scale + shift).astype(float32), as the script makes them.
torch::Tensor features(const nlohmann::json& spec, std::int64_t dim) {
  NumpyRandomState random(spec.at("seed").get<std::uint32_t>());
  const std::int64_t count = spec.at("count").get<std::int64_t>();
  const double scale = spec.at("scale").get<double>(), shift = spec.at("shift").get<double>();
  std::vector<double> values = random.randn(static_cast<std::size_t>(count * dim));
  for (double& v : values) v = v * scale + shift;
  return torch::tensor(values, torch::kFloat64).view({count, dim}).to(torch::kFloat32);
}

std::vector<torch::Tensor> index_lists(const nlohmann::json& lists) {
  std::vector<torch::Tensor> out;
  for (const auto& list : lists) out.push_back(torch::tensor(list.get<std::vector<std::int64_t>>(), torch::kLong));
  return out;
}

double relative(double ours, double theirs) { return std::abs(ours - theirs) / std::abs(theirs); }

}  // namespace

TEST_CASE("FID and KID equal the official Projected GAN code's", "[.official]") {
  const char* path = std::getenv("GANRIG_OFFICIAL_METRICS_JSON");
  REQUIRE(path != nullptr);
  std::ifstream in(path);
  const nlohmann::json official = nlohmann::json::parse(in);
  const auto& spec = official.at("features");
  const std::int64_t dim = spec.at("dim").get<std::int64_t>();
  const torch::Tensor real = features(spec.at("real"), dim), fake = features(spec.at("fake"), dim);

  const double fid = frechet_distance(feature_stats(fake), feature_stats(real));
  const KidValue kid = kernel_inception_distance(real, fake, index_lists(official.at("kid_subsets").at("fake")),
                                                 index_lists(official.at("kid_subsets").at("real")));
  const double official_fid = official.at("fid").get<double>();
  const double official_kid = official.at("kid").get<double>(), official_kid64 = official.at("kid_float64").get<double>();
  std::cout.precision(17);
  std::cout << "FID: ganrig " << fid << ", official " << official_fid << ", relative difference "
            << relative(fid, official_fid) << "\n"
            << "KID (" << kid.subsets << " subsets of " << kid.subset_size << "): ganrig " << kid.mean
            << ", official as shipped (float32 sums) " << official_kid << ", relative difference "
            << relative(kid.mean, official_kid) << "\n"
            << "KID: official code on float64 copies of the features " << official_kid64 << ", relative difference "
            << relative(kid.mean, official_kid64) << "\n";
  CHECK(relative(fid, official_fid) < 1e-6);
  CHECK(relative(kid.mean, official_kid64) < 1e-6);
  // The official KID sums float32 products; its rounding, not a difference of method, is left.
  CHECK(relative(kid.mean, official_kid) < 1e-5);
}
