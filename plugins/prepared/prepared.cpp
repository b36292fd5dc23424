// Dataset `prepared`: a dataset made by `ganrig data prepare` (datasets/<name>.toml, or a user's
// folder or zip), read from its one packed uint8 file at the requested resolution, with the
// class labels the file records (if prepared with labels). No decoding
// and no OpenCV at training time: the file is read once into memory.
#include <fmt/format.h>

#include <fstream>

#include "ganrig/build_context.hpp"
#include "ganrig/in_memory_dataset.hpp"
#include "ganrig/cache.hpp"
#include "ganrig/dry_run.hpp"
#include "ganrig/error.hpp"
#include "ganrig/packed_images.hpp"
#include "ganrig/plugin_api.hpp"

namespace {

namespace fs = std::filesystem;
using ganrig::ConfigView;

// The class names a prepared file records (empty: prepared without labels).
std::vector<std::string> class_names_of(const ganrig::PackedImagesHeader& header) {
  return header.json.contains("class_names") ? header.json.at("class_names").get<std::vector<std::string>>()
                                             : std::vector<std::string>();
}

class PreparedDataset : public ganrig::InMemoryDataset {
 public:
  explicit PreparedDataset(const ConfigView& cfg) {
    const std::string name = cfg.string("name"), path = cfg.string("path");
    const std::int64_t resolution = cfg.integer("resolution");
    if (name.empty() == path.empty())
      throw ganrig::ConfigError(fmt::format("{}[dataset] 'prepared' needs exactly one of 'name' (a prepared dataset "
                                            "in the cache) or 'path' (a .ganrigd file)",
                                            cfg.where(name.empty() ? "path" : "name")));
    const fs::path file = !path.empty() ? fs::path(path)
                                        : ganrig::cache_dir() / "datasets" / name /
                                              fmt::format("{}-{}.ganrigd", name, resolution);
    const std::string missing = fmt::format(
        "{}{} is not prepared: {} is missing; create it with: ganrig data prepare {} --res {}",
        cfg.where(name.empty() ? "path" : "name"), name.empty() ? path : name, file.string(),
        name.empty() ? "FOLDER_OR_ZIP --name NAME" : name, resolution);
    if (ganrig::DryRun::active()) {  // the shape only; prepared datasets are RGB
      if (!fs::exists(file)) ganrig::DryRun::note_missing(missing);
      hold_shape(3, resolution, fmt::format("prepared {}", name.empty() ? path : name));
      // The labels' classes, where the file is there to say (a header read, no images).
      if (fs::exists(file)) {
        const auto names = class_names_of(ganrig::read_packed_images_header(file));
        if (!names.empty()) hold_labels(torch::empty({0}, torch::kLong), names);
      }
      return;
    }
    if (!fs::exists(file)) throw ganrig::ConfigError(missing);
    const ganrig::PackedImagesHeader header = ganrig::read_packed_images_header(file);
    if (header.resolution() != resolution)
      throw ganrig::ConfigError(fmt::format("{}{} holds {}x{} images, not resolution = {}", cfg.where("resolution"),
                                            file.string(), header.resolution(), header.resolution(), resolution));
    const std::int64_t limit = cfg.integer("limit");
    const std::int64_t count = limit > 0 ? std::min(limit, header.count()) : header.count();
    torch::Tensor images = torch::empty({count, header.channels(), resolution, resolution}, torch::kUInt8);
    std::ifstream in(file, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(header.data_offset));
    in.read(reinterpret_cast<char*>(images.data_ptr<std::uint8_t>()), static_cast<std::streamsize>(images.nbytes()));
    if (!in) throw ganrig::Error(fmt::format("{}: could not read the image data", file.string()));
    const auto& manifest = header.json.at("manifest");
    hold(images, cfg.boolean("xflip"),
         fmt::format("prepared {} ({} of {} images, {}x{}, {})", manifest.value("dataset", name), count,
                     header.count(), resolution, resolution, file.string()));
    const auto names = class_names_of(header);
    if (!names.empty()) {
      const auto labels = header.json.at("labels").get<std::vector<std::int64_t>>();
      if (static_cast<std::int64_t>(labels.size()) != header.count())
        throw ganrig::Error(fmt::format("{}: damaged header ({} labels for {} images)", file.string(), labels.size(),
                                        header.count()));
      hold_labels(torch::tensor(labels, torch::kLong).narrow(0, 0, count), names);
    }
  }
};

void register_prepared(ganrig::Registry& registry) {
  ganrig::Schema s;
  s.string("name", "", "A dataset prepared into the cache by `ganrig data prepare NAME` (datasets/NAME.toml).");
  s.string("path", "", "Or: a .ganrigd file made by `ganrig data prepare`.")
      .checked_by("an existing .ganrigd file with an intact header", [](const std::string& value) -> std::string {
        if (std::string wrong = ganrig::path_problem(value, ganrig::Field::PathKind::File); !wrong.empty()) return wrong;
        try {  // the header and the file's size: a few bytes read, no images
          ganrig::read_packed_images_header(value);
        } catch (const ganrig::Error& e) {
          return e.what();
        }
        return {};
      });
  s.required("resolution", ganrig::ValueType::Integer, "Which prepared resolution to train on.").range(4, 4096);
  s.boolean("xflip", true, "Random horizontal flips when batching (the papers' few-shot setting).");
  s.integer("limit", 0, "Use only the first N images (0: all).").at_least(0);
  registry.add<ganrig::Dataset>(
      "prepared", "A dataset made by `ganrig data prepare`, read from one packed uint8 file (no decoding).", s,
      [](const ConfigView& cfg, ganrig::BuildContext&) { return std::make_shared<PreparedDataset>(cfg); });
}

}  // namespace

GANRIG_PLUGIN("prepared", "1.0.0", register_prepared)
