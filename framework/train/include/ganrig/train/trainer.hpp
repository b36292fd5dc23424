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

class World;  // world.hpp

struct TrainOptions {
  std::filesystem::path run_dir;                        // created by the caller (new or existing)
  std::optional<std::filesystem::path> resume_from;     // a checkpoint file
  bool force = false;                                   // resume even if the config changed
  std::int64_t stop_after_ticks = 0;                    // stop (with a snapshot) after this many ticks; 0: never
  std::string command_line;                             // recorded in env.json
  bool quiet = false;                                   // no progress output (tests)
  World* world = nullptr;                               // the data-parallel group; null: this process alone
  bool debug_sync = false;                              // compare parameter hashes across ranks every tick
  // Called after writing the temporary checkpoint file and before renaming it (tests).
  std::function<void(const std::filesystem::path&)> checkpoint_fault;
};

struct TrainResult {
  std::int64_t cur_nimg = 0;
  std::int64_t ticks = 0;
  std::int64_t nonfinite_steps = 0;
  std::filesystem::path last_checkpoint;
  int stopped_by_signal = 0;  // SIGINT or SIGTERM: stopped after a checkpoint (exit 128 + signal)
};

// Raised when too many steps in a row had a non-finite loss; the last good checkpoint is intact.
class NonFiniteLossError : public Error {
 public:
  using Error::Error;
};

TrainResult train(Experiment& experiment, const TrainOptions& options);

// Training iterations timed after a warm-up, without a run folder (ganrig bench).
struct BenchResult {
  ParameterCounts parameters;
  std::int64_t batch = 0;
  double seconds_per_iteration = 0, images_per_second = 0, peak_rss_mib = 0, peak_cuda_mib = 0;
  std::string device;
  int threads = 0;
  std::string precision;
  std::string profile;  // with profile_iterations > 0: time per phase and top operators
};
// With a `world`, every rank runs the iterations and rank 0's figures are those of the group
// (images per second of the global batch).
BenchResult bench(Experiment& experiment, std::int64_t warmup, std::int64_t iterations,
                  std::int64_t profile_iterations = 0, World* world = nullptr);

// config.resolved.toml: the first file of a new run folder, written as soon as the folder exists,
// so a folder killed at any later moment can be resumed or restarted (`ganrig train RUN`).
void write_resolved_config(const std::filesystem::path& run_dir, const Config& config);

// The torch device named by [exec] device; in a group of several processes per machine, "auto"
// and "cuda" mean this process's GPU, cuda:LOCAL_RANK.
torch::Device resolve_device(const std::string& name, int local_rank = 0);

}  // namespace ganrig
