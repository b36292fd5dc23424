#pragma once
// A metric family ("fid", "kid", "pr"): how it compares real and generated detector features and
// how its numbers read. Metric names are <family><count>[k][neighbours][_<detector>]; the evaluator
// looks the family up here, so a new metric is one file that defines a MetricFamily and registers
// it (as stylegan2-ada's metric_main.py registers its metrics), plus its line in CMakeLists.txt:
//   [[maybe_unused]] const bool registered = register_metric_family(my_family());
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "ganrig/metrics/metric_spec.hpp"

namespace ganrig {

struct MetricFamily {
  std::string name;                 // the metric-name prefix
  std::string description;
  bool takes_neighbours = false;    // the name may carry a neighbourhood size (pr1k3: k = 3)
  // The number that decides best.pt (lower is better) and is reported as "value"; empty: none.
  std::string scalar;
  // Fewest feature rows per set the comparison needs (the real-vs-real floor is skipped below it).
  std::function<std::int64_t(const MetricSpec&)> min_rows = [](const MetricSpec&) { return 2; };
  // [N, D] real and fake features -> every number the family reports.
  std::function<nlohmann::json(const MetricSpec&, const torch::Tensor& real, const torch::Tensor& fake)> compare;
  // Those numbers for people ("0.0123 ± 0.0011").
  std::function<std::string(const nlohmann::json& values)> format;
};

// Adds a family at static initialisation of the library; returns true.
bool register_metric_family(MetricFamily family);
// The registered family `name`; throws ConfigError listing the known ones.
const MetricFamily& metric_family(const std::string& name);
std::vector<std::string> metric_family_names();  // sorted

}  // namespace ganrig
