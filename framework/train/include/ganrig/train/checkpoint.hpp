#pragma once
// Checkpoints: one LibTorch archive holding G, D, G_ema, the loss module, both optimizers, progress
// counters, RNG states and the resolved config. Written to a temporary file, flushed to disk and
// renamed, so a kill at any moment leaves the previous checkpoint intact.
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include <torch/torch.h>

#include "ganrig/atomic_file.hpp"
#include "ganrig/run_dir.hpp"  // latest_checkpoint

namespace ganrig {

struct CheckpointParts {
  torch::nn::Module* generator = nullptr;
  torch::nn::Module* generator_ema = nullptr;
  torch::nn::Module* discriminator = nullptr;
  torch::nn::Module* loss = nullptr;
  torch::optim::Optimizer* optimizer_g = nullptr;
  torch::optim::Optimizer* optimizer_d = nullptr;
  std::map<std::string, torch::Tensor> state;  // progress counters, RNG states, data order
  std::string config_toml;                      // the resolved config the run was started with
};

// `before_commit` runs after the temporary file is complete and before the rename (tests use
// it to simulate a kill there).
void write_checkpoint(const std::filesystem::path& file, const CheckpointParts& parts,
                      const std::function<void(const std::filesystem::path& temporary)>& before_commit = {});

// Fills the modules and optimizers (those not null) and `state` from a checkpoint.
void read_checkpoint(const std::filesystem::path& file, CheckpointParts& parts);

// The resolved config stored in a checkpoint.
std::string read_checkpoint_config(const std::filesystem::path& file);


}  // namespace ganrig
