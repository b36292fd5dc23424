#pragma once
// A run's resolved config as this build would resolve it: re-validated with today's schemas, so
// keys added with a default since it was written (cond = false, ...) appear. Resume compares a
// checkpoint's config with it; `ganrig table` matches and checks runs with it. Text this build
// cannot validate stays as it is (and then differs).
#include <string>

#include "ganrig/registry.hpp"

namespace ganrig {

std::string config_as_now(const std::string& resolved_toml, const Registry& registry);

}  // namespace ganrig
