#pragma once
// One optimisation phase (G, D or a regularizer): zero the gradients, accumulate the loss over
// micro-batches with fresh latents, average gradients and loss over the ranks of a group, skip the
// step when the loss is not finite (stopping after too many in a row), unscale (fp16), sanitize
// NaN/Inf gradients as Projected GAN does, step.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ganrig/train/one_pass_adam.hpp"
#include "ganrig/train/precision.hpp"
#include "ganrig/train/run_state.hpp"
#include "ganrig/train/settings.hpp"
#include "ganrig/train/stats.hpp"
#include "ganrig/train/world.hpp"

namespace ganrig {

using PhaseLoss = std::function<torch::Tensor(const LossInputs&)>;

class PhaseRunner {
 public:
  // `last_checkpoint` is named in the error that stops a run of non-finite losses.
  // `real` given to run() is this rank's share of the global batch; `run_seed` names the random streams.
  PhaseRunner(const LoopSettings& settings, Precision& precision, TickStats& stats, RunState& state,
              torch::Device device, const std::filesystem::path& last_checkpoint, World& world,
              std::uint64_t run_seed);

  // A conditional run: fakes get labels drawn as the official training loop draws them, the label
  // of a uniformly drawn dataset image (`dataset_labels`, int64 [N] on the device), one-hot over `classes`.
  void condition_on(torch::Tensor dataset_labels, std::int64_t classes);

  // `real_c`: the reals' one-hot labels (undefined in an unconditional run).
  void run(const std::string& name, OnePassAdam& optimizer, std::vector<torch::Tensor>& params,
           const std::vector<torch::Tensor>& frozen, const torch::Tensor& real, const Condition& real_c,
           Generator& generator, Discriminator& discriminator, const PhaseLoss& loss);

 private:
  torch::Tensor accumulate(const std::string& name, const torch::Tensor& real, const Condition& real_c,
                           Generator& generator, Discriminator& discriminator, const PhaseLoss& loss);
  Condition draw_fake_labels(std::int64_t count) const;
  bool skip_nonfinite(const std::string& name, double value);
  void write_twin_phase(const std::string& name, const std::vector<std::pair<std::string, torch::Tensor>>& entries) const;
  std::int64_t rounds(std::int64_t batch) const;  // micro-batches per phase

  const LoopSettings& settings_;
  Precision& precision_;
  TickStats& stats_;
  RunState& state_;
  torch::Device device_;
  const std::filesystem::path& last_checkpoint_;
  World& world_;
  std::uint64_t run_seed_;
  std::int64_t nonfinite_streak_ = 0;
  torch::Tensor label_pool_;  // the dataset's labels, for the fakes' draws (conditional runs)
  std::int64_t classes_ = 0;
};

}  // namespace ganrig
