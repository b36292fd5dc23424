// ganrig-data (also run as `ganrig data ...`): prepares datasets into the cache and inspects
// image folders. Built only with OpenCV (GANRIG_WITH_OPENCV), so training builds never need it.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#include <unistd.h>

#include "ganrig/data/info.hpp"
#include "ganrig/data/prepare.hpp"
#include "ganrig/data/recipe.hpp"
#include "ganrig/error.hpp"
#include "ganrig/cache.hpp"

namespace fs = std::filesystem;
using namespace ganrig::data;

namespace {

std::vector<std::int64_t> parse_resolutions(const std::string& text) {
  std::vector<std::int64_t> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (item.empty()) continue;
    try {
      std::size_t used = 0;
      const long long v = std::stoll(item, &used);
      if (used != item.size() || v < 4 || v > 4096) throw std::invalid_argument("range");
      out.push_back(v);
    } catch (const std::exception&) {
      throw ganrig::ConfigError(fmt::format("--res {}: '{}' is not a resolution (an integer 4..4096)", text, item));
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ganrig data: prepare datasets into the cache, inspect image folders"};
  app.require_subcommand(1);
  std::string target, res, name, labels = "auto";
  auto* prepare = app.add_subcommand("prepare", "Fetch (pinned, sha256-checked) and prepare a dataset, or a folder/zip");
  prepare->add_option("dataset", target, "A recipe name (datasets/<name>.toml), or a folder or .zip of images")->required();
  prepare->add_option("--res", res, "Resolutions, e.g. 64,128,256 (default: the recipe's)");
  prepare->add_option("--name", name, "Name for a folder or zip (default: its file name)");
  prepare->add_option("--labels", labels,
                      "Class labels of a folder or zip: auto (dataset.json when there is one), folders (each image's "
                      "sub-folder), json (dataset.json, stylegan2-ada's format) or none");
  std::string info_path;
  auto* info = app.add_subcommand("info", "Count, sizes and problems of a folder/zip, or a prepared .ganrigd file");
  info->add_option("path", info_path, "Folder, .zip or .ganrigd")->required();
  auto* list = app.add_subcommand("list", "The dataset recipes and what is prepared in the cache");
  CLI11_PARSE(app, argc, argv);
  try {
    if (*info) {
      std::cout << describe_images(info_path);
      return 0;
    }
    if (*list) {
      for (const auto& n : recipe_names()) {
        const Recipe r = read_recipe(recipe_file(n));
        std::vector<std::string> have;
        const fs::path folder = ganrig::cache_dir() / "datasets" / n;
        for (auto res_ : r.resolutions)
          if (fs::exists(folder / fmt::format("{}-{}.ganrigd", n, res_))) have.push_back(std::to_string(res_));
        std::cout << fmt::format("{:<14} {:>6} images  {} {}  prepared: {}\n", n, r.expected_count, r.source.package,
                                 r.source.version, have.empty() ? "-" : fmt::format("{}", fmt::join(have, ",")));
      }
      return 0;
    }
    const bool is_path = fs::exists(target) && (fs::is_directory(target) || fs::path(target).extension() == ".zip");
    if (!is_path && labels != "auto")
      throw ganrig::ConfigError(fmt::format("--labels {}: a recipe says where its labels come from ([labels] in {})",
                                            labels, recipe_file(target).string()));
    const Recipe recipe = is_path ? folder_recipe(target, name, labels) : read_recipe(recipe_file(target));
    const bool tty = isatty(1);
    const auto progress = [&](const std::string& s) {
      if (tty) std::cout << "\r\033[K" << s << std::flush;
      else if (s.find("decoding") == std::string::npos) std::cout << s << "\n";
    };
    const PrepareResult result = prepare_recipe(recipe, parse_resolutions(res), ganrig::cache_dir(), progress);
    if (tty) std::cout << "\r\033[K";
    std::cout << fmt::format("{}: {} images", recipe.name, result.count);
    if (recipe.expected_count > 0 && recipe.expected_count != result.count)
      std::cout << fmt::format(" (WARNING: the recipe expects {})", recipe.expected_count);
    std::cout << fmt::format(", {} skipped\n", result.problems.size());
    if (result.manifest.contains("classes")) {
      std::cout << fmt::format("  {} classes:", result.manifest.at("classes").size());
      for (const auto& c : result.manifest.at("classes"))
        std::cout << fmt::format(" {} {};", c.at("name").get<std::string>(), c.at("count").get<std::int64_t>());
      std::cout << "\n";
    }
    for (const auto& p : result.problems) std::cout << fmt::format("  skipped {}: {}\n", p.file, p.reason);
    for (const auto& f : result.outputs) std::cout << "  wrote " << f.string() << "\n";
    std::cout << fmt::format("use it with:  [dataset] type = \"prepared\"  name = \"{}\"  resolution = N\n", recipe.name);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "\nerror: " << e.what() << "\n";
    return 2;
  }
}
