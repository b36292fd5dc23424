#pragma once
// Named builders per component kind. Plugins add to it from their register function; the host
// looks names up when it builds an experiment. Kinds are open strings, so later kinds (metric
// detectors, schedules) need no change here.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ganrig/origin.hpp"
#include "ganrig/schema.hpp"

namespace ganrig {

class ConfigView;
class BuildContext;

using ErasedBuilder = std::function<std::shared_ptr<void>(const ConfigView&, BuildContext&)>;

struct ComponentEntry {
  std::string kind;
  std::string name;
  std::string doc;
  Schema schema;
  std::string plugin_file;  // the .so that registered it ("<core>" for built-ins)
  ErasedBuilder build;
};

// Identity of a loaded plugin, as written to plugins.json.
struct PluginRecord {
  std::string name;
  std::string version;
  std::string file;
  std::string sha256;
  std::string compiler;
  std::string torch_version;
};

class Registry {
 public:
  // Registers a builder returning shared_ptr<I> under I::kind.
  template <class I, class F>
  void add(const std::string& name, const std::string& doc, Schema schema, F builder) {
    add_erased(I::kind, name, doc, std::move(schema),
               [builder](const ConfigView& view, BuildContext& ctx) -> std::shared_ptr<void> {
                 std::shared_ptr<I> built = builder(view, ctx);
                 return std::static_pointer_cast<void>(built);
               });
  }
  void add_erased(const std::string& kind, const std::string& name, const std::string& doc,
                  Schema schema, ErasedBuilder builder);

  // Entries registered from now on are attributed to this file (used in duplicate errors).
  void set_current_plugin(std::string file) { current_plugin_ = std::move(file); }

  const ComponentEntry* find(const std::string& kind, const std::string& name) const;
  // Like find, but an unknown name is a ConfigError at `where` listing the known names of that
  // kind, the closest match and the loaded plugin files.
  const ComponentEntry& get(const std::string& kind, const std::string& name, const Origin& where) const;

  std::vector<std::string> names(const std::string& kind) const;
  std::vector<std::string> kinds() const;
  std::vector<const ComponentEntry*> entries() const;  // sorted by kind, then name

  void add_plugin(PluginRecord record) { plugins_.push_back(std::move(record)); }
  const std::vector<PluginRecord>& plugins() const { return plugins_; }

 private:
  std::map<std::string, std::map<std::string, ComponentEntry>> entries_;
  std::vector<PluginRecord> plugins_;
  std::string current_plugin_ = "<core>";
};

// The kinds the framework itself uses; each has a top-level experiment table of the same name,
// except block and image_sink, which are chosen inside other tables.
const std::vector<std::string>& component_table_kinds();

// Built-in components of the core (the netpbm image sink), registered into every registry.
void register_core_components(Registry& registry);

}  // namespace ganrig
