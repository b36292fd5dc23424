#pragma once
// The loop's settings from [train] and [exec], read once from the validated config.
#include <cstdint>
#include <string>

#include <torch/torch.h>

#include "ganrig/config.hpp"

namespace ganrig {

struct LoopSettings {
  double total_kimg = 0, tick_kimg = 0, snapshot_kimg = 0, sample_kimg = 0;
  double ema_kimg = 0, ema_rampup = 0, ema_fixed_beta = 0;
  std::int64_t batch = 0;
  std::int64_t micro_batch = 0;  // [exec] batch_per_device, or "no split" (the largest int64)
  std::int64_t grid_rows = 0, grid_cols = 0;
  std::int64_t max_nonfinite = 0;
  bool sanitize = true;
  bool skip_nonfinite = true;
  bool spectral_norm_per_forward = false;  // else per phase
  std::string record_twin;                 // a folder, or empty
  std::string progress;
  std::int64_t total_nimg() const { return static_cast<std::int64_t>(total_kimg * 1000.0 + 0.5); }
};

LoopSettings read_loop_settings(const Config& config);

// Adam's options from [optim.generator] or [optim.discriminator].
torch::optim::AdamOptions adam_options(const Config& config, const std::string& path);

// Whether an interval of `interval_kimg` ends between `before` and `after` images.
bool crossed(std::int64_t before, std::int64_t after, double interval_kimg);

}  // namespace ganrig
