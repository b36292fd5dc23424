#pragma once
// Class labels of the images being prepared (Recipe::labels): each image's sub-folder, a
// dataset.json in stylegan2-ada's format ({"labels": [["dir/img.png", 3], ...]}), or a gzip IDX
// label file (Fashion-MNIST). Labels travel with the images into the packed file.
#include <filesystem>
#include <string>
#include <vector>

#include "ganrig/data/encoded_images.hpp"
#include "ganrig/data/recipe.hpp"

namespace ganrig::data {

// Sets each image's `label` (an index into the returned class names) and returns the class names;
// empty for an unlabelled recipe. `source` is the folder or zip the images were read from (where
// dataset.json lies). An image without a label is an Error naming it.
std::vector<std::string> assign_labels(const Recipe& recipe, const std::filesystem::path& source,
                                       std::vector<EncodedImage>& images);

// `ganrig data prepare FOLDER --labels X`: X when it is auto, folders, json or none, else a ConfigError.
std::string checked_labels_option(const std::string& labels);

// "auto" for a user's folder or zip: "json" when it holds a dataset.json, else "none".
std::string resolve_auto_labels(const std::filesystem::path& source);

}  // namespace ganrig::data
