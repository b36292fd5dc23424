#pragma once
// Image files as bytes, from a folder (recursively) or a zip, sorted by name so everything
// downstream is deterministic. Shared by the image_folder dataset and `ganrig data`.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ganrig::data {

struct EncodedImage {
  std::string name;                 // relative to the folder, or "archive.zip:entry"
  std::filesystem::path path;       // on disk (folders only)
  std::vector<std::uint8_t> bytes;  // empty when unreadable
  int raw_height = 0, raw_width = 0;  // > 0: `bytes` are raw 8-bit grey pixels (IDX files), not encoded
  std::int64_t label = -1;          // class index when the dataset is labelled (labels.hpp), else -1
};

// Known image extensions (png, jpg, jpeg, bmp, webp, tif, tiff, ppm, pgm, svg), any case.
bool is_image_name(const std::string& name);
std::vector<EncodedImage> read_image_folder(const std::filesystem::path& root);
std::vector<EncodedImage> read_image_zip(const std::filesystem::path& file);
// One entry of a zip file as bytes; nullopt when it has no such entry.
std::optional<std::vector<std::uint8_t>> read_zip_entry(const std::filesystem::path& file, const std::string& entry);
// A folder or a .zip file.
std::vector<EncodedImage> read_images(const std::filesystem::path& path);

}  // namespace ganrig::data
