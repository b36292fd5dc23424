#pragma once
// The training loop. It knows only interfaces: per iteration a G phase, a D phase and the loss's
// regularization phases, each with fresh latents; gradient accumulation; EMA; ticks, samples,
// snapshots, stats and resume.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ganrig/error.hpp"
#include "ganrig/train/experiment.hpp"

namespace ganrig {

struct TrainOptions {
  std::filesystem::path run_dir;                        // created by the caller (new or existing)
  std::optional<std::filesystem::path> resume_from;     // a checkpoint file
  bool force = false;                                   // resume even if the config changed
  std::int64_t stop_after_ticks = 0;                    // stop (with a snapshot) after this many ticks; 0: never
  std::string command_line;                             // recorded in env.json
  bool quiet = false;                                   // no progress output (tests)
  // Called after writing the temporary checkpoint file and before renaming it (tests).
  std::function<void(const std::filesystem::path&)> checkpoint_fault;
};

struct TrainResult {
  std::int64_t cur_nimg = 0;
  std::int64_t ticks = 0;
  std::int64_t nonfinite_steps = 0;
  std::filesystem::path last_checkpoint;
};

// Raised when too many steps in a row had a non-finite loss; the last good checkpoint is intact.
class NonFiniteLossError : public Error {
 public:
  using Error::Error;
};

TrainResult train(Experiment& experiment, const TrainOptions& options);

// The torch device named by [exec] device.
torch::Device resolve_device(const std::string& name);

}  // namespace ganrig
