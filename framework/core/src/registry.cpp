#include "ganrig/registry.hpp"

#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "ganrig/error.hpp"
#include "ganrig/text.hpp"

namespace ganrig {
namespace {

// "DIR/{a.so, b.so}" per folder: the message stays short however deep the build folder is.
std::string plugin_files_by_folder(const std::vector<PluginRecord>& plugins) {
  if (plugins.empty()) return "(none)";
  std::map<std::string, std::vector<std::string>> by_folder;
  for (const auto& p : plugins) {
    const std::filesystem::path file(p.file);
    by_folder[file.parent_path().string()].push_back(file.filename().string());
  }
  std::vector<std::string> groups;
  for (const auto& [folder, names] : by_folder) groups.push_back(shorten(folder, 200) + "/{" + join(names, ", ") + "}");
  return join(groups, "; ");
}

}  // namespace

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
  throw ConfigError(fmt::format("{}: unknown {} '{}'{}; known {} names: {}; loaded plugins: {}", where.location(),
                                kind, shorten(name), did_you_mean(name, known), kind,
                                known.empty() ? "(none)" : join(known, ", "), plugin_files_by_folder(plugins_)));
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
