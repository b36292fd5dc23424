#pragma once
// Progressive growing, applied: the [schedule] component decides resolution, fade-in alpha, batch
// and learning rates from the images shown; this helper applies them every iteration (networks
// that implement `Growing`, learning rates, batch, an Adam reset on a new phase) and fades the real
// images as PGGAN does. Without a schedule it does nothing.
#include <cstdint>

#include "ganrig/train/networks.hpp"
#include "ganrig/train/stateful.hpp"

namespace ganrig {

class Growth : public Stateful {
 public:
  Growth(std::shared_ptr<Schedule> schedule, const Config& config, std::int64_t micro_batch);

  bool active() const { return schedule_ != nullptr; }
  const ScheduleState& current() const { return current_; }

  // Applies the schedule at `cur_nimg`; sets `batch` when the schedule gives one.
  void apply(std::int64_t cur_nimg, Networks& networks, std::int64_t& batch);
  // Real images at the current resolution (box-downsampled), blended during a fade-in with their
  // 2x-downsampled-then-upsampled copy.
  torch::Tensor fade_reals(torch::Tensor real) const;

  // The last phase seen, so a reset due right at a checkpoint is not lost.
  void save(TrainingState& state) const override;
  void load(const TrainingState& state) override;

 private:
  std::shared_ptr<Schedule> schedule_;
  const Config& config_;
  std::int64_t micro_batch_;
  std::int64_t phase_ = -1;
  ScheduleState current_;
};

}  // namespace ganrig
