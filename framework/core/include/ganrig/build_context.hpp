#pragma once
// What a builder may use while it builds: the registry (to build sub-components such as blocks,
// the augment or the projector), the experiment configuration, the image shape and the seed.
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "ganrig/config.hpp"
#include "ganrig/config_view.hpp"
#include "ganrig/interfaces.hpp"
#include "ganrig/registry.hpp"

namespace ganrig {

class BuildContext {
 public:
  BuildContext(const Registry& registry, const Config& config, ImageShape image, std::uint64_t seed);

  const Registry& registry() const { return registry_; }
  const Config& config() const { return config_; }
  ImageShape image() const { return image_; }
  std::uint64_t seed() const { return seed_; }

  // The dataset's class names (empty: unlabelled), which conditional components are built for.
  void set_class_names(std::vector<std::string> names) { class_names_ = std::move(names); }
  const std::vector<std::string>& class_names() const { return class_names_; }
  // Classes a component with a boolean `key` (e.g. "cond") is conditioned on: 0 when the key is
  // false, the dataset's class count when true; a located ConfigError when true and the dataset
  // has no labels.
  std::int64_t conditional_classes(const ConfigView& view, const std::string& key) const;

  // Builds the component described by the validated table at `table_path` ("augment").
  template <class I>
  std::shared_ptr<I> build(const std::string& table_path) {
    return std::static_pointer_cast<I>(build_erased(I::kind, table_path));
  }
  // True when the experiment has a table at `table_path`.
  bool has(const std::string& table_path) const;

  // The component named (or described inline) by `key` of a validated table (a Component field).
  template <class I>
  std::shared_ptr<I> component(const ConfigView& view, const std::string& key) {
    return std::static_pointer_cast<I>(component_erased(I::kind, view, key));
  }
  std::shared_ptr<Block> block(const ConfigView& view, const std::string& key) {
    return component<Block>(view, key);
  }
  // A component with default settings chosen by name, e.g. a per-resolution block from a string
  // table; `path` (e.g. "generator.blocks.32") locates it in error messages.
  template <class I>
  std::shared_ptr<I> named(const std::string& name, const std::string& path) {
    return std::static_pointer_cast<I>(named_erased(I::kind, name, path));
  }

  // The component for image size `size` from a per-size table (`table_key`, a ComponentTable such as
  // blocks = { 16 = "dsc" }), or `fallback` when the table has no entry for that size.
  template <class I>
  std::shared_ptr<I> component_at_size(const ConfigView& view, const std::string& table_key, std::int64_t size,
                                       std::shared_ptr<I> fallback) {
    std::shared_ptr<void> chosen = component_at_size_erased(I::kind, view, table_key, size);
    return chosen ? std::static_pointer_cast<I>(chosen) : std::move(fallback);
  }
  // A located ConfigError for each key of the per-size table `table_key` that is not one of `sizes`
  // (those this network builds at): a choice for a size that does not exist is a mistake, not a no-op.
  void check_sizes(const ConfigView& view, const std::string& table_key, const std::vector<std::int64_t>& sizes,
                   const std::string& what) const;

  // Table paths built so far; the host reports tables that nothing used.
  const std::set<std::string>& consumed() const { return consumed_; }

 private:
  std::shared_ptr<void> build_erased(const std::string& kind, const std::string& table_path);
  std::shared_ptr<void> component_erased(const std::string& kind, const ConfigView& view, const std::string& key);
  std::shared_ptr<void> named_erased(const std::string& kind, const std::string& name, const std::string& path);
  std::shared_ptr<void> component_at_size_erased(const std::string& kind, const ConfigView& view,
                                                 const std::string& table_key, std::int64_t size);
  const Registry& registry_;
  const Config& config_;
  ImageShape image_;
  std::uint64_t seed_;
  std::vector<std::string> class_names_;
  std::set<std::string> consumed_;
};

// Builds a component of `kind` from a standalone validated table (tests, tools).
std::shared_ptr<void> build_component(const Registry& registry, const std::string& kind,
                                      const ConfigView& view, BuildContext& ctx);

}  // namespace ganrig
