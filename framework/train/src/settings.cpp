#include "ganrig/train/settings.hpp"

#include <algorithm>
#include <limits>

#include "ganrig/config_view.hpp"

namespace ganrig {

LoopSettings read_loop_settings(const Config& config) {
  const ConfigView train(*config.table_at("train"), "train", &config);
  const ConfigView exec(*config.table_at("exec"), "exec", &config);
  LoopSettings s;
  s.total_kimg = train.real("total_kimg");
  s.tick_kimg = train.real("tick_kimg");
  s.snapshot_kimg = train.real("snapshot_kimg");
  s.sample_kimg = train.real("sample_kimg");
  s.ema_kimg = train.real("ema_kimg");
  s.ema_rampup = train.real("ema_rampup");
  s.ema_fixed_beta = train.real("ema_beta");
  s.batch = train.integer("batch");
  // No split unless asked: the whole (possibly schedule-given) batch in one pass.
  s.micro_batch = exec.integer("batch_per_device") > 0 ? exec.integer("batch_per_device")
                                                       : std::numeric_limits<std::int64_t>::max();
  const auto grid = train.integers("sample_grid");
  s.grid_rows = grid[0];
  s.grid_cols = grid[1];
  s.max_nonfinite = train.integer("max_nonfinite_steps");
  s.sanitize = train.boolean("sanitize_gradients");
  s.skip_nonfinite = train.boolean("skip_nonfinite_steps");
  s.spectral_norm_per_forward = train.string("spectral_norm_update") == "per_forward";
  s.record_twin = exec.string("record_twin");
  s.progress = exec.string("progress");
  return s;
}

torch::optim::AdamOptions adam_options(const Config& config, const std::string& path) {
  const ConfigView v(*config.table_at(path), path, &config);
  const auto betas = v.reals("betas");
  return torch::optim::AdamOptions(v.real("lr")).betas({betas[0], betas[1]}).eps(v.real("eps"));
}

bool crossed(std::int64_t before, std::int64_t after, double interval_kimg) {
  const auto interval = std::max<std::int64_t>(1, static_cast<std::int64_t>(interval_kimg * 1000.0 + 0.5));
  return before / interval < after / interval;
}

}  // namespace ganrig
