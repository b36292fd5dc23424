#include "ganrig/metrics/metric_spec.hpp"

#include <fmt/format.h>

#include <regex>
#include <sstream>

#include "ganrig/error.hpp"
#include "ganrig/metrics/metric_family.hpp"
#include "ganrig/text.hpp"

namespace ganrig {

MetricSpec parse_metric(const std::string& name, const std::string& where) {
  const std::string families = join(metric_family_names(), "|");
  const std::regex grammar("^(" + families + R"()([0-9]+)(k?)([0-9]*)(?:_([a-z0-9_]+))?$)");
  std::smatch m;
  const std::string prefix = where.empty() ? "" : where + ": ";
  if (!std::regex_match(name, m, grammar))
    throw ConfigError(fmt::format("{}metric \"{}\": expected <{}><count>[k][_<detector>], e.g. "
                                  "fid5k_incv3nsfw, kid1k_incv3nsfw, pr1k3_incv3nsfw or fid50k",
                                  prefix, name, families));
  const MetricFamily& family = metric_family(m[1]);
  MetricSpec spec;
  spec.name = name;
  spec.family = m[1];
  spec.num_generated = std::stoll(m[2]) * (m[3].length() ? 1000 : 1);
  if (spec.num_generated < 2)
    throw ConfigError(fmt::format("{}metric \"{}\": needs at least 2 generated images", prefix, name));
  if (m[4].length()) {
    if (!family.takes_neighbours) {
      std::vector<std::string> with_neighbours;
      for (const auto& other : metric_family_names())
        if (metric_family(other).takes_neighbours) with_neighbours.push_back(other);
      throw ConfigError(fmt::format("{}metric \"{}\": a neighbourhood size ({}) is only meaningful for {}", prefix,
                                    name, m[4].str(), join(with_neighbours, ", ")));
    }
    spec.neighbours = std::stoll(m[4]);
    if (spec.neighbours < 1) throw ConfigError(fmt::format("{}metric \"{}\": k must be at least 1", prefix, name));
  }
  spec.detector = m[5].length() ? m[5].str() : "inception";
  spec.has_scalar = !family.scalar.empty();
  return spec;
}

std::vector<MetricSpec> parse_metrics(const std::vector<std::string>& names, const std::string& where) {
  std::vector<MetricSpec> out;
  for (const auto& n : names) out.push_back(parse_metric(n, where));
  return out;
}

std::vector<std::string> split_metric_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace ganrig
