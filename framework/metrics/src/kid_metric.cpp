// KID (Binkowski et al. 2018): unbiased MMD^2 with a cubic kernel, mean and spread over subsets.
#include <fmt/format.h>

#include "ganrig/metrics/distances.hpp"
#include "ganrig/metrics/metric_family.hpp"

namespace ganrig {

namespace {

MetricFamily kid_family() {
  MetricFamily f;
  f.name = "kid";
  f.description = "Kernel Inception Distance";
  f.scalar = "kid";
  f.compare = [](const MetricSpec&, const torch::Tensor& real, const torch::Tensor& fake) {
    const KidValue kid = kernel_inception_distance(real, fake);
    return nlohmann::json{
        {"kid", kid.mean}, {"kid_std", kid.std}, {"kid_subsets", kid.subsets}, {"kid_subset_size", kid.subset_size}};
  };
  f.format = [](const nlohmann::json& v) {
    return fmt::format("{:.5g} ± {:.2g}", v["kid"].get<double>(), v["kid_std"].get<double>());
  };
  return f;
}

[[maybe_unused]] const bool registered = register_metric_family(kid_family());

}  // namespace

}  // namespace ganrig
