#include "ganrig/registry.hpp"

#include <fmt/format.h>

#include "ganrig/error.hpp"
#include "ganrig/text.hpp"

namespace ganrig {

void Registry::add_erased(const std::string& kind, const std::string& name, const std::string& doc,
                          Schema schema, ErasedBuilder builder) {
  auto& of_kind = entries_[kind];
  auto it = of_kind.find(name);
  if (it != of_kind.end())
    throw PluginError(fmt::format("{} '{}' is registered twice: by {} and by {}", kind, name,
                                  it->second.plugin_file, current_plugin_));
  of_kind.emplace(name, ComponentEntry{kind, name, doc, std::move(schema), current_plugin_, std::move(builder)});
}

const ComponentEntry* Registry::find(const std::string& kind, const std::string& name) const {
  auto k = entries_.find(kind);
  if (k == entries_.end()) return nullptr;
  auto n = k->second.find(name);
  return n == k->second.end() ? nullptr : &n->second;
}

const ComponentEntry& Registry::get(const std::string& kind, const std::string& name, const Origin& where) const {
  if (const ComponentEntry* e = find(kind, name)) return *e;
  const auto known = names(kind);
  std::vector<std::string> files;
  for (const auto& p : plugins_) files.push_back(p.file);
  throw ConfigError(fmt::format("{}: unknown {} '{}'{}; known {} names: {}; loaded plugins: {}", where.location(),
                                kind, shorten(name), did_you_mean(name, known), kind,
                                known.empty() ? "(none)" : join(known, ", "),
                                files.empty() ? "(none)" : join(files, ", ")));
}

std::vector<std::string> Registry::names(const std::string& kind) const {
  std::vector<std::string> out;
  auto k = entries_.find(kind);
  if (k != entries_.end())
    for (const auto& [name, entry] : k->second) out.push_back(name);
  return out;
}

std::vector<std::string> Registry::kinds() const {
  std::vector<std::string> out;
  for (const auto& [kind, of_kind] : entries_) out.push_back(kind);
  return out;
}

std::vector<const ComponentEntry*> Registry::entries() const {
  std::vector<const ComponentEntry*> out;
  for (const auto& [kind, of_kind] : entries_)
    for (const auto& [name, entry] : of_kind) out.push_back(&entry);
  return out;
}

const std::vector<std::string>& component_table_kinds() {
  static const std::vector<std::string> kinds = {"generator", "discriminator", "projector", "augment",
                                                 "loss",      "dataset",       "schedule"};
  return kinds;
}

}  // namespace ganrig
