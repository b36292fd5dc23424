#include "ganrig/document.hpp"

#include "config_detail.hpp"
#include "ganrig/registry.hpp"
#include "ganrig/validate.hpp"

namespace ganrig {

namespace {

Config config_of(const std::filesystem::path& file, const toml::table& table, const std::string& path) {
  Config c;
  c.top_file = file;
  const std::string shown = detail::display_path(file);
  c.origins[path] = Origin::file(shown, static_cast<int>(table.source().begin.line),
                                 static_cast<int>(table.source().begin.column));
  detail::collect_file_origins(table, path, shown, c.origins);
  if (path.empty())
    c.root = table;
  else
    c.root.insert(path, table);
  return c;
}

}  // namespace

CheckedTable::CheckedTable(const std::filesystem::path& file, const toml::table& table, const Schema& schema,
                           const std::string& owner, const std::string& path)
    : path_(path), config_(config_of(file, table, path)), view_(*config_.table_at(path), path, &config_) {
  static const Registry no_components;  // documents name no components
  validate_table(config_, path, schema, no_components, owner);
}

}  // namespace ganrig
