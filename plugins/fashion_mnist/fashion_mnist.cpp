// Fashion-MNIST (Xiao, Rasul, Vollgraf 2017) from Debian's dataset-fashion-mnist package: the IDX
// files are read through zlib, optionally filtered by class, and resized once to the configured
// resolution; the decoded images stay in memory as uint8.
#include <zlib.h>

#include <filesystem>
#include <fmt/format.h>

#include "ganrig/build_context.hpp"
#include "ganrig/dry_run.hpp"
#include "ganrig/in_memory_dataset.hpp"
#include "ganrig/error.hpp"
#include "ganrig/plugin_api.hpp"

namespace {

namespace fs = std::filesystem;
using ganrig::ConfigView;

std::vector<std::uint8_t> read_gzip(const fs::path& file, const ConfigView& cfg) {
  gzFile in = gzopen(file.c_str(), "rb");
  if (!in)
    throw ganrig::ConfigError(fmt::format("{}cannot open {} (install it with: apt-get install dataset-fashion-mnist)",
                                          cfg.where("path"), file.string()));
  std::vector<std::uint8_t> data;
  std::vector<std::uint8_t> buffer(1 << 20);
  int n;
  while ((n = gzread(in, buffer.data(), static_cast<unsigned>(buffer.size()))) > 0)
    data.insert(data.end(), buffer.begin(), buffer.begin() + n);
  const bool failed = n < 0;
  gzclose(in);
  if (failed) throw ganrig::Error(fmt::format("{} is corrupt (gzip error)", file.string()));
  return data;
}

std::uint32_t big_endian(const std::vector<std::uint8_t>& d, std::size_t at) {
  return (std::uint32_t(d[at]) << 24) | (std::uint32_t(d[at + 1]) << 16) | (std::uint32_t(d[at + 2]) << 8) | d[at + 3];
}

// IDX: magic (0x00000803 images, 0x00000801 labels), big-endian dimensions, then uint8 data.
torch::Tensor read_idx(const fs::path& file, std::uint32_t magic, const ConfigView& cfg) {
  const auto data = read_gzip(file, cfg);
  const std::uint32_t dims = magic & 0xff;
  if (data.size() < 4 + 4 * dims || big_endian(data, 0) != magic)
    throw ganrig::Error(fmt::format("{} is not an IDX file of the expected kind", file.string()));
  std::vector<std::int64_t> shape;
  std::int64_t count = 1;
  for (std::uint32_t i = 0; i < dims; ++i) {
    shape.push_back(big_endian(data, 4 + 4 * i));
    count *= shape.back();
  }
  const std::size_t offset = 4 + 4 * dims;
  if (data.size() != offset + static_cast<std::size_t>(count))
    throw ganrig::Error(fmt::format("{} is truncated", file.string()));
  return torch::from_blob(const_cast<std::uint8_t*>(data.data() + offset), shape, torch::kUInt8).clone();
}

// The ten classes, in label order (Xiao et al. 2017, Table 1).
const std::vector<std::string> kClassNames = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                              "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

// The class names a run sees: all ten, or those kept by `classes` in that order (labels renumbered).
std::vector<std::string> kept_class_names(const std::vector<std::int64_t>& classes) {
  if (classes.empty()) return kClassNames;
  std::vector<std::string> names;
  for (auto c : classes) names.push_back(kClassNames.at(static_cast<std::size_t>(c)));
  return names;
}

class FashionMnist : public ganrig::InMemoryDataset {
 public:
  explicit FashionMnist(const ConfigView& cfg) {
    const fs::path root = cfg.string("path");
    const std::string split = cfg.string("split");
    if (ganrig::DryRun::active()) {
      if (!fs::exists(root / (split == "test" ? "t10k-images-idx3-ubyte.gz" : "train-images-idx3-ubyte.gz")))
        ganrig::DryRun::note_missing(fmt::format("{}Fashion-MNIST in {}: apt-get install dataset-fashion-mnist",
                                                 cfg.where("path"), root.string()));
      hold_shape(cfg.integer("channels"), cfg.integer("resolution"), "fashion_mnist");
      hold_labels(torch::empty({0}, torch::kLong), kept_class_names(cfg.integers("classes")));
      return;
    }
    std::vector<torch::Tensor> images, labels;
    for (const char* part : {"train", "t10k"}) {
      if (split != "all" && split != (std::string(part) == "train" ? "train" : "test")) continue;
      images.push_back(read_idx(root / fmt::format("{}-images-idx3-ubyte.gz", part), 0x00000803, cfg));
      labels.push_back(read_idx(root / fmt::format("{}-labels-idx1-ubyte.gz", part), 0x00000801, cfg));
    }
    torch::Tensor x = torch::cat(images), y = torch::cat(labels).to(torch::kLong);
    const auto classes = cfg.integers("classes");
    if (!classes.empty()) {
      torch::Tensor keep = torch::zeros_like(y, torch::kBool);
      torch::Tensor renumbered = torch::zeros_like(y);
      for (std::size_t k = 0; k < classes.size(); ++k) {
        keep |= (y == classes[k]);
        renumbered.masked_fill_(y == classes[k], static_cast<std::int64_t>(k));
      }
      x = x.index({keep});
      y = renumbered.index({keep});
    }
    const std::int64_t limit = cfg.integer("limit");
    if (limit > 0 && x.size(0) > limit) {
      x = x.narrow(0, 0, limit);
      y = y.narrow(0, 0, limit);
    }
    const std::int64_t r = cfg.integer("resolution");
    torch::Tensor f = x.unsqueeze(1).to(torch::kFloat32);
    if (r != 28) {
      namespace F = torch::nn::functional;
      auto options = r < 28 ? F::InterpolateFuncOptions().size(std::vector<std::int64_t>{r, r}).mode(torch::kArea)
                            : F::InterpolateFuncOptions()
                                  .size(std::vector<std::int64_t>{r, r})
                                  .mode(torch::kBilinear)
                                  .align_corners(false);
      f = F::interpolate(f, options);
    }
    torch::Tensor pixels = f.round().clamp(0, 255).to(torch::kUInt8);
    if (cfg.integer("channels") == 3) pixels = pixels.repeat({1, 3, 1, 1});  // grey as RGB
    hold(pixels, cfg.boolean("xflip"),
         fmt::format("fashion_mnist {} split{} from {}", split, classes.empty() ? std::string() : " (classes filtered)",
                     root.string()));
    hold_labels(y, kept_class_names(classes));
  }
};

void register_fashion_mnist(ganrig::Registry& registry) {
  ganrig::Schema s;
  s.string("path", "/usr/share/datasets/fashion-mnist", "Folder of the IDX .gz files (Debian: dataset-fashion-mnist).")
      .checked_by("an existing folder", [](const std::string& value) -> std::string {
        const std::string wrong = ganrig::path_problem(value, ganrig::Field::PathKind::Folder);
        return wrong.empty() ? wrong : wrong + "; install it with: apt-get install dataset-fashion-mnist";
      });
  s.string("split", "train", "Which files: train (60,000), test (10,000) or all.").one_of({"train", "test", "all"});
  s.integer("resolution", 32, "Images are resized from 28x28 to this size once, at load time.").range(4, 1024);
  s.integers("classes", {}, "Keep only these labels (0-9), renumbered 0.. in this order for conditional runs; empty "
                            "keeps all ten.")
      .range(0, 9);
  s.integer("limit", 0, "Keep only the first N images (few-shot subsets); 0 keeps all.").at_least(0);
  s.boolean("xflip", false, "Random horizontal flips when batching.");
  s.integer("channels", 1, "1: grey; 3: the grey image repeated as RGB (for RGB-only networks such as projectors).")
      .range(1, 3);
  registry.add<ganrig::Dataset>(
      "fashion_mnist", "Fashion-MNIST grey-scale 28x28 clothing images (Debian dataset-fashion-mnist), resized, with their 10 class labels.", s,
      [](const ConfigView& cfg, ganrig::BuildContext&) { return std::make_shared<FashionMnist>(cfg); });
}

}  // namespace

GANRIG_PLUGIN("fashion_mnist", "1.0.0", register_fashion_mnist)
