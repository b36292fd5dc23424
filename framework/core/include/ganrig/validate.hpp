#pragma once
// Validation of a merged experiment against the host's and the components' schemas. Errors carry
// the position of the offending key; defaults are filled in and recorded as such.
#include <string>

#include "ganrig/config.hpp"
#include "ganrig/registry.hpp"
#include "ganrig/schema.hpp"

namespace ganrig {

// Validates `table` (at dotted `path`, e.g. "generator") against `schema`: rejects unknown keys,
// wrong types, out-of-range values and missing required keys, converts integers given for float
// keys, and writes declared defaults for absent keys. `owner` names the schema in messages.
// With `typed`, the table's `type` key (the component name) is allowed beside the schema's keys.
void validate_table(Config& config, const std::string& path, const Schema& schema,
                    const Registry& registry, const std::string& owner, bool typed = false);

// Validates a whole experiment: the host tables, every component table against its `type`'s
// schema, and that no unknown top-level table or key is present.
void validate_experiment(Config& config, const Registry& registry);

}  // namespace ganrig
