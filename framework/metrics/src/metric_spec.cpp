#include "ganrig/metrics/metric_spec.hpp"

#include <fmt/format.h>

#include <regex>
#include <sstream>

#include "ganrig/error.hpp"

namespace ganrig {

MetricSpec parse_metric(const std::string& name, const std::string& where) {
  static const std::regex grammar(R"(^(fid|kid|pr)([0-9]+)(k?)([0-9]*)(?:_([a-z0-9_]+))?$)");
  std::smatch m;
  const std::string prefix = where.empty() ? "" : where + ": ";
  if (!std::regex_match(name, m, grammar))
    throw ConfigError(fmt::format("{}metric \"{}\": expected <fid|kid|pr><count>[k][_<detector>], e.g. "
                                  "fid5k_incv3nsfw, kid1k_incv3nsfw, pr1k3_incv3nsfw or fid50k",
                                  prefix, name));
  MetricSpec spec;
  spec.name = name;
  spec.family = m[1];
  spec.num_generated = std::stoll(m[2]) * (m[3].length() ? 1000 : 1);
  if (spec.num_generated < 2)
    throw ConfigError(fmt::format("{}metric \"{}\": needs at least 2 generated images", prefix, name));
  if (m[4].length()) {
    if (spec.family != "pr")
      throw ConfigError(fmt::format("{}metric \"{}\": a neighbourhood size ({}) is only meaningful for pr", prefix,
                                    name, m[4].str()));
    spec.neighbours = std::stoll(m[4]);
    if (spec.neighbours < 1) throw ConfigError(fmt::format("{}metric \"{}\": k must be at least 1", prefix, name));
  }
  spec.detector = m[5].length() ? m[5].str() : "inception";
  spec.has_scalar = spec.family != "pr";
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
