// FID (Heusel et al. 2017): the Fréchet distance between Gaussians fitted to real and fake features.
#include <fmt/format.h>

#include "ganrig/metrics/distances.hpp"
#include "ganrig/metrics/metric_family.hpp"

namespace ganrig {

namespace {

MetricFamily fid_family() {
  MetricFamily f;
  f.name = "fid";
  f.description = "Fréchet Inception Distance";
  f.scalar = "fid";
  f.compare = [](const MetricSpec&, const torch::Tensor& real, const torch::Tensor& fake) {
    return nlohmann::json{{"fid", frechet_distance(feature_stats(real), feature_stats(fake))}};
  };
  f.format = [](const nlohmann::json& v) { return fmt::format("{:.4g}", v["fid"].get<double>()); };
  return f;
}

[[maybe_unused]] const bool registered = register_metric_family(fid_family());

}  // namespace

}  // namespace ganrig
