// Improved precision and recall (Kynkäänniemi et al. 2019): two numbers, so no best.pt scalar.
#include <fmt/format.h>

#include "ganrig/metrics/distances.hpp"
#include "ganrig/metrics/metric_family.hpp"

namespace ganrig {

namespace {

MetricFamily precision_recall_family() {
  MetricFamily f;
  f.name = "pr";
  f.description = "improved precision and recall";
  f.takes_neighbours = true;
  f.min_rows = [](const MetricSpec& spec) { return spec.neighbours + 1; };
  f.compare = [](const MetricSpec& spec, const torch::Tensor& real, const torch::Tensor& fake) {
    const PrecisionRecall pr = precision_recall(real, fake, spec.neighbours);
    return nlohmann::json{{"precision", pr.precision}, {"recall", pr.recall}};
  };
  f.format = [](const nlohmann::json& v) {
    return fmt::format("precision {:.3f} recall {:.3f}", v["precision"].get<double>(), v["recall"].get<double>());
  };
  return f;
}

[[maybe_unused]] const bool registered = register_metric_family(precision_recall_family());

}  // namespace

}  // namespace ganrig
