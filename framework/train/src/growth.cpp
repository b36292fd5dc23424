#include "ganrig/train/growth.hpp"

#include <fmt/format.h>

#include "ganrig/error.hpp"

namespace ganrig {

Growth::Growth(std::shared_ptr<Schedule> schedule, const Config& config, std::int64_t micro_batch)
    : schedule_(std::move(schedule)), config_(config), micro_batch_(micro_batch) {}

void Growth::apply(std::int64_t cur_nimg, Networks& networks, std::int64_t& batch) {
  if (!schedule_) return;
  const ScheduleState st = schedule_->at(cur_nimg);
  if (phase_ >= 0 && st.phase != phase_ && schedule_->reset_optimizers_on_growth()) networks.reset_optimizers(config_);
  phase_ = st.phase;
  current_ = st;
  if (st.lr_generator > 0) set_learning_rate(*networks.optimizer_g, st.lr_generator);
  if (st.lr_discriminator > 0) set_learning_rate(*networks.optimizer_d, st.lr_discriminator);
  const Models& m = networks.models;
  for (torch::nn::Module* net :
       std::vector<torch::nn::Module*>{m.generator.get(), m.generator_ema.get(), m.discriminator.get()})
    if (auto* growing = dynamic_cast<Growing*>(net)) growing->set_growth(st.resolution, st.alpha);
  if (st.batch > 0) batch = st.batch;
  if (batch % std::min(micro_batch_, batch) != 0)
    throw ConfigError(fmt::format("the schedule's batch {} at resolution {} is not a multiple of [exec] batch_per_device {}",
                                  batch, st.resolution, micro_batch_));
}

torch::Tensor Growth::fade_reals(torch::Tensor real) const {
  if (!schedule_) return real;
  const std::int64_t full = real.size(2);
  if (current_.resolution < full) real = torch::avg_pool2d(real, full / current_.resolution);
  if (current_.alpha < 1.0) {
    const torch::Tensor low = torch::upsample_nearest2d(torch::avg_pool2d(real, 2), {real.size(2), real.size(3)});
    real = low + (real - low) * current_.alpha;
  }
  return real;
}

// The resolution and alpha of the last step go along for `ganrig generate` (what the run's own
// sample grid at this checkpoint showed); resuming recomputes them from cur_nimg.
void Growth::save(TrainingState& state) const {
  state["growth_phase"] = torch::tensor(phase_, torch::kLong);
  if (!schedule_) return;
  state["growth_resolution"] = torch::tensor(current_.resolution, torch::kLong);
  state["growth_alpha"] = torch::tensor(current_.alpha, torch::kDouble);
}

void Growth::load(const TrainingState& state) {
  if (state.count("growth_phase")) phase_ = state.at("growth_phase").item<std::int64_t>();
}

}  // namespace ganrig
