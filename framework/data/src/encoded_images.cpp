#include "ganrig/data/encoded_images.hpp"

#include <zip.h>

#include <algorithm>
#include <fmt/format.h>
#include <fstream>

#include "ganrig/error.hpp"

namespace fs = std::filesystem;

namespace ganrig::data {

bool is_image_name(const std::string& name) {
  std::string ext = fs::path(name).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  static const std::vector<std::string> known = {".png", ".jpg",  ".jpeg", ".bmp", ".webp",
                                                 ".tif", ".tiff", ".ppm",  ".pgm", ".svg"};
  return std::find(known.begin(), known.end(), ext) != known.end();
}

std::vector<EncodedImage> read_image_folder(const fs::path& root) {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file() && is_image_name(e.path().string())) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<EncodedImage> out;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    out.push_back({fs::relative(f, root).string(), f, std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {})});
  }
  return out;
}

std::vector<EncodedImage> read_image_zip(const fs::path& file) {
  int error = 0;
  zip_t* archive = zip_open(file.c_str(), ZIP_RDONLY, &error);
  if (!archive) throw Error(fmt::format("cannot open zip {} (libzip error {})", file.string(), error));
  std::vector<EncodedImage> out;
  const zip_int64_t n = zip_get_num_entries(archive, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    if (zip_stat_index(archive, i, 0, &st) != 0 || !is_image_name(st.name)) continue;
    EncodedImage image{file.filename().string() + ":" + st.name, {}, std::vector<std::uint8_t>(st.size)};
    zip_file_t* entry = zip_fopen_index(archive, i, 0);
    const bool ok = entry && zip_fread(entry, image.bytes.data(), st.size) == static_cast<zip_int64_t>(st.size);
    if (entry) zip_fclose(entry);
    if (!ok) image.bytes.clear();
    out.push_back(std::move(image));
  }
  zip_close(archive);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

std::optional<std::vector<std::uint8_t>> read_zip_entry(const fs::path& file, const std::string& name) {
  int error = 0;
  zip_t* archive = zip_open(file.c_str(), ZIP_RDONLY, &error);
  if (!archive) throw Error(fmt::format("cannot open zip {} (libzip error {})", file.string(), error));
  zip_stat_t st;
  std::optional<std::vector<std::uint8_t>> bytes;
  if (zip_stat(archive, name.c_str(), 0, &st) == 0) {
    bytes.emplace(st.size);
    zip_file_t* entry = zip_fopen(archive, name.c_str(), 0);
    const bool ok = entry && zip_fread(entry, bytes->data(), st.size) == static_cast<zip_int64_t>(st.size);
    if (entry) zip_fclose(entry);
    if (!ok) {
      zip_close(archive);
      throw Error(fmt::format("{}: cannot read its entry {}", file.string(), name));
    }
  }
  zip_close(archive);
  return bytes;
}

std::vector<EncodedImage> read_images(const fs::path& path) {
  if (!fs::exists(path)) throw Error(fmt::format("{}: no such folder or zip file", path.string()));
  return fs::is_directory(path) ? read_image_folder(path) : read_image_zip(path);
}

}  // namespace ganrig::data
