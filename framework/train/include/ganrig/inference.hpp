#pragma once
// Using what was trained, from any C++ program: a generator loaded from a run folder or a ganrig
// checkpoint (its plugins resolved as in training, no dataset and no pretrained weights read),
// in eval mode on the device asked for, and latents drawn as the official gen_images.py draws
// them. docs/inference.md has a complete example program (built and run by a test).
//
//   auto g = ganrig::TrainedGenerator::load("runs/pg_pokemon64/00000-run", {torch::kCUDA});
//   torch::Tensor images = g.generate(ganrig::seed_latents({0, 1, 2}, g.latent_dim()));  // [3, C, R, R]
//   // a conditional generator: one class per image (indices into g.class_names())
//   torch::Tensor shirts = g.generate(ganrig::seed_latents({0, 1}, g.latent_dim()), torch::tensor({6, 6}));
#include <cstdint>
#include <filesystem>
#include <map>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "ganrig/interfaces.hpp"  // ScheduleState, Schedule

namespace ganrig {

struct Experiment;
class Registry;

struct GeneratorLoadOptions {
  torch::Device device = torch::kCPU;
  std::string weights = "ema";                           // "ema" (G_ema, as papers report) or "raw" (G)
  std::vector<std::filesystem::path> plugin_paths;       // besides the plugins next to the executable
  std::vector<std::string> overrides;                    // --set on the run's config (e.g. exec.sample_format)
  std::function<void(Registry&)> register_components;    // the program's own components, if it trained with any
};


class TrainedGenerator {
 public:
  // A run folder (its newest intact snapshot) or a checkpoint file. Errors name the file and what
  // is wrong (not a checkpoint, damaged, no generator of that name).
  static TrainedGenerator load(const std::filesystem::path& run_or_checkpoint, const GeneratorLoadOptions& options = {});

  // z [N, latent_dim] (any device, float) -> images [N, C, R, R] in about [-1, 1], on the
  // generator's device; no gradients. Progressive runs generate at the checkpoint's resolution
  // and fade-in.
  // A conditional generator needs `labels` (int64 [N], class indices); an unconditional one refuses them.
  torch::Tensor generate(const torch::Tensor& z, const torch::Tensor& labels = {}) const;

  std::int64_t latent_dim() const;
  // The classes a conditional generator was trained on (from the checkpoint); empty: unconditional.
  const std::vector<std::string>& class_names() const;
  // The index of a class given by name or by index ("Trouser" or "1"); an Error listing the classes.
  std::int64_t class_index(const std::string& name_or_index) const;
  std::int64_t resolution() const;     // of the generated images
  std::int64_t channels() const;       // of the generated images (3 for RGB)
  double alpha() const;                // fade-in at the checkpoint (1 when not growing)
  std::int64_t nimg() const;           // images shown when the checkpoint was written
  const std::filesystem::path& checkpoint() const;
  std::string checkpoint_sha256() const;
  const std::string& weights() const;  // "ema" or "raw"
  std::string generator_type() const;  // the [generator] type, e.g. "fastgan"
  // The run's experiment as loaded (config, registry with its plugins), for building other
  // components such as an image sink.
  Experiment& experiment() const;
  Generator& network() const;          // the generator itself (eval mode), e.g. for a weight format

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// z [seeds.size(), latent_dim] float32: row i is np.random.RandomState(seeds[i]).randn(1, latent_dim).
torch::Tensor seed_latents(const std::vector<std::uint32_t>& seeds, std::int64_t latent_dim);

// A progressive checkpoint's resolution and fade-in: those of the run's last step (and its sample
// grid), saved with it; checkpoints from before they were saved: the schedule at its cur_nimg.
ScheduleState checkpoint_growth(const Schedule& schedule, const std::map<std::string, torch::Tensor>& state);

// The checkpoint a run folder or file names (the folder's newest intact snapshot) and the run
// folder (empty for a loose file), or an Error that says which is missing.
// A damaged newer snapshot is skipped, never renamed; `warn` names it and the one used (default:
// a "warning: ..." line on stderr).
std::pair<std::filesystem::path, std::filesystem::path> checkpoint_target(
    const std::string& run_or_checkpoint, const std::function<void(const std::string&)>& warn = {});

}  // namespace ganrig
