#pragma once
// The counters of a run (images shown, ticks, iterations, skipped steps, time) and the global
// random streams: everything the loop itself must restore to continue a run bit for bit.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "ganrig/train/stateful.hpp"

namespace ganrig {

// What the sample_grids action saw in the newest grid of generated images.
struct SampleGridCheck {
  std::int64_t nimg = -1;    // images shown when it was drawn (-1: none yet)
  double pixel_std = 0;      // standard deviation of all its pixels, 0-255 scale
  double max_sample_std = 0; // the largest standard deviation within one sample, 0-255 scale
  bool flat = false;         // drawn after 0 kimg and every sample nearly one colour
};

class RunState : public Stateful {
 public:
  explicit RunState(torch::Device device) : device_(device) {}

  std::int64_t cur_nimg = 0;         // images shown so far
  std::int64_t cur_tick = 0;         // completed ticks
  std::int64_t batch_idx = 0;        // iterations done
  std::int64_t tick_start_nimg = 0;  // cur_nimg when the current tick began
  std::int64_t nonfinite_total = 0;  // steps skipped for a non-finite loss
  std::int64_t batch = 0;            // the current global batch (the schedule may change it)
  double eval_seconds = 0;           // time spent evaluating metrics (part of elapsed())
  std::int64_t world_size = 1;       // processes training the run now (saved; see saved_world_size)
  std::int64_t saved_world_size = 1; // the processes of the session that wrote the loaded checkpoint
  SampleGridCheck last_grid;         // the newest generated sample grid (not saved)
  std::int64_t flat_grids = 0;       // generated grids after 0 kimg in which every sample was flat (saved)

  double elapsed() const;  // seconds of training over all sessions of this run

  // Counters, elapsed time and the CPU (and CUDA) random generators.
  void save(TrainingState& state) const override;
  void load(const TrainingState& state) override;

 private:
  torch::Device device_;
  double elapsed_before_ = 0;
  std::chrono::steady_clock::time_point session_start_ = std::chrono::steady_clock::now();
};

// Seeds the CPU's (and `device`'s) default generator for one micro-batch of one phase: every
// micro-batch draws its latents, augmentation and noise from a stream named by the run seed, the
// iteration, the phase and its index in the global batch. So one process accumulating over k
// micro-batches and k processes taking one share each draw the same numbers, and a resumed run
// continues the streams from its counters alone.
void seed_micro_batch(std::uint64_t run_seed, std::int64_t iteration, const std::string& phase, std::int64_t index,
                      const torch::Device& device);

// Runs `body` without disturbing the training random streams (sampling and metrics draw noise too).
void with_forked_rng(const torch::Device& device, const std::function<void()>& body);

}  // namespace ganrig
