#pragma once
// Preparation of a dataset: fetch (pinned package, sha256-checked), extract, decode, composite
// transparent pixels onto the background, fit to a square, resize to each resolution and pack
// into one uint8 file per resolution with a manifest. Deterministic: the same inputs give the
// same bytes (sorted file order, fixed filters, no time stamps).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ganrig/data/encoded_images.hpp"
#include "ganrig/data/recipe.hpp"

namespace ganrig::data {

struct Problem {
  std::string file, reason;
};

struct PrepareResult {
  std::int64_t count = 0;                          // images kept
  std::vector<Problem> problems;                   // skipped files, with why
  std::vector<std::filesystem::path> outputs;      // packed files written (one per resolution)
  nlohmann::json manifest;                         // what was written beside each output
};

using PrepareProgress = std::function<void(const std::string&)>;

// Downloads (or reuses) the recipe's package into <cache>/downloads, checks its sha256, extracts
// the matching files under `work_folder` and returns them as bytes, sorted by name.
std::vector<EncodedImage> fetch_source(const Recipe& recipe, const std::filesystem::path& cache_root,
                                       const std::filesystem::path& work_folder, nlohmann::json& source_record,
                                       const PrepareProgress& progress = {});

// Decodes and packs `images` at each resolution into `output_folder`/<name>-<res>.ganrigd (+ .json).
// With `class_names`, each image's label (EncodedImage::label) is packed too (labels.hpp).
PrepareResult pack_images(const Recipe& recipe, const std::vector<EncodedImage>& images,
                          const std::vector<std::int64_t>& resolutions, const std::filesystem::path& output_folder,
                          const nlohmann::json& source_record, const PrepareProgress& progress = {},
                          const std::vector<std::string>& class_names = {});

// The whole preparation of a recipe into <cache_root>/datasets/<name>/.
PrepareResult prepare_recipe(const Recipe& recipe, std::vector<std::int64_t> resolutions,
                             const std::filesystem::path& cache_root, const PrepareProgress& progress = {});

// A recipe for a user's folder or zip (no package, no sha256 pin; the manifest records each file's
// sha256); `labels`: auto, folders, json or none (Recipe::labels).
Recipe folder_recipe(const std::filesystem::path& path, const std::string& name, const std::string& labels = "auto");

// Glob match where '*' and '?' stay within one path component.
bool glob_match(const std::string& pattern, const std::string& path);

}  // namespace ganrig::data
