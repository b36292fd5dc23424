#pragma once
// A dataset recipe, datasets/<name>.toml: where the images come from (a package pinned by
// version and sha256, an installed file, or the user's folder or zip), their licence and expected
// count, and how they are prepared (background, fit to square, resolutions).
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ganrig::data {

struct Recipe {
  std::filesystem::path file;  // the recipe; empty for a user's folder or zip
  std::string name, description, licence, analogue;
  std::int64_t expected_count = 0;          // 0: not checked
  std::vector<std::int64_t> resolutions;    // prepared when --res is not given
  std::int64_t channels = 3;
  struct Source {
    std::string registry;  // "npm", "debian", "installed" or "folder"
    std::string package, version, sha256;
    std::string path;      // installed file, or the user's folder / zip
    std::string include;   // glob of the files to use, relative to the extracted root ('*' stays within a folder)
    std::vector<std::string> exclude;
    std::string format = "images";  // "images" or "idx" (gzip IDX, e.g. Fashion-MNIST)
  } source;
  // Class labels (labels.hpp): "none"; "folders" (each image's sub-folder); "json" (a dataset.json
  // in stylegan2-ada's format beside the images); "idx" (a gzip IDX label file, `path`, with the
  // recipe's `class_names`); "auto" (a user's folder or zip: json when it has a dataset.json).
  struct Labels {
    std::string from = "none";
    std::string path, sha256;              // idx: the installed label file and its sha256
    std::vector<std::string> class_names;  // idx: the name of each label value
  } labels;
  std::array<int, 3> background{255, 255, 255};  // RGB behind transparent pixels and letterbox bars
  std::string fit = "letterbox";                  // "letterbox" (pad to a square) or "crop" (centre square)
  std::int64_t svg_size = 512;                    // SVGs are rasterised (rsvg-convert) to this long side
  std::vector<std::string> steps;                 // what preparation does, in words (for people)
};

// Reads and checks a recipe; errors say file:line:col, the key and what is expected.
Recipe read_recipe(const std::filesystem::path& file);
// datasets/<name>.toml in the source tree (or $GANRIG_DATASETS); lists known names when missing.
std::filesystem::path recipe_file(const std::string& name);
std::vector<std::string> recipe_names();

}  // namespace ganrig::data
