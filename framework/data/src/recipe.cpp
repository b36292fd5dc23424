#include "ganrig/data/recipe.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <set>
#include <toml++/toml.h>

#include "ganrig/error.hpp"
#include "ganrig/toml_file.hpp"
#include "ganrig/text.hpp"

namespace fs = std::filesystem;

namespace ganrig::data {

namespace {

fs::path recipes_folder() {
  if (const char* env = std::getenv("GANRIG_DATASETS")) return env;
  return fs::path(GANRIG_SOURCE_DIR) / "datasets";
}

class Reader {
 public:
  Reader(const fs::path& file, const toml::table& table, std::string path, std::set<std::string> allowed)
      : file_(file), table_(table), path_(std::move(path)) {
    for (const auto& [key, node] : table)
      if (!allowed.count(std::string(key.str())))
        throw ConfigError(fmt::format("{}: unknown key '{}{}'{}; allowed: {}", toml_where(file, node), prefix(),
                                      key.str(), did_you_mean(std::string(key.str()), {allowed.begin(), allowed.end()}),
                                      join({allowed.begin(), allowed.end()}, ", ")));
  }
  std::string string(const std::string& key, bool required, const std::string& fallback = "") const {
    const toml::node* node = table_.get(key);
    if (!node) return missing(key, required, "a string"), fallback;
    if (!node->is_string()) throw wrong(key, *node, "a string");
    return node->as_string()->get();
  }
  std::int64_t integer(const std::string& key, std::int64_t fallback, std::int64_t low, std::int64_t high) const {
    const toml::node* node = table_.get(key);
    if (!node) return fallback;
    if (!node->is_integer()) throw wrong(key, *node, fmt::format("an integer in [{}, {}]", low, high));
    const auto v = node->as_integer()->get();
    if (v < low || v > high) throw wrong(key, *node, fmt::format("an integer in [{}, {}]", low, high));
    return v;
  }
  std::vector<std::int64_t> integers(const std::string& key, std::int64_t low, std::int64_t high) const {
    std::vector<std::int64_t> out;
    const toml::node* node = table_.get(key);
    if (!node) return out;
    const std::string expected = fmt::format("an array of integers in [{}, {}]", low, high);
    if (!node->is_array()) throw wrong(key, *node, expected);
    for (const auto& item : *node->as_array()) {
      if (!item.is_integer() || item.as_integer()->get() < low || item.as_integer()->get() > high)
        throw wrong(key, item, expected);
      out.push_back(item.as_integer()->get());
    }
    return out;
  }
  std::vector<std::string> strings(const std::string& key) const {
    std::vector<std::string> out;
    const toml::node* node = table_.get(key);
    if (!node) return out;
    if (!node->is_array()) throw wrong(key, *node, "an array of strings");
    for (const auto& item : *node->as_array()) {
      if (!item.is_string()) throw wrong(key, item, "an array of strings");
      out.push_back(item.as_string()->get());
    }
    return out;
  }
  const toml::table* table(const std::string& key, bool required) const {
    const toml::node* node = table_.get(key);
    if (!node) return missing(key, required, "a table"), nullptr;
    if (!node->is_table()) throw wrong(key, *node, "a table");
    return node->as_table();
  }
  void one_of(const std::string& key, const std::string& value, const std::vector<std::string>& choices) const {
    if (std::find(choices.begin(), choices.end(), value) == choices.end())
      throw wrong(key, *table_.get(key), "one of " + join(choices, ", "));
  }
  std::string position(const std::string& key) const {
    const toml::node* node = table_.get(key);
    return node ? toml_where(file_, *node) : toml_where(file_, table_);
  }

 private:
  std::string prefix() const { return path_.empty() ? "" : path_ + "."; }
  void missing(const std::string& key, bool required, const std::string& expected) const {
    if (required)
      throw ConfigError(fmt::format("{}: missing key '{}{}' ({})", toml_where(file_, table_), prefix(), key, expected));
  }
  ConfigError wrong(const std::string& key, const toml::node& node, const std::string& expected) const {
    std::ostringstream got;
    node.visit([&](auto&& value) { got << value; });
    return ConfigError(
        fmt::format("{}: '{}{}' must be {}, got {}", toml_where(file_, node), prefix(), key, expected, got.str()));
  }
  const fs::path& file_;
  const toml::table& table_;
  std::string path_;
};

}  // namespace

Recipe read_recipe(const fs::path& file) {
  const toml::table root = read_toml_file(file);
  Recipe r;
  r.file = file;
  const Reader top(file, root, "",
                   {"name", "description", "licence", "analogue", "count", "resolutions", "channels", "source",
                    "prepare"});
  r.name = top.string("name", true);
  if (r.name != file.stem().string())
    throw ConfigError(fmt::format("{}: name = \"{}\" differs from the file name '{}'", top.position("name"), r.name,
                                  file.stem().string()));
  r.description = top.string("description", true);
  r.licence = top.string("licence", true);
  r.analogue = top.string("analogue", false);
  r.expected_count = top.integer("count", 0, 0, 100000000);
  r.resolutions = top.integers("resolutions", 4, 4096);
  r.channels = top.integer("channels", 3, 1, 3);
  if (r.channels == 2) throw ConfigError(fmt::format("{}: 'channels' must be 1 or 3", top.position("channels")));

  const toml::table* source = top.table("source", true);
  const Reader src(file, *source, "source",
                   {"registry", "package", "version", "sha256", "path", "include", "exclude", "format"});
  r.source.registry = src.string("registry", true);
  src.one_of("registry", r.source.registry, {"npm", "debian", "installed"});
  const bool package = r.source.registry != "installed";
  r.source.package = src.string("package", package);
  r.source.version = src.string("version", package);
  r.source.sha256 = src.string("sha256", true);
  if (r.source.sha256.size() != 64 || r.source.sha256.find_first_not_of("0123456789abcdef") != std::string::npos)
    throw ConfigError(fmt::format("{}: 'source.sha256' must be 64 lower-case hex digits", src.position("sha256")));
  r.source.path = src.string("path", !package);
  r.source.include = src.string("include", package);
  r.source.exclude = src.strings("exclude");
  r.source.format = src.string("format", false, "images");
  src.one_of("format", r.source.format, {"images", "idx"});

  if (const toml::table* prepare = top.table("prepare", false)) {
    const Reader prep(file, *prepare, "prepare", {"background", "fit", "svg_size", "steps"});
    const auto bg = prep.integers("background", 0, 255);
    if (!bg.empty()) {
      if (bg.size() != 3)
        throw ConfigError(fmt::format("{}: 'prepare.background' must be [R, G, B]", prep.position("background")));
      r.background = {static_cast<int>(bg[0]), static_cast<int>(bg[1]), static_cast<int>(bg[2])};
    }
    r.fit = prep.string("fit", false, "letterbox");
    prep.one_of("fit", r.fit, {"letterbox", "crop"});
    r.svg_size = prep.integer("svg_size", 512, 16, 8192);
    r.steps = prep.strings("steps");
  }
  return r;
}

fs::path recipe_file(const std::string& name) {
  const fs::path file = recipes_folder() / (name + ".toml");
  if (!fs::exists(file))
    throw ConfigError(fmt::format("no dataset recipe '{}' ({} missing){}; known: {}", name, file.string(),
                                  did_you_mean(name, recipe_names()), join(recipe_names(), ", ")));
  return file;
}

std::vector<std::string> recipe_names() {
  std::vector<std::string> names;
  if (fs::is_directory(recipes_folder()))
    for (const auto& e : fs::directory_iterator(recipes_folder()))
      if (e.path().extension() == ".toml") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace ganrig::data
