// Checks of the experiment as a whole that no single key's schema can express.
#include <algorithm>
#include <cctype>
#include <fmt/format.h>

#include "config_detail.hpp"
#include "ganrig/config.hpp"
#include "ganrig/error.hpp"
#include "ganrig/text.hpp"

namespace ganrig::detail {

// experiment.name becomes folders under --run-root: it must stay below it.
void check_run_name(const Config& config) {
  const toml::node* node = config.table_at("experiment")->get("name");
  const std::string where = config.origin("experiment.name").location();
  if (!node->is_string())
    throw ConfigError(fmt::format("{}: [experiment] name: expected a string, got {}", where, node_type_name(*node)));
  const std::string name = node->as_string()->get();
  const bool characters_ok = std::all_of(name.begin(), name.end(), [](unsigned char ch) {
    return std::isalnum(ch) || ch == '_' || ch == '-' || ch == '.' || ch == '+' || ch == '=' || ch == '/';
  });
  bool parts_ok = !name.empty() && name.size() <= 200 && name.front() != '/' && name.back() != '/';
  for (std::size_t start = 0; parts_ok && start <= name.size();) {
    const std::size_t end = std::min(name.find('/', start), name.size());
    const std::string part = name.substr(start, end - start);
    parts_ok = !part.empty() && part != "." && part != "..";
    start = end + 1;
  }
  if (!characters_ok || !parts_ok)
    throw ConfigError(fmt::format("{}: [experiment] name: \"{}\" cannot name a folder below --run-root; expected "
                                  "letters, digits and _ - . + =, optionally in parts separated by '/' (no '..', "
                                  "no leading '/', at most 200 characters)",
                                  where, shorten(name)));
}

// The global batch: bounded, and split evenly into per-device micro-batches.
void check_batch(const Config& config) {
  const auto batch = config.table_at("train")->get("batch")->as_integer()->get();
  if (batch > 65536)  // beyond it a batch only grows memory without bound
    throw ConfigError(fmt::format("{}: [train] batch: {} is more than 65536 images per step",
                                  config.origin("train.batch").location(), batch));
  const auto per_device = config.table_at("exec")->get("batch_per_device")->as_integer()->get();
  if (per_device > 0 && batch % per_device != 0)
    throw ConfigError(fmt::format("{}: [exec] batch_per_device: {} does not divide [train] batch = {} (set at {})",
                                  config.origin("exec.batch_per_device").location(), per_device, batch,
                                  config.origin("train.batch").location()));
}

}  // namespace ganrig::detail
