#pragma once
// Metric names: <family><count>[k][neighbours][_<detector>], e.g. fid5k_incv3nsfw (Fréchet
// distance, 5,000 generated images, detector incv3nsfw), kid1k_incv3nsfw, pr1k3_incv3nsfw
// (precision/recall with k = 3), fid50k (the TorchScript Inception, comparable with papers).
#include <cstdint>
#include <string>
#include <vector>

namespace ganrig {

struct MetricSpec {
  std::string name;              // as written
  std::string family;            // a registered MetricFamily ("fid", "kid", "pr")
  std::int64_t num_generated = 0;
  std::int64_t neighbours = 3;   // pr only
  std::string detector;          // a registered detector name
  bool has_scalar = true;        // the family has one value that decides best.pt (fid, kid; not pr)
};

// Throws ConfigError naming the grammar and the offending part; `where` prefixes the message.
MetricSpec parse_metric(const std::string& name, const std::string& where = "");
std::vector<MetricSpec> parse_metrics(const std::vector<std::string>& names, const std::string& where = "");
// Splits "a,b,c" (the --metric option).
std::vector<std::string> split_metric_list(const std::string& text);

}  // namespace ganrig
