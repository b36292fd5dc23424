#include "ganrig/build_context.hpp"

#include <fmt/format.h>

#include "ganrig/error.hpp"
#include "ganrig/text.hpp"

#include <algorithm>

namespace ganrig {

BuildContext::BuildContext(const Registry& registry, const Config& config, ImageShape image, std::uint64_t seed)
    : registry_(registry), config_(config), image_(image), seed_(seed) {}

std::int64_t BuildContext::conditional_classes(const ConfigView& view, const std::string& key) const {
  if (!view.boolean(key)) return 0;
  if (class_names_.empty())
    throw ConfigError(fmt::format(
        "{}{} = true needs a labelled dataset, and [dataset] has no labels (prepare one with labels: ganrig data "
        "prepare FOLDER --labels folders|json, or a recipe with classes such as fashion_mnist)",
        view.where(key), key));
  return static_cast<std::int64_t>(class_names_.size());
}

bool BuildContext::has(const std::string& table_path) const { return config_.table_at(table_path) != nullptr; }

std::shared_ptr<void> BuildContext::build_erased(const std::string& kind, const std::string& table_path) {
  const toml::table* table = config_.table_at(table_path);
  if (!table)
    throw ConfigError(fmt::format("{}: the experiment has no [{}] table, but a component needs a {} there",
                                  config_.origin("").location(), table_path, kind));
  const ConfigView view(*table, table_path, &config_);
  consumed_.insert(table_path);
  return build_component(registry_, kind, view, *this);
}

std::shared_ptr<void> BuildContext::component_erased(const std::string& kind, const ConfigView& view,
                                                     const std::string& key) {
  const toml::node* node = view.table().get(key);
  if (node && node->is_table()) return build_component(registry_, kind, view.sub(key), *this);
  // A plain name: the component's schema is empty (validation expands it to a table otherwise).
  return named_erased(kind, view.string(key), view.path() + "." + key);
}

std::shared_ptr<void> BuildContext::named_erased(const std::string& kind, const std::string& name,
                                                 const std::string& path) {
  // The component's declared defaults stand in for a table (a named component has no keys).
  toml::table holder;
  holder.insert("type", name);
  for (const auto& field : registry_.get(kind, name, Origin::derived(path)).schema.fields())
    if (field.default_value && field.key != "type") {
      field.default_value->visit([&](auto&& value) { holder.insert(field.key, value); });
    }
  return build_component(registry_, kind, ConfigView(holder, path, &config_), *this);
}

std::shared_ptr<void> BuildContext::component_at_size_erased(const std::string& kind, const ConfigView& view,
                                                             const std::string& table_key, std::int64_t size) {
  const toml::node* sizes = view.table().get(table_key);
  if (!sizes || !sizes->is_table() || !sizes->as_table()->contains(std::to_string(size))) return nullptr;
  return component_erased(kind, view.sub(table_key), std::to_string(size));
}

void BuildContext::check_sizes(const ConfigView& view, const std::string& table_key,
                               const std::vector<std::int64_t>& sizes, const std::string& what) const {
  const toml::node* table = view.table().get(table_key);
  if (!table || !table->is_table()) return;
  std::vector<std::string> known;
  for (const auto size : sizes) known.push_back(std::to_string(size));
  for (auto&& [key, value] : *table->as_table())
    if (std::find(known.begin(), known.end(), std::string(key.str())) == known.end())
      throw ConfigError(fmt::format("{}: [{}] {}: \"{}\" is not {} of this network; expected one of: {}",
                                    view.sub(table_key).origin(std::string(key.str())).location(), view.path(),
                                    table_key, key.str(), what, join(known, ", ")));
}

std::shared_ptr<void> build_component(const Registry& registry, const std::string& kind, const ConfigView& view,
                                      BuildContext& ctx) {
  const std::string type = view.string("type");
  const ComponentEntry& entry = registry.get(kind, type, view.origin("type"));
  try {
    std::shared_ptr<void> built = entry.build(view, ctx);
    if (!built) throw Error(fmt::format("{} '{}' returned nothing", kind, type));
    return built;
  } catch (const ConfigError&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: building {} '{}' (from {}) failed: {}", view.origin("type").location(), kind, type,
                            entry.plugin_file, e.what()));
  }
}

}  // namespace ganrig
