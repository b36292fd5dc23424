#pragma once
// Schemas of the tables the host owns: [experiment], [plugins], [train], [exec], [optim.*], and
// those a layer above the core adds for itself (the metrics library registers [eval] and the check
// of its metric names), so the core never knows what they mean.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ganrig/config.hpp"
#include "ganrig/registry.hpp"
#include "ganrig/schema.hpp"

namespace ganrig {

// Table path -> schema, e.g. "train", "optim.generator".
const std::map<std::string, Schema>& host_schemas();

// Runs after the whole experiment is validated (defaults filled in); throws ConfigError with a position.
using ConfigCheck = std::function<void(const Config& config, const Registry& registry)>;

// Adds a host table (at static initialisation of the library that owns it). Returns true so it can
// initialise a namespace-scope constant.
bool register_host_table(const std::string& path, Schema schema, ConfigCheck check = {});

// The checks of registered tables, in registration order.
const std::vector<ConfigCheck>& host_table_checks();

}  // namespace ganrig
