// Loading experiment files: parsing with positions, `inherits` resolution and deep merging.
#include <algorithm>
#include <fmt/format.h>

#include "config_detail.hpp"
#include "ganrig/config.hpp"
#include "ganrig/error.hpp"
#include "ganrig/text.hpp"
#include "ganrig/toml_file.hpp"

namespace fs = std::filesystem;

namespace ganrig {

std::string join_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::vector<std::string> split_path(const std::string& dotted) {
  std::vector<std::string> parts;
  std::string current;
  for (char c : dotted) {
    if (c == '.') {
      parts.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  parts.push_back(current);
  return parts;
}

Origin Config::origin(const std::string& path) const {
  std::string p = path;
  while (true) {
    auto it = origins.find(p);
    if (it != origins.end()) return it->second;
    const auto dot = p.rfind('.');
    if (dot == std::string::npos) break;
    p = p.substr(0, dot);
  }
  return Origin::file(detail::display_path(top_file), 1, 1);
}

const toml::table* Config::table_at(const std::string& path) const {
  return const_cast<Config*>(this)->table_at(path);
}

toml::table* Config::table_at(const std::string& path) {
  toml::table* t = &root;
  if (path.empty()) return t;
  for (const auto& part : split_path(path)) {
    toml::node* n = t->get(part);
    if (!n || !n->is_table()) return nullptr;
    t = n->as_table();
  }
  return t;
}

void Config::forget_origins_under(const std::string& path) { detail::erase_origins_under(origins, path); }

void Config::set(const std::string& path, const toml::node& value, const Origin& where) {
  const auto parts = split_path(path);
  toml::table* t = &root;
  std::string walked;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    walked = join_path(walked, parts[i]);
    toml::node* n = t->get(parts[i]);
    if (!n) {
      t->insert(parts[i], toml::table{});
      origins.emplace(walked, where);
      n = t->get(parts[i]);
    } else if (!n->is_table()) {
      throw ConfigError(fmt::format("{}: cannot set '{}': '{}' is a {}, not a table (set at {})",
                                    where.location(), path, walked, detail::node_type_name(*n),
                                    origin(walked).location()));
    }
    t = n->as_table();
  }
  forget_origins_under(path);
  detail::put(*t, parts.back(), value);
  detail::record_origins(origins, path, value, where);
}

namespace detail {

std::string display_path(const fs::path& p) {
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  const fs::path absolute = fs::absolute(p, ec).lexically_normal();
  if (!ec) {
    const fs::path relative = absolute.lexically_relative(cwd);
    if (!relative.empty() && *relative.begin() != "..") return relative.string();
  }
  return absolute.string();
}

std::string node_type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "table";
    case toml::node_type::array: return "array";
    case toml::node_type::string: return "string";
    case toml::node_type::integer: return "integer";
    case toml::node_type::floating_point: return "float";
    case toml::node_type::boolean: return "boolean";
    case toml::node_type::date: return "date";
    case toml::node_type::time: return "time";
    case toml::node_type::date_time: return "date-time";
    default: return "nothing";
  }
}

void erase_origins_under(std::map<std::string, Origin>& origins, const std::string& path) {
  for (auto it = origins.begin(); it != origins.end();) {
    const std::string& k = it->first;
    if (k == path || (k.size() > path.size() && k.compare(0, path.size(), path) == 0 && k[path.size()] == '.'))
      it = origins.erase(it);
    else
      ++it;
  }
}

void put(toml::table& t, const std::string& key, const toml::node& value) {
  value.visit([&](const auto& concrete) { t.insert_or_assign(key, concrete); });
}

void record_origins(std::map<std::string, Origin>& origins, const std::string& path,
                    const toml::node& value, const Origin& where) {
  origins[path] = where;
  if (const toml::table* t = value.as_table())
    for (auto&& [k, v] : *t) record_origins(origins, join_path(path, std::string(k.str())), v, where);
}

void collect_file_origins(const toml::table& t, const std::string& prefix, const std::string& file,
                          std::map<std::string, Origin>& origins) {
  for (auto&& [k, v] : t) {
    const std::string path = join_path(prefix, std::string(k.str()));
    // The key's own position (file:line:col of the key, not of its value).
    const auto& where = k.source().begin.line ? k.source() : v.source();
    origins[path] = Origin::file(file, static_cast<int>(where.begin.line), static_cast<int>(where.begin.column));
    if (const toml::table* sub = v.as_table()) collect_file_origins(*sub, path, file, origins);
  }
}

namespace {

Origin origin_of(const toml::node& n, const std::string& file) {
  return Origin::file(file, static_cast<int>(n.source().begin.line), static_cast<int>(n.source().begin.column));
}

// Copies origins under `path` from one map to another.
void copy_origins(const std::map<std::string, Origin>& from, std::map<std::string, Origin>& to,
                  const std::string& path) {
  for (auto it = from.lower_bound(path); it != from.end(); ++it) {
    const std::string& k = it->first;
    if (k.compare(0, path.size(), path) != 0) break;
    if (k.size() == path.size() || k[path.size()] == '.') to[k] = it->second;
  }
}

// Removes `_replace_` markers from a subtree that has nothing left to replace.
void strip_replace_markers(toml::table& t, const std::string& prefix, std::map<std::string, Origin>& origins) {
  if (toml::node* marker = t.get("_replace_")) {
    const std::string path = join_path(prefix, "_replace_");
    if (!marker->is_boolean())
      throw ConfigError(fmt::format("{}: [{}] _replace_: expected boolean, got {}",
                                    origins.count(path) ? origins[path].location() : prefix, prefix,
                                    node_type_name(*marker)));
    t.erase("_replace_");
    origins.erase(path);
  }
  for (auto&& [k, v] : t)
    if (toml::table* sub = v.as_table()) strip_replace_markers(*sub, join_path(prefix, std::string(k.str())), origins);
}

struct Layer {
  toml::table table;
  std::map<std::string, Origin> origins;
};

// Deep merge of one parent into the accumulated parents: a leaf set by two siblings is an error
// (unless both come from the same place, as when two parents share a grandparent).
void merge_sibling(toml::table& dst, std::map<std::string, Origin>& dst_origins, const toml::table& src,
                   const std::map<std::string, Origin>& src_origins, const std::string& prefix) {
  for (auto&& [k, v] : src) {
    const std::string key(k.str());
    const std::string path = join_path(prefix, key);
    toml::node* existing = dst.get(key);
    if (!existing) {
      put(dst, key, v);
      copy_origins(src_origins, dst_origins, path);
    } else if (existing->is_table() && v.is_table()) {
      merge_sibling(*existing->as_table(), dst_origins, *v.as_table(), src_origins, path);
    } else {
      const Origin a = dst_origins.count(path) ? dst_origins.at(path) : Origin{};
      const Origin b = src_origins.count(path) ? src_origins.at(path) : Origin{};
      if (a == b) continue;
      throw ConfigError(fmt::format(
          "{}: key '{}' is set by two sibling parents: at {} and at {}; set it in the child "
          "or in only one parent",
          b.location(), path, a.location(), b.location()));
    }
  }
}

// The child applied over its merged parents: tables deep-merge (or replace with `_replace_`),
// scalars and arrays replace.
void overlay(toml::table& dst, std::map<std::string, Origin>& dst_origins, const toml::table& src,
             const std::map<std::string, Origin>& src_origins, const std::string& prefix) {
  for (auto&& [k, v] : src) {
    const std::string key(k.str());
    const std::string path = join_path(prefix, key);
    toml::node* existing = dst.get(key);
    const toml::table* src_table = v.as_table();
    bool replace = false;
    if (src_table) {
      if (const toml::node* marker = src_table->get("_replace_")) {
        if (!marker->is_boolean())
          throw ConfigError(fmt::format("{}: [{}] _replace_: expected boolean, got {}",
                                        src_origins.at(join_path(path, "_replace_")).location(), path,
                                        node_type_name(*marker)));
        replace = marker->value_or(false);
      }
    }
    if (src_table && existing && existing->is_table() && !replace) {
      overlay(*existing->as_table(), dst_origins, *src_table, src_origins, path);
      continue;
    }
    // Replace wholesale: forget what was inherited under this path.
    erase_origins_under(dst_origins, path);
    put(dst, key, v);
    copy_origins(src_origins, dst_origins, path);
  }
}

Layer load_layer(const fs::path& file, std::vector<fs::path>& stack) {
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(file, ec);
  if (std::find(stack.begin(), stack.end(), canonical) != stack.end()) {
    std::string chain;
    for (const auto& p : stack) chain += display_path(p) + " -> ";
    throw ConfigError(fmt::format("{}: inherits forms a cycle: {}{}", display_path(file), chain, display_path(file)));
  }
  const std::string shown = display_path(file);
  toml::table parsed;
  try {
    parsed = parse_toml_bounded(read_toml_text(file), file.string());
  } catch (const toml::parse_error& e) {
    throw ConfigError(fmt::format("{}:{}:{}: TOML syntax error: {}", shown, e.source().begin.line,
                                  e.source().begin.column, e.description()));
  }
  check_toml_bounds(parsed, shown);
  Layer own;
  detail::collect_file_origins(parsed, "", shown, own.origins);

  Layer merged;
  if (toml::node* inherits = parsed.get("inherits")) {
    const Origin where = own.origins.at("inherits");
    const toml::array* list = inherits->as_array();
    if (!list)
      throw ConfigError(fmt::format("{}: inherits: expected an array of file paths, got {}", where.location(),
                                    node_type_name(*inherits)));
    stack.push_back(canonical);
    for (const toml::node& item : *list) {
      const auto* name = item.as_string();
      const Origin item_where = origin_of(item, shown);
      if (!name)
        throw ConfigError(fmt::format("{}: inherits: expected a file path string, got {}", item_where.location(),
                                      node_type_name(item)));
      const fs::path parent = (file.parent_path() / name->get()).lexically_normal();
      std::error_code error;
      const fs::file_status status = fs::status(parent, error);
      if (!fs::exists(status))
        throw ConfigError(fmt::format("{}: inherits: file '{}' not found (looked for {}{})", item_where.location(),
                                      shorten(name->get()), shorten(display_path(parent), 200),
                                      error && error != std::errc::no_such_file_or_directory ? ": " + error.message()
                                                                                              : ""));
      if (!fs::is_regular_file(status))  // a folder, or a device such as /dev/zero that never ends
        throw ConfigError(fmt::format("{}: inherits: '{}' is not a regular file", item_where.location(),
                                      shorten(name->get())));
      Layer layer;
      try {
        layer = load_layer(parent, stack);
      } catch (const ConfigError& e) {  // name the chain: where each file was inherited
        throw ConfigError(fmt::format("{}\n  in {}, inherited at {}", e.what(), display_path(parent),
                                      item_where.location()));
      }
      merge_sibling(merged.table, merged.origins, layer.table, layer.origins, "");
    }
    stack.pop_back();
    parsed.erase("inherits");
    own.origins.erase("inherits");
  }
  overlay(merged.table, merged.origins, parsed, own.origins, "");
  // Markers act on this file's parents only; a child of this file never sees them.
  strip_replace_markers(merged.table, "", merged.origins);
  return merged;
}

}  // namespace
}  // namespace detail

Config load_config_file(const fs::path& file) {
  std::error_code error;
  const fs::file_status status = fs::status(file, error);
  if (!fs::exists(status))
    throw ConfigError(fmt::format("{}: experiment file not found{}", shorten(file.string(), 200),
                                  error && error != std::errc::no_such_file_or_directory ? " (" + error.message() + ")" : ""));
  if (!fs::is_regular_file(status))
    throw ConfigError(fmt::format("{}: not an experiment file (not a regular file)", shorten(file.string(), 200)));
  std::vector<fs::path> stack;
  detail::Layer layer = detail::load_layer(file, stack);
  Config config;
  config.root = std::move(layer.table);
  config.origins = std::move(layer.origins);
  config.top_file = file;
  return config;
}

}  // namespace ganrig
