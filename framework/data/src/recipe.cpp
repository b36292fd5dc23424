#include "ganrig/data/recipe.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <set>
#include <toml++/toml.h>

#include "ganrig/data/recipe_schema.hpp"
#include "ganrig/document.hpp"
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

}  // namespace

Recipe read_recipe(const fs::path& file) {
  const toml::table root = read_toml_file(file);
  const CheckedTable top(file, root, recipe_schema(), "recipe");
  const ConfigView& v = top.view();
  Recipe r;
  r.file = file;
  r.name = v.string("name");
  if (r.name != file.stem().string())
    throw ConfigError(fmt::format("{}: name = \"{}\" differs from the file name '{}'", top.where("name"), r.name,
                                  file.stem().string()));
  r.description = v.string("description");
  r.licence = v.string("licence");
  r.analogue = v.string("analogue");
  r.expected_count = v.integer("count");
  r.resolutions = v.integers("resolutions");
  r.channels = v.integer("channels");
  if (r.channels == 2) throw ConfigError(fmt::format("{}: channels: expected 1 or 3, got 2", top.where("channels")));

  const toml::table* source = root.get_as<toml::table>("source");  // the file's nodes: positions intact
  if (!source) throw ConfigError(fmt::format("{}: a recipe needs a [source] table", top.where("")));
  const CheckedTable src(file, *source, recipe_source_schema(), "recipe [source]", "source");
  const ConfigView& s = src.view();
  r.source.registry = s.string("registry");
  const bool package = r.source.registry != "installed";
  for (const char* key : {"package", "version", "include"})
    if (package && s.string(key).empty())
      throw ConfigError(fmt::format("{}: [source] missing key '{}' (registry = \"{}\" needs it)", src.where(""), key,
                                    r.source.registry));
  if (!package && s.string("path").empty())
    throw ConfigError(fmt::format("{}: [source] missing key 'path' (registry = \"installed\" needs it)", src.where("")));
  r.source.package = s.string("package");
  r.source.version = s.string("version");
  r.source.sha256 = s.string("sha256");
  if (r.source.sha256.size() != 64 || r.source.sha256.find_first_not_of("0123456789abcdef") != std::string::npos)
    throw ConfigError(fmt::format("{}: [source] sha256: expected 64 lower-case hex digits", src.where("sha256")));
  r.source.path = s.string("path");
  r.source.include = s.string("include");
  r.source.exclude = s.strings("exclude");
  r.source.format = s.string("format");

  const toml::table empty;
  const toml::table* prepare = root.get_as<toml::table>("prepare");
  const CheckedTable prep(file, prepare ? *prepare : empty, recipe_prepare_schema(), "recipe [prepare]", "prepare");
  const auto bg = prep.view().integers("background");
  r.background = {static_cast<int>(bg[0]), static_cast<int>(bg[1]), static_cast<int>(bg[2])};
  r.fit = prep.view().string("fit");
  r.svg_size = prep.view().integer("svg_size");
  r.steps = prep.view().strings("steps");

  if (const toml::table* labels = root.get_as<toml::table>("labels")) {
    const CheckedTable lab(file, *labels, recipe_labels_schema(), "recipe [labels]", "labels");
    const ConfigView& l = lab.view();
    r.labels.from = l.string("from");
    r.labels.path = l.string("path");
    r.labels.sha256 = l.string("sha256");
    r.labels.class_names = l.strings("class_names");
    if (r.labels.from == "idx" && (r.labels.path.empty() || r.labels.sha256.size() != 64 || r.labels.class_names.empty()))
      throw ConfigError(fmt::format("{}: [labels] from = \"idx\" needs path, sha256 (64 hex digits) and class_names",
                                    lab.where("from")));
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
