// Schema validation with positions; fills in defaults and records them as such.
#include "ganrig/validate.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fmt/format.h>

#include "config_detail.hpp"
#include "ganrig/error.hpp"
#include "ganrig/host_schemas.hpp"
#include "ganrig/text.hpp"

namespace ganrig {

namespace {

using detail::node_type_name;

struct Context {
  Config& config;
  const Registry& registry;
};

// "[table] " in messages; nothing for the top level of a document (sweep, paper table, recipe).
std::string table_label(const std::string& table) { return table.empty() ? "" : "[" + table + "] "; }

[[noreturn]] void fail(Context& c, const std::string& path, const std::string& table, const std::string& key,
                       const std::string& what) {
  throw ConfigError(fmt::format("{}: {}{}: {}", c.config.origin(path).location(), table_label(table), key, what));
}

std::string got(const toml::node& n) {
  std::string value = to_toml_value(n);
  if (value.size() > 40) value = value.substr(0, 37) + "...";
  return fmt::format("got {} {}", node_type_name(n), value);
}

void check_number(Context& c, const Field& f, double x, const std::string& path, const std::string& table) {
  // No key takes inf or nan: `total_kimg = inf` would train forever, nan compares false.
  if (!std::isfinite(x) || (f.min && x < *f.min) || (f.max && x > *f.max))
    fail(c, path, table, f.key, fmt::format("value {} out of range; expected {}", x, f.expectation()));
}

void check_choice(Context& c, const Field& f, const std::string& s, const std::string& path, const std::string& table) {
  if (!f.choices.empty() && std::find(f.choices.begin(), f.choices.end(), s) == f.choices.end())
    fail(c, path, table, f.key, fmt::format("\"{}\" is not allowed{}; expected {}", shorten(s), did_you_mean(s, f.choices),
                                            f.expectation()));
}

void validate_component_value(Context& c, const Field& f, toml::table& parent, const std::string& path,
                              const std::string& table);

bool is_image_size(const std::string& key) {  // a power of two from 4 to 1024
  const std::vector<std::string> sizes = {"4", "8", "16", "32", "64", "128", "256", "512", "1024"};
  return std::find(sizes.begin(), sizes.end(), key) != sizes.end();
}

// Components by image size: every key an image size, every value a valid component.
void validate_component_table(Context& c, const Field& f, toml::table& parent, const std::string& path,
                              const std::string& table) {
  toml::table* sizes = parent.get(f.key)->as_table();
  if (!sizes) fail(c, path, table, f.key, fmt::format("expected {}, {}", f.expectation(), got(*parent.get(f.key))));
  std::vector<std::string> keys;
  for (auto&& [k, v] : *sizes) keys.emplace_back(k.str());
  for (const auto& key : keys) {
    const std::string key_path = join_path(path, key);
    if (!is_image_size(key))
      fail(c, key_path, path, key, "expected an image size as key, a power of two from 4 to 1024");
    Field entry = f;
    entry.key = key;
    validate_component_value(c, entry, *sizes, key_path, path);
  }
}

[[noreturn]] void mismatch(Context& c, const Field& f, const toml::node& n, const std::string& path,
                           const std::string& table) {
  fail(c, path, table, f.key, fmt::format("expected {}, {}", f.expectation(), got(n)));
}

double number_of(Context& c, const Field& f, const toml::node& n, bool allow_float, const std::string& path,
                 const std::string& table) {
  if (n.is_integer()) return static_cast<double>(n.as_integer()->get());
  if (allow_float && n.is_floating_point()) return n.as_floating_point()->get();
  mismatch(c, f, n, path, table);
}

// Arrays of integers, floats or strings: item types, ranges and choices; integers given for
// floats become floats.
void check_array(Context& c, const Field& f, toml::table& parent, const std::string& path, const std::string& table) {
  toml::node& n = *parent.get(f.key);
  toml::array* a = n.as_array();
  if (!a) mismatch(c, f, n, path, table);
  if (f.length && a->size() != *f.length)
    fail(c, path, table, f.key, fmt::format("expected {}, got {} items", f.expectation(), a->size()));
  toml::array normalised;
  for (auto& item : *a) {
    if (f.type == ValueType::StringArray) {
      if (!item.is_string()) mismatch(c, f, n, path, table);
      check_choice(c, f, item.as_string()->get(), path, table);
      normalised.push_back(item.as_string()->get());
    } else {
      const double x = number_of(c, f, item, f.type == ValueType::FloatArray, path, table);
      check_number(c, f, x, path, table);
      if (f.type == ValueType::IntegerArray)
        normalised.push_back(item.as_integer()->get());
      else
        normalised.push_back(x);
    }
  }
  parent.insert_or_assign(f.key, std::move(normalised));
}

// Tables of strings, integers or floats (per-resolution settings).
void check_scalar_table(Context& c, const Field& f, toml::table& parent, const std::string& path,
                        const std::string& table) {
  toml::node& n = *parent.get(f.key);
  toml::table* t = n.as_table();
  if (!t) mismatch(c, f, n, path, table);
  if (f.type == ValueType::StringTable) {
    for (auto&& [k, v] : *t) {
      if (!v.is_string()) mismatch(c, f, n, path, table);
      check_choice(c, f, v.as_string()->get(), path, table);
    }
    return;
  }
  toml::table normalised;
  for (auto&& [k, v] : *t) {
    const double x = number_of(c, f, v, f.type == ValueType::FloatTable, path, table);
    check_number(c, f, x, path, table);
    if (f.type == ValueType::FloatTable)
      normalised.insert(k, x);
    else
      normalised.insert(k, v.as_integer()->get());
  }
  normalised.is_inline(true);
  parent.insert_or_assign(f.key, std::move(normalised));
}

// Tables and arrays whose contents their reader checks against schemas of their own.
void check_container(Context& c, const Field& f, const toml::node& n, const std::string& path,
                     const std::string& table) {
  if (f.type == ValueType::Table) {
    if (!n.is_table()) mismatch(c, f, n, path, table);
  } else if (f.type == ValueType::TableArray) {
    if (!n.is_array()) mismatch(c, f, n, path, table);
    for (const auto& item : *n.as_array())
      if (!item.is_table()) mismatch(c, f, n, path, table);
  } else {  // ArrayTable
    if (!n.is_table()) mismatch(c, f, n, path, table);
    for (auto&& [k, v] : *n.as_table())
      if (!v.is_array() || v.as_array()->empty())
        fail(c, join_path(path, std::string(k.str())), path, std::string(k.str()),
             fmt::format("expected a non-empty array of values, {}", got(v)));
  }
}

// Checks one value against its field; may replace it (integer -> float normalisation).
void check_value(Context& c, const Field& f, toml::table& parent, const std::string& path, const std::string& table) {
  toml::node& n = *parent.get(f.key);
  switch (f.type) {
    case ValueType::Boolean:
      if (!n.is_boolean()) mismatch(c, f, n, path, table);
      break;
    case ValueType::Integer:
      check_number(c, f, number_of(c, f, n, false, path, table), path, table);
      break;
    case ValueType::Float: {
      const double x = number_of(c, f, n, true, path, table);
      if (n.is_integer()) parent.insert_or_assign(f.key, x);
      check_number(c, f, x, path, table);
      break;
    }
    case ValueType::String:
      if (!n.is_string()) mismatch(c, f, n, path, table);
      check_choice(c, f, n.as_string()->get(), path, table);
      if (f.check && !n.as_string()->get().empty())
        if (const std::string wrong = f.check(n.as_string()->get()); !wrong.empty()) fail(c, path, table, f.key, wrong);
      break;
    case ValueType::IntegerArray:
    case ValueType::FloatArray:
    case ValueType::StringArray:
      check_array(c, f, parent, path, table);
      break;
    case ValueType::StringTable:
    case ValueType::IntegerTable:
    case ValueType::FloatTable:
      check_scalar_table(c, f, parent, path, table);
      break;
    case ValueType::Component:
      validate_component_value(c, f, parent, path, table);
      break;
    case ValueType::ComponentTable:
      validate_component_table(c, f, parent, path, table);
      break;
    case ValueType::Table:
    case ValueType::TableArray:
    case ValueType::ArrayTable:
      check_container(c, f, n, path, table);
      break;
  }
}

void validate_in(Context& c, const std::string& path, const Schema& schema, const std::string& owner, bool typed);

// A component chosen inside another table: `block = "dsc"` or `block = { type = "dsc", ... }`.
void validate_component_value(Context& c, const Field& f, toml::table& parent, const std::string& path,
                              const std::string& table) {
  toml::node& n = *parent.get(f.key);
  const bool given_as_string = n.is_string();
  std::string name;
  if (given_as_string) {
    name = n.as_string()->get();
  } else if (toml::table* t = n.as_table()) {
    const toml::node* type = t->get("type");
    if (!type || !type->is_string())
      fail(c, path, table, f.key, fmt::format("an inline {} table needs a string 'type'", f.component_kind));
    name = type->as_string()->get();
  } else {
    fail(c, path, table, f.key, fmt::format("expected {}, {}", f.expectation(), got(n)));
  }
  const ComponentEntry& entry =
      c.registry.get(f.component_kind, name, c.config.origin(given_as_string ? path : path + ".type"));
  if (given_as_string) {
    if (entry.schema.empty()) return;
    // Spell out the component's defaults in the resolved config.
    toml::table expanded;
    expanded.insert("type", name);
    const Origin where = c.config.origin(path);
    parent.insert_or_assign(f.key, std::move(expanded));
    c.config.origins[path + ".type"] = where;
  }
  validate_in(c, path, entry.schema, fmt::format("{} '{}'", f.component_kind, name), true);
}

// A component default whose plugin this build lacks (png without OpenCV) gives way to its fallback.
std::shared_ptr<toml::node> default_in_this_build(const Context& c, const Field& f) {
  const bool missing = !f.fallback_when_not_built.empty() && f.default_value->is_string() &&
                       !c.registry.find(f.component_kind, f.default_value->as_string()->get());
  return missing ? std::make_shared<toml::value<std::string>>(f.fallback_when_not_built) : f.default_value;
}

void validate_in(Context& c, const std::string& path, const Schema& schema, const std::string& owner, bool typed) {
  toml::table* t = c.config.table_at(path);
  if (!t) throw Error("internal: no table at " + path);
  std::vector<std::string> keys;
  for (auto&& [k, v] : *t) keys.emplace_back(k.str());
  for (const auto& key : keys) {
    const std::string key_path = join_path(path, key);
    if (typed && key == "type") continue;
    const Field* f = schema.find(key);
    if (!f) {
      auto known = schema.keys();
      std::string expected = known.empty() ? "it takes no keys" : "expected one of: " + join(known, ", ");
      fail(c, key_path, path, key, fmt::format("unknown key for {}{}; {}", owner, did_you_mean(key, known), expected));
    }
    check_value(c, *f, *t, key_path, path);
  }
  for (const Field& f : schema.fields()) {
    if (t->contains(f.key)) continue;
    if (f.required)
      throw ConfigError(fmt::format("{}: {}missing required key '{}' ({}): {}", c.config.origin(path).location(),
                                    table_label(path), f.key, f.expectation(), f.doc));
    if (!f.default_value) continue;
    const std::string key_path = join_path(path, f.key);
    detail::put(*t, f.key, *default_in_this_build(c, f));
    detail::record_origins(c.config.origins, key_path, *f.default_value, Origin::default_of(owner));
    if (f.type == ValueType::Component) check_value(c, f, *t, key_path, path);
  }
}

}  // namespace

void validate_table(Config& config, const std::string& path, const Schema& schema, const Registry& registry,
                    const std::string& owner, bool typed) {
  Context c{config, registry};
  validate_in(c, path, schema, owner, typed);
}

void validate_experiment(Config& config, const Registry& registry) {
  Context c{config, registry};
  const auto& hosts = host_schemas();
  const auto& kinds = component_table_kinds();
  std::vector<std::string> allowed;
  for (const auto& [path, schema] : hosts) {
    const std::string top = path.substr(0, path.find('.'));
    if (std::find(allowed.begin(), allowed.end(), top) == allowed.end()) allowed.push_back(top);
  }
  allowed.insert(allowed.end(), kinds.begin(), kinds.end());

  // Top level: only known tables.
  std::vector<std::string> top;
  for (auto&& [k, v] : config.root) top.emplace_back(k.str());
  for (const auto& key : top) {
    const toml::node& n = *config.root.get(key);
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      throw ConfigError(fmt::format("{}: unknown top-level {} '{}'{}; expected tables: {}", config.origin(key).location(),
                                    n.is_table() ? "table" : "key", key, did_you_mean(key, allowed), join(allowed, ", ")));
    if (!n.is_table())
      throw ConfigError(fmt::format("{}: '{}' must be a table ([{}]), got {}", config.origin(key).location(), key, key,
                                    node_type_name(n)));
  }
  if (const toml::table* optim = config.table_at("optim")) {
    for (auto&& [k, v] : *optim) {
      const std::string key(k.str());
      if ((key != "generator" && key != "discriminator") || !v.is_table())
        throw ConfigError(fmt::format("{}: [optim] may only hold the tables [optim.generator] and [optim.discriminator], "
                                      "got '{}'{}", config.origin("optim." + key).location(), key,
                                      did_you_mean(key, {"generator", "discriminator"})));
    }
  }

  // The run's name defaults to the experiment file's name.
  if (!config.table_at("experiment")) config.set("experiment", toml::table{}, Origin::derived("default"));
  if (!config.table_at("experiment")->contains("name"))
    config.set("experiment.name", toml::value<std::string>(config.top_file.stem().string()),
               Origin::derived("default (file name)"));

  detail::check_run_name(config);

  for (const auto& [path, schema] : hosts) {
    if (!config.table_at(path)) config.set(path, toml::table{}, Origin::derived("default"));
    validate_in(c, path, schema, "[" + path + "]", false);
  }
  for (const auto& kind : kinds) {
    toml::table* t = config.table_at(kind);
    const bool required = kind == "generator" || kind == "discriminator" || kind == "loss" || kind == "dataset";
    if (!t) {
      if (required)
        throw ConfigError(fmt::format("{}: missing table [{}] (an experiment needs [generator], [discriminator], "
                                      "[loss] and [dataset], each with a 'type'); known {} types: {}",
                                      detail::display_path(config.top_file), kind, kind,
                                      join(registry.names(kind), ", ")));
      continue;
    }
    const toml::node* type = t->get("type");
    if (!type)
      throw ConfigError(fmt::format("{}: [{}] missing required key 'type'; known {} types: {}",
                                    config.origin(kind).location(), kind, kind, join(registry.names(kind), ", ")));
    if (!type->is_string())
      fail(c, kind + ".type", kind, "type", fmt::format("expected a string naming a {}, {}", kind, got(*type)));
    const ComponentEntry& entry = registry.get(kind, type->as_string()->get(), config.origin(kind + ".type"));
    validate_in(c, kind, entry.schema, fmt::format("{} '{}'", kind, entry.name), true);
  }
  for (const auto& check : host_table_checks()) check(config, registry);

  detail::check_batch(config);
}

}  // namespace ganrig
