#include "ganrig/train/phase.hpp"

#include <ATen/record_function.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "ganrig/npy.hpp"
#include "ganrig/spectral_norm.hpp"
#include "ganrig/train/data_feed.hpp"
#include "ganrig/train/trainer.hpp"
#include "ganrig/twin_record.hpp"

namespace ganrig {

PhaseRunner::PhaseRunner(const LoopSettings& settings, Precision& precision, TickStats& stats, RunState& state,
                         torch::Device device, const std::filesystem::path& last_checkpoint, World& world,
                         std::uint64_t run_seed)
    : settings_(settings), precision_(precision), stats_(stats), state_(state), device_(device),
      last_checkpoint_(last_checkpoint), world_(world), run_seed_(run_seed) {}

void PhaseRunner::condition_on(torch::Tensor dataset_labels, std::int64_t classes) {
  label_pool_ = std::move(dataset_labels);
  classes_ = classes;
}

void PhaseRunner::run(const std::string& name, OnePassAdam& optimizer, std::vector<torch::Tensor>& params,
                      const std::vector<torch::Tensor>& frozen, const torch::Tensor& real, const Condition& real_c,
                      Generator& generator, Discriminator& discriminator, const PhaseLoss& loss) {
  for (auto& p : frozen) p.set_requires_grad(false);
  for (auto& p : params) p.set_requires_grad(true);
  optimizer.clear_gradients();
  torch::Tensor total;
  std::optional<TwinRecording> recording;
  if (!settings_.record_twin.empty()) recording.emplace();
  {
    // per_phase: one power iteration per module per phase, however the batch is split; per_forward:
    // none open, so every training-mode forward iterates (torch.nn.utils.spectral_norm).
    std::optional<SpectralNormStep> spectral_norm_step;
    if (!settings_.spectral_norm_per_forward) spectral_norm_step.emplace();
    total = accumulate(name, real, real_c, generator, discriminator, loss);
  }
  if (recording) {
    recorded("out:loss", total / static_cast<double>(rounds(real.size(0))));
    write_twin_phase(name, recording->entries());
  }
  if (world_.distributed()) {
    // The loss travels with the gradients, so every rank takes the same skip decision below.
    RECORD_FUNCTION("ganrig::" + name + "_allreduce", std::vector<c10::IValue>());
    std::vector<torch::Tensor> shared{total};
    for (auto& p : params)
      if (p.grad().defined()) shared.push_back(p.grad());
    world_.average(shared);
  }
  RECORD_FUNCTION("ganrig::" + name + "_optimizer", std::vector<c10::IValue>());
  // The one host read of a phase: whether the optimizer steps.
  const double value = total.item<double>() / static_cast<double>(rounds(real.size(0)));
  if (skip_nonfinite(name, value) && settings_.skip_nonfinite) {
    optimizer.clear_gradients();
    return;
  }
  stats_.add("loss/" + name, value);
  if (!precision_.unscale_and_check(params)) {  // fp16 overflow: the scaler lowers its scale
    optimizer.clear_gradients();
    stats_.add("amp/skipped", 1.0);
    return;
  }
  if (settings_.sanitize)
    optimizer.sanitize_and_step();  // nan_to_num of every gradient in the same pass as the update
  else
    optimizer.step();
}

std::int64_t PhaseRunner::rounds(std::int64_t batch) const { return batch / std::min(settings_.micro_batch, batch); }

// Sum of the micro-batches' losses (on the device); gradients accumulated, scaled by 1 / rounds.
torch::Tensor PhaseRunner::accumulate(const std::string& name, const torch::Tensor& real, const Condition& real_c,
                                      Generator& generator, Discriminator& discriminator, const PhaseLoss& loss_fn) {
  const std::int64_t rounds = this->rounds(real.size(0));
  const std::int64_t micro = real.size(0) / rounds;
  const std::int64_t first_index = world_.rank() * rounds;  // this rank's first micro-batch of the global batch
  torch::Tensor total = torch::zeros({}, device_);
  for (std::int64_t r = 0; r < rounds; ++r) {
    seed_micro_batch(run_seed_, state_.batch_idx, name, first_index + r, device_);
    const torch::Tensor real_part = real.narrow(0, r * micro, micro);
    const torch::Tensor z = recorded("randn:z", torch::randn({micro, generator.latent_dim()}, torch::device(device_)));
    // Drawn after z, and only in a conditional run: an unconditional run's streams stay as they were.
    const Condition fake_c = draw_fake_labels(micro);
    const Condition real_c_part = real_c.defined() ? real_c.narrow(0, r * micro, micro) : Condition();
    LossInputs in{generator, discriminator, real_part, z, stats_, real_c_part, fake_c};
    torch::Tensor loss;
    {
      RECORD_FUNCTION("ganrig::" + name + "_forward", std::vector<c10::IValue>());
      Precision::ForwardGuard autocast(precision_);
      loss = loss_fn(in);
      if (loss.scalar_type() != torch::kDouble) loss = loss.to(torch::kFloat);
    }
    {
      RECORD_FUNCTION("ganrig::" + name + "_backward", std::vector<c10::IValue>());
      precision_.scale(loss / static_cast<double>(rounds)).backward();
    }
    total += loss.detach();
  }
  return total;
}

Condition PhaseRunner::draw_fake_labels(std::int64_t count) const {
  if (classes_ == 0) return {};
  const torch::Tensor pick =
      recorded("randint:fake_c", torch::randint(label_pool_.size(0), {count}, torch::dtype(torch::kLong).device(device_)));
  return one_hot_condition(label_pool_.index_select(0, pick), classes_);
}

// DIR/<iteration>/<phase>/<k>-<kind>-<what>.npy, in the order they were recorded (float32; integer
// draws are small and exact in it).
void PhaseRunner::write_twin_phase(const std::string& name,
                                   const std::vector<std::pair<std::string, torch::Tensor>>& entries) const {
  const auto folder = std::filesystem::path(settings_.record_twin) / fmt::format("{:06d}", state_.batch_idx) / name;
  std::filesystem::create_directories(folder);
  for (std::size_t k = 0; k < entries.size(); ++k) {
    std::string what = entries[k].first;
    std::replace(what.begin(), what.end(), ':', '-');
    write_npy(folder / fmt::format("{:03d}-{}.npy", k, what), entries[k].second);
  }
}

// A non-finite loss skips the step; too many in a row stop the run (the last checkpoint is intact).
bool PhaseRunner::skip_nonfinite(const std::string& name, double value) {
  if (std::isfinite(value)) {
    nonfinite_streak_ = 0;
    return false;
  }
  ++state_.nonfinite_total;
  ++nonfinite_streak_;
  stats_.add(settings_.skip_nonfinite ? "nonfinite/skipped" : "nonfinite/stepped", 1.0);
  if (nonfinite_streak_ >= settings_.max_nonfinite)
    throw NonFiniteLossError(fmt::format(
        "stopping: {} steps in a row had a non-finite loss (last: {} loss = {} at {:.3f} kimg); the last good "
        "checkpoint is {}",
        nonfinite_streak_, name, value, state_.cur_nimg / 1000.0,
        last_checkpoint_.empty() ? std::string("(none yet)") : last_checkpoint_.string()));
  return true;
}

}  // namespace ganrig
