#include "ganrig/data/labels.hpp"

#include <zlib.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include "ganrig/error.hpp"
#include "ganrig/sha256.hpp"

namespace fs = std::filesystem;

namespace ganrig::data {

namespace {

// An image's path inside its folder or zip ("archive.zip:dir/a.png" -> "dir/a.png").
std::string inner_name(const EncodedImage& image) {
  const auto colon = image.name.find(".zip:");
  return colon == std::string::npos ? image.name : image.name.substr(colon + 5);
}

std::vector<std::string> from_folders(std::vector<EncodedImage>& images) {
  std::set<std::string> folders;
  for (const auto& image : images) {
    const std::string name = inner_name(image);
    const auto slash = name.find('/');
    if (slash == std::string::npos)
      throw Error(fmt::format("--labels folders: {} lies outside any sub-folder; each image's class is the sub-folder "
                              "it lies in (e.g. cats/001.png)",
                              image.name));
    folders.insert(name.substr(0, slash));
  }
  const std::vector<std::string> names(folders.begin(), folders.end());  // sorted, as torchvision's ImageFolder
  for (auto& image : images) {
    const std::string name = inner_name(image);
    image.label = std::find(names.begin(), names.end(), name.substr(0, name.find('/'))) - names.begin();
  }
  return names;
}

nlohmann::json read_dataset_json(const fs::path& source) {
  std::string text;
  if (fs::is_directory(source)) {
    std::ifstream in(source / "dataset.json");
    if (!in) throw Error(fmt::format("--labels json: {} has no dataset.json", source.string()));
    text.assign(std::istreambuf_iterator<char>(in), {});
  } else {
    const auto bytes = read_zip_entry(source, "dataset.json");
    if (!bytes) throw Error(fmt::format("--labels json: {} has no dataset.json entry", source.string()));
    text.assign(bytes->begin(), bytes->end());
  }
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("labels") ||
      !(json.at("labels").is_array() || json.at("labels").is_null()))
    throw Error(fmt::format("{}/dataset.json: expected {{\"labels\": [[\"path\", class], ...]}} (stylegan2-ada's format)",
                            source.string()));
  return json;
}

// stylegan2-ada's integer labels; class k is named "k" (its format has no names).
std::vector<std::string> from_json(const fs::path& source, std::vector<EncodedImage>& images) {
  const nlohmann::json json = read_dataset_json(source);
  if (json.at("labels").is_null()) return {};  // stylegan2-ada's "labels": null: an unlabelled dataset
  std::map<std::string, std::int64_t> by_path;
  for (const auto& item : json.at("labels")) {
    if (!item.is_array() || item.size() != 2 || !item[0].is_string() || !item[1].is_number_integer() || item[1] < 0)
      throw Error(fmt::format("{}/dataset.json: entry {} is not [\"path\", class >= 0]", source.string(), item.dump()));
    by_path[item[0].get<std::string>()] = item[1].get<std::int64_t>();
  }
  std::int64_t classes = 0;
  for (auto& image : images) {
    const auto found = by_path.find(inner_name(image));
    if (found == by_path.end())
      throw Error(fmt::format("{}/dataset.json has no label for {}", source.string(), inner_name(image)));
    image.label = found->second;
    classes = std::max(classes, image.label + 1);
  }
  std::vector<std::string> names;
  for (std::int64_t k = 0; k < classes; ++k) names.push_back(std::to_string(k));
  return names;
}

// A gzip IDX label file (magic 2049), one byte per image, in the order of the images.
std::vector<std::string> from_idx(const Recipe& r, std::vector<EncodedImage>& images) {
  const std::string actual = sha256_file(r.labels.path);
  if (actual != r.labels.sha256)
    throw Error(fmt::format("{}: sha256 {} differs from the recipe's {}", r.labels.path, actual, r.labels.sha256));
  gzFile in = gzopen(r.labels.path.c_str(), "rb");
  if (!in) throw Error(fmt::format("cannot open {}", r.labels.path));
  unsigned char header[8];
  const bool header_ok = gzread(in, header, 8) == 8 && header[2] == 8 && header[3] == 1;
  const std::int64_t count = (std::int64_t{header[4]} << 24) | (header[5] << 16) | (header[6] << 8) | header[7];
  std::vector<unsigned char> values(static_cast<std::size_t>(header_ok ? count : 0));
  const bool ok = header_ok && gzread(in, values.data(), static_cast<unsigned>(count)) == count;
  gzclose(in);
  if (!ok || count != static_cast<std::int64_t>(images.size()))
    throw Error(fmt::format("{}: not an IDX label file for the {} images", r.labels.path, images.size()));
  for (std::size_t i = 0; i < images.size(); ++i) {
    if (values[i] >= r.labels.class_names.size())
      throw Error(fmt::format("{}: label {} of image {} has no class name in the recipe", r.labels.path, values[i], i));
    images[i].label = values[i];
  }
  return r.labels.class_names;
}

}  // namespace

std::string checked_labels_option(const std::string& labels) {
  if (labels != "auto" && labels != "folders" && labels != "json" && labels != "none")
    throw ConfigError(fmt::format("--labels {}: expected auto, folders, json or none", labels));
  return labels;
}

std::string resolve_auto_labels(const fs::path& source) {
  if (fs::is_directory(source)) return fs::exists(source / "dataset.json") ? "json" : "none";
  return read_zip_entry(source, "dataset.json") ? "json" : "none";
}

std::vector<std::string> assign_labels(const Recipe& recipe, const fs::path& source, std::vector<EncodedImage>& images) {
  const std::string from = recipe.labels.from == "auto" ? resolve_auto_labels(source) : recipe.labels.from;
  if (from == "folders") return from_folders(images);
  if (from == "json") return from_json(source, images);
  if (from == "idx") return from_idx(recipe, images);
  return {};
}

}  // namespace ganrig::data
