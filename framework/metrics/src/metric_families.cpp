// The registry of metric families (fid_metric.cpp, kid_metric.cpp, precision_recall_metric.cpp, ...).
#include "ganrig/metrics/metric_family.hpp"

#include <fmt/format.h>

#include <map>

#include "ganrig/error.hpp"
#include "ganrig/text.hpp"

namespace ganrig {

namespace {

std::map<std::string, MetricFamily>& families() {
  static std::map<std::string, MetricFamily> registered;
  return registered;
}

}  // namespace

bool register_metric_family(MetricFamily family) {
  const std::string name = family.name;
  families()[name] = std::move(family);
  return true;
}

const MetricFamily& metric_family(const std::string& name) {
  const auto it = families().find(name);
  if (it != families().end()) return it->second;
  throw ConfigError(fmt::format("unknown metric family '{}'; known: {}", name, join(metric_family_names(), ", ")));
}

std::vector<std::string> metric_family_names() {
  std::vector<std::string> names;
  for (const auto& [name, family] : families()) names.push_back(name);
  return names;
}

}  // namespace ganrig
