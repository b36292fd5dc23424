// ganrig generate RUN_OR_CHECKPOINT: images from a trained generator, one per seed or one grid,
// or the frames of a walk between seeds' latents; latents as gen_images.py draws them
// (np.random.RandomState(seed).randn(1, z_dim)) or from a .npy file; a JSON sidecar records
// what made them (checkpoint sha256, kimg, weights, seeds, classes). A conditional generator
// makes every image of one class (--class), or a grid with one row per class.
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <algorithm>

#include "commands.hpp"
#include "ganrig/atomic_file.hpp"
#include "ganrig/build_context.hpp"
#include "ganrig/error.hpp"
#include "ganrig/inference.hpp"
#include "ganrig/npy.hpp"
#include "ganrig/train/data_feed.hpp"
#include "ganrig/train/experiment.hpp"
#include "ganrig/train/trainer.hpp"

namespace fs = std::filesystem;

namespace ganrig::cli {

namespace {

std::uint32_t seed_value(const std::string& text, const std::string& option) {
  try {
    std::size_t used = 0;
    const long long v = std::stoll(text, &used);
    if (used == text.size() && v >= 0 && v <= 4294967295LL) return static_cast<std::uint32_t>(v);
  } catch (const std::exception&) {
  }
  throw Error(fmt::format("{} '{}': a seed is a whole number from 0 to 4294967295 (numpy's RandomState range)", option,
                          text));
}

}  // namespace

// "0-63", "1,5,9-12" -> the seeds, in order.
std::vector<std::uint32_t> parse_seeds(const std::string& text, const std::string& option) {
  std::vector<std::uint32_t> seeds;
  std::stringstream parts(text);
  for (std::string part; std::getline(parts, part, ',');) {
    const auto dash = part.find('-', 1);
    if (dash == std::string::npos) {
      seeds.push_back(seed_value(part, option));
      continue;
    }
    const std::uint32_t first = seed_value(part.substr(0, dash), option), last = seed_value(part.substr(dash + 1), option);
    if (last < first || last - first >= 1000000)
      throw Error(fmt::format("{} '{}': a range goes up, by at most a million seeds", option, part));
    for (std::uint64_t s = first; s <= last; ++s) seeds.push_back(static_cast<std::uint32_t>(s));
  }
  if (seeds.empty()) throw Error(fmt::format("{} '{}': no seeds", option, text));
  return seeds;
}

namespace {

// The latents of a walk through `keys` (one row each): `frames` per segment, linear or spherical.
torch::Tensor walk(const torch::Tensor& keys, std::int64_t frames, bool slerp, bool loop) {
  std::vector<torch::Tensor> rows;
  const std::int64_t segments = keys.size(0) - (loop ? 0 : 1);
  for (std::int64_t s = 0; s < segments; ++s) {
    const torch::Tensor a = keys[s].to(torch::kFloat64), b = keys[(s + 1) % keys.size(0)].to(torch::kFloat64);
    const double omega = std::acos(std::clamp((a / a.norm()).dot(b / b.norm()).item<double>(), -1.0, 1.0));
    for (std::int64_t f = 0; f < frames; ++f) {
      const double t = static_cast<double>(f) / static_cast<double>(frames);
      if (slerp && std::sin(omega) > 1e-6)
        rows.push_back((std::sin((1 - t) * omega) * a + std::sin(t * omega) * b) / std::sin(omega));
      else
        rows.push_back((1 - t) * a + t * b);
    }
  }
  if (!loop) rows.push_back(keys[keys.size(0) - 1].to(torch::kFloat64));
  return torch::stack(rows).to(torch::kFloat32);
}

// The class name of each image (null for an unconditional generator).
nlohmann::json class_record(const TrainedGenerator& g, const torch::Tensor& labels) {
  if (!labels.defined()) return nullptr;
  nlohmann::json names = nlohmann::json::array();
  for (std::int64_t i = 0; i < labels.size(0); ++i)
    names.push_back(g.class_names().at(static_cast<std::size_t>(labels[i].item<std::int64_t>())));
  return names;
}

torch::Tensor to_uint8(const torch::Tensor& image) {
  return image.mul(127.5).add(128).clamp(0, 255).to(torch::kUInt8).to(torch::kCPU).contiguous();
}

fs::path default_out(const TrainedGenerator& g, const std::string& target, const std::string& what) {
  const auto [checkpoint, run] = checkpoint_target(target);
  const std::string name = fmt::format("{}-{}-{}", checkpoint.stem().string(), g.weights(), what);
  return (run.empty() ? fs::path("generated") : run / "generated") / name;
}

// Refuses an existing folder unless --force (then only the files written now are replaced).
void prepare_out(const fs::path& out, bool force) {
  if (fs::exists(out) && !force)
    throw Error(fmt::format("{} exists; choose another --out or pass --force to write into it", out.string()));
  fs::create_directories(out);
}

// The frames as one video through a video_sink; the default mp4 is skipped, with a note, in a
// build without OpenCV (the frames are written either way).
void write_video(const TrainedGenerator& g, const GenerateCommand& command, const fs::path& out,
                 const torch::Tensor& frames, std::vector<std::string>& files) {
  Registry& registry = g.experiment().registry;
  if (command.video == "mp4" && !registry.find(VideoSink::kind, "mp4")) {
    std::cout << "no video: this build has no OpenCV (the png_sink plugin writes mp4); the frames are in "
              << out.string() << "\n";
    return;
  }
  BuildContext ctx(registry, g.experiment().config, {frames.size(1), g.resolution()}, 0);
  const auto sink = ctx.named<VideoSink>(command.video, "--video");
  files.push_back(sink->write(out / "video", to_uint8(frames), command.fps).filename().string());
}

// --grid ROWSxCOLS as {rows, cols} for `count` latents; {0, 0} without --grid.
std::pair<std::int64_t, std::int64_t> grid_shape(const std::string& grid, std::int64_t count) {
  if (grid.empty()) return {0, 0};
  std::smatch m;
  if (!std::regex_match(grid, m, std::regex(R"(([0-9]{1,4})x([0-9]{1,4}))")))
    throw Error(fmt::format("--grid '{}': expected ROWSxCOLUMNS, e.g. 8x8", grid));
  const std::int64_t rows = std::stoll(m[1]), cols = std::stoll(m[2]);
  if (rows * cols != count) throw Error(fmt::format("--grid {}: {} cells for {} latents", grid, rows * cols, count));
  return {rows, cols};
}

// The class of each latent for a conditional generator: --class for all, or with --grid row r
// of class r (cycling through the classes); undefined for an unconditional one.
torch::Tensor class_labels(const TrainedGenerator& g, const GenerateCommand& command, std::int64_t count,
                           std::int64_t rows, std::int64_t cols) {
  if (!command.class_name.empty()) return torch::full({count}, g.class_index(command.class_name), torch::kLong);
  const auto classes = static_cast<std::int64_t>(g.class_names().size());
  if (classes == 0) return {};
  if (rows == 0) {
    std::vector<std::string> listed;
    for (std::size_t k = 0; k < g.class_names().size(); ++k) listed.push_back(fmt::format("{} = \"{}\"", k, g.class_names()[k]));
    throw Error(fmt::format("this generator is conditional: choose a class with --class NAME|INDEX ({}), or use --grid "
                            "ROWSxCOLS for one row per class",
                            fmt::join(listed, ", ")));
  }
  return torch::arange(rows).remainder(classes).repeat_interleave(cols);
}

}  // namespace

int generate(const GenerateCommand& command) {
  GeneratorLoadOptions load;
  load.device = resolve_device(command.device);
  load.weights = command.weights;
  load.plugin_paths = command.common.plugin_paths;
  load.overrides = command.common.overrides;
  const TrainedGenerator g = TrainedGenerator::load(command.target, load);

  std::vector<std::uint32_t> seeds;
  torch::Tensor z;
  std::string what = "seeds";
  if (!command.z_file.empty()) {
    z = read_npy_matrix(command.z_file, g.latent_dim());
    what = "zfile";
  } else {
    seeds = parse_seeds(command.interp.empty() ? command.seeds : command.interp, command.interp.empty() ? "--seeds" : "--interp");
    z = seed_latents(seeds, g.latent_dim());
  }
  if (!command.interp.empty()) {
    if (z.size(0) < 2) throw Error("--interp: name at least two seeds, e.g. --interp 3,7");
    if (command.frames < 1) throw Error("--frames: at least 1 frame per segment");
    z = walk(z, command.frames, command.slerp, command.loop);
    what = command.slerp ? "slerp" : "lerp";
  }
  const auto [rows, cols] = grid_shape(command.grid, z.size(0));
  if (rows) what = "grid";
  const torch::Tensor labels = class_labels(g, command, z.size(0), rows, cols);
  const fs::path out = command.out.empty() ? default_out(g, command.target, what) : fs::path(command.out);
  prepare_out(out, command.force);

  BuildContext ctx(g.experiment().registry, g.experiment().config, {g.channels(), g.resolution()}, 0);
  const auto sink = ctx.named<ImageSink>(command.format, "--format");
  std::vector<torch::Tensor> images;  // float [C, R, R] on the CPU, kept for a grid, a video or --raw
  std::vector<std::string> files;
  const bool video = !command.interp.empty() && command.video != "none";
  for (std::int64_t first = 0; first < z.size(0); first += command.batch) {
    const std::int64_t size = std::min(command.batch, z.size(0) - first);
    const torch::Tensor batch =
        g.generate(z.narrow(0, first, size), labels.defined() ? labels.narrow(0, first, size) : torch::Tensor())
            .to(torch::kCPU);
    for (std::int64_t i = 0; i < batch.size(0); ++i) {
      if (rows || video || command.raw) images.push_back(batch[i]);
      if (rows) continue;
      const std::int64_t n = first + i;
      const std::string stem = command.interp.empty() && !seeds.empty() ? fmt::format("seed{:010d}", seeds[n])
                                                                          : fmt::format("frame{:06d}", n);
      files.push_back(sink->write(out / stem, to_uint8(batch[i])).filename().string());
    }
  }
  if (rows) files.push_back(sink->write(out / "grid", make_grid(torch::stack(images), rows, cols)).filename().string());
  if (video) write_video(g, command, out, torch::stack(images), files);
  if (command.raw) {
    write_npy(out / "images.npy", torch::stack(images));
    files.push_back("images.npy");
  }
  if (command.save_z) write_npy(out / "z.npy", z);

  const nlohmann::json record = {
      {"checkpoint", g.checkpoint().string()},   {"checkpoint_sha256", g.checkpoint_sha256()},
      {"nimg", g.nimg()},                       {"kimg", g.nimg() / 1000.0},
      {"weights", g.weights()},                 {"generator", g.generator_type()},
      {"resolution", g.resolution()},           {"alpha", g.alpha()},
      {"seeds", seeds},                         {"z_file", command.z_file},
      {"latents", command.z_file.empty() ? "numpy RandomState(seed).randn(1, z_dim), as float32" : "from z_file"},
      {"interpolation", command.interp.empty() ? nlohmann::json() : nlohmann::json{{"frames_per_segment", command.frames}, {"slerp", command.slerp}, {"loop", command.loop}}},
      {"grid", command.grid},                   {"files", files},
      {"classes", class_record(g, labels)},
      {"video_fps", video ? nlohmann::json(command.fps) : nlohmann::json()},
      {"command_line", command.command_line}};
  write_file_atomic(out / "generate.json", record.dump(2) + "\n");
  std::cout << fmt::format("{} image(s) of {}x{} from {} ({} weights, {:.3f} kimg) in {}\n", z.size(0), g.resolution(),
                           g.resolution(), g.checkpoint().string(), g.weights(), g.nimg() / 1000.0, out.string());
  return 0;
}

}  // namespace ganrig::cli
