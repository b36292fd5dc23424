// A folder (searched recursively) or a zip of images: decoded with OpenCV, center-cropped to a
// square, resized to the configured resolution, kept in memory as uint8. Files that cannot be
// decoded are reported with their path and skipped; an empty result is an error.
#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ganrig/build_context.hpp"
#include "ganrig/dry_run.hpp"
#include "ganrig/in_memory_dataset.hpp"
#include "ganrig/data/encoded_images.hpp"
#include "ganrig/error.hpp"
#include "ganrig/plugin_api.hpp"

namespace {

namespace fs = std::filesystem;
using ganrig::ConfigView;

cv::Mat center_crop_resize(const cv::Mat& image, int resolution) {
  const int side = std::min(image.cols, image.rows);
  const cv::Mat square = image(cv::Rect((image.cols - side) / 2, (image.rows - side) / 2, side, side));
  cv::Mat out;
  cv::resize(square, out, cv::Size(resolution, resolution), 0, 0, side > resolution ? cv::INTER_AREA : cv::INTER_CUBIC);
  return out;
}

class ImageFolder : public ganrig::InMemoryDataset {
 public:
  explicit ImageFolder(const ConfigView& cfg) {
    const fs::path path = cfg.string("path");
    const int resolution = static_cast<int>(cfg.integer("resolution"));
    const int channels = static_cast<int>(cfg.integer("channels"));
    const std::string missing = fmt::format("{}no such folder or zip file: {}", cfg.where("path"), path.string());
    if (ganrig::DryRun::active()) {
      if (!fs::exists(path)) ganrig::DryRun::note_missing(missing);
      hold_shape(channels, resolution, "image_folder " + path.string());
      return;
    }
    if (!fs::exists(path)) throw ganrig::ConfigError(missing);
    const auto encoded = ganrig::data::read_images(path);
    std::vector<torch::Tensor> images;
    std::size_t skipped = 0;
    for (const auto& e : encoded) {
      if (fs::path(e.name).extension() == ".svg") {
        std::cerr << "warning: skipping " << e.name << ": SVG (rasterise it with `ganrig data prepare`)\n";
        ++skipped;
        continue;
      }
      cv::Mat decoded;
      if (!e.bytes.empty())
        decoded = cv::imdecode(e.bytes, channels == 3 ? cv::IMREAD_COLOR : cv::IMREAD_GRAYSCALE);
      if (decoded.empty()) {
        std::cerr << "warning: skipping " << e.name << ": not a readable image\n";
        ++skipped;
        continue;
      }
      cv::Mat resized = center_crop_resize(decoded, resolution);
      if (channels == 3) cv::cvtColor(resized, resized, cv::COLOR_BGR2RGB);
      torch::Tensor t = torch::from_blob(resized.data, {resolution, resolution, channels}, torch::kUInt8).clone();
      images.push_back(t.permute({2, 0, 1}));
    }
    if (images.empty())
      throw ganrig::ConfigError(fmt::format("{}no readable images in {} ({} files skipped)", cfg.where("path"),
                                            path.string(), skipped));
    hold(torch::stack(images), cfg.boolean("xflip"),
         fmt::format("image_folder {} ({} images, {} skipped)", path.string(), images.size(), skipped));
  }
};

void register_image_folder(ganrig::Registry& registry) {
  ganrig::Schema s;
  s.required("path", ganrig::ValueType::String, "A folder of images (searched recursively) or a .zip of images.")
      .existing_path(ganrig::Field::PathKind::FileOrFolder);
  s.required("resolution", ganrig::ValueType::Integer, "Images are center-cropped to a square and resized to this.")
      .range(4, 4096);
  s.integer("channels", 3, "3 for RGB, 1 for grey-scale.").range(1, 3);
  s.boolean("xflip", false, "Random horizontal flips when batching.");
  registry.add<ganrig::Dataset>(
      "image_folder", "Images from a folder or a zip (PNG, JPEG, BMP, WebP, TIFF), decoded once with OpenCV.", s,
      [](const ConfigView& cfg, ganrig::BuildContext&) { return std::make_shared<ImageFolder>(cfg); });
}

}  // namespace

GANRIG_PLUGIN("image_folder", "1.0.0", register_image_folder)
