#pragma once
// Checkpoints: one LibTorch archive holding G, D, G_ema, the loss module, both optimizers, progress
// counters, RNG states and the resolved config, with a checksum (checkpoint_file.hpp). Written to a
// temporary file, flushed to disk and renamed, so a kill at any moment leaves the previous
// checkpoint intact; read onto the device the run uses, whatever device wrote it.
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include <torch/torch.h>

#include "ganrig/atomic_file.hpp"
#include "ganrig/run_dir.hpp"  // latest_checkpoint
#include "ganrig/train/checkpoint_file.hpp"

namespace ganrig {

struct CheckpointParts {
  torch::nn::Module* generator = nullptr;
  torch::nn::Module* generator_ema = nullptr;
  torch::nn::Module* discriminator = nullptr;
  torch::nn::Module* loss = nullptr;
  torch::optim::Optimizer* optimizer_g = nullptr;
  torch::optim::Optimizer* optimizer_d = nullptr;
  std::map<std::string, torch::Tensor> state;  // progress counters, RNG states, data order (CPU tensors)
  std::string config_toml;                      // the resolved config the run was started with
};

// `before_commit` runs after the temporary file is complete and before the rename (tests use
// it to simulate a kill there).
void write_checkpoint(const std::filesystem::path& file, const CheckpointParts& parts,
                      const std::function<void(const std::filesystem::path& temporary)>& before_commit = {});

// A checkpoint file, verified (CheckpointError when damaged) and read with its tensors mapped to
// `device` (a checkpoint written on a GPU opens on a CPU-only machine, and the other way round).
class Checkpoint {
 public:
  Checkpoint(const std::filesystem::path& file, torch::Device device);
  const std::filesystem::path& file() const { return file_; }
  Integrity integrity() const { return integrity_; }
  std::string config_toml();
  // Fills the modules and optimizers (those not null) and `state`. A checkpoint whose networks do
  // not have these modules' structure is a CheckpointError that says so.
  void restore(CheckpointParts& parts);
  // Written by `ganrig import`: networks (G and G_ema, and D when imported with it) and no loss,
  // optimizers or progress.
  bool imported();
  bool has_discriminator();

 private:
  std::filesystem::path file_;
  Integrity integrity_;
  torch::serialize::InputArchive archive_;
};

// Shorthands: the whole checkpoint read onto the CPU; the resolved config it holds.
void read_checkpoint(const std::filesystem::path& file, CheckpointParts& parts);
std::string read_checkpoint_config(const std::filesystem::path& file);

// The newest snapshot of a run folder that passes its checksum, or empty. A damaged newer one is
// renamed to <name>.damaged (kept for inspection, never loaded again) and `warn` says so.
// For commands that only read a run (eval, generate, export): the same choice, with nothing
// renamed; `warn` names each damaged newer snapshot and the one used instead.
std::filesystem::path newest_intact_checkpoint_read_only(const std::filesystem::path& run_dir,
                                                         const std::function<void(const std::string&)>& warn);

std::filesystem::path newest_intact_checkpoint(const std::filesystem::path& run_dir,
                                               const std::function<void(const std::string&)>& warn);

}  // namespace ganrig
