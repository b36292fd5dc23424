#pragma once
// Schemas of the tables the host owns: [experiment], [plugins], [train], [exec], [optim.*], [eval].
#include <map>
#include <string>

#include "ganrig/schema.hpp"

namespace ganrig {

// Table path -> schema, e.g. "train", "optim.generator".
const std::map<std::string, Schema>& host_schemas();

}  // namespace ganrig
