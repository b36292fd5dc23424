// Dataset `prepared`: a dataset made by `ganrig data prepare` (datasets/<name>.toml, or a user's
// folder or zip), read from its one packed uint8 file at the requested resolution. No decoding
// and no OpenCV at training time: the file is read once into memory.
#include <fmt/format.h>

#include <fstream>

#include "ganrig/build_context.hpp"
#include "ganrig/cache.hpp"
#include "ganrig/error.hpp"
#include "ganrig/packed_images.hpp"
#include "ganrig/plugin_api.hpp"

namespace {

namespace fs = std::filesystem;
using ganrig::ConfigView;

class PreparedDataset : public ganrig::Dataset {
 public:
  explicit PreparedDataset(const ConfigView& cfg) : xflip_(cfg.boolean("xflip")) {
    const std::string name = cfg.string("name"), path = cfg.string("path");
    const std::int64_t resolution = cfg.integer("resolution");
    if (name.empty() == path.empty())
      throw ganrig::ConfigError(fmt::format("{}[dataset] 'prepared' needs exactly one of 'name' (a prepared dataset "
                                            "in the cache) or 'path' (a .ganrigd file)",
                                            cfg.where(name.empty() ? "path" : "name")));
    const fs::path file = !path.empty() ? fs::path(path)
                                        : ganrig::cache_dir() / "datasets" / name /
                                              fmt::format("{}-{}.ganrigd", name, resolution);
    if (!fs::exists(file))
      throw ganrig::ConfigError(fmt::format(
          "{}{} is not prepared: {} is missing; create it with: ganrig data prepare {} --res {}",
          cfg.where(name.empty() ? "path" : "name"), name.empty() ? path : name, file.string(),
          name.empty() ? "FOLDER_OR_ZIP --name NAME" : name, resolution));
    const ganrig::PackedImagesHeader header = ganrig::read_packed_images_header(file);
    if (header.resolution() != resolution)
      throw ganrig::ConfigError(fmt::format("{}{} holds {}x{} images, not resolution = {}", cfg.where("resolution"),
                                            file.string(), header.resolution(), header.resolution(), resolution));
    const std::int64_t limit = cfg.integer("limit");
    const std::int64_t count = limit > 0 ? std::min(limit, header.count()) : header.count();
    images_ = torch::empty({count, header.channels(), resolution, resolution}, torch::kUInt8);
    std::ifstream in(file, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(header.data_offset));
    in.read(reinterpret_cast<char*>(images_.data_ptr<std::uint8_t>()), static_cast<std::streamsize>(images_.nbytes()));
    if (!in) throw ganrig::Error(fmt::format("{}: could not read the image data", file.string()));
    const auto& manifest = header.json.at("manifest");
    description_ = fmt::format("prepared {} ({} of {} images, {}x{}, {})", manifest.value("dataset", name),
                               count, header.count(), resolution, resolution, file.string());
  }
  const torch::Tensor& images() const override { return images_; }
  bool xflip() const override { return xflip_; }
  std::string description() const override { return description_; }

 private:
  bool xflip_;
  torch::Tensor images_;
  std::string description_;
};

void register_prepared(ganrig::Registry& registry) {
  ganrig::Schema s;
  s.string("name", "", "A dataset prepared into the cache by `ganrig data prepare NAME` (datasets/NAME.toml).");
  s.string("path", "", "Or: a .ganrigd file made by `ganrig data prepare`.");
  s.required("resolution", ganrig::ValueType::Integer, "Which prepared resolution to train on.").range(4, 4096);
  s.boolean("xflip", true, "Random horizontal flips when batching (the papers' few-shot setting).");
  s.integer("limit", 0, "Use only the first N images (0: all).").at_least(0);
  registry.add<ganrig::Dataset>(
      "prepared", "A dataset made by `ganrig data prepare`, read from one packed uint8 file (no decoding).", s,
      [](const ConfigView& cfg, ganrig::BuildContext&) { return std::make_shared<PreparedDataset>(cfg); });
}

}  // namespace

GANRIG_PLUGIN("prepared", "1.0.0", register_prepared)
