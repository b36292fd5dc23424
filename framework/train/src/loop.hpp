#pragma once
// The training loop (private to the train library; train() and bench() are its public faces).
// One iteration: growth, real images, the G phase, the D phase, the loss's regularization phases,
// EMA, counters. One tick: the tick actions (tick_action.hpp). Where each job lives:
//   settings.cpp    [train]/[exec] values        run_state.cpp    counters, RNG, elapsed time
//   networks.cpp    models and optimizers        growth.cpp       progressive growing applied
//   phase.cpp       one optimisation phase       checkpointer.cpp checkpoints, resume, best.pt
//   data_feed.cpp   real batches                 *_action.cpp     periodic work (stats, samples, ...)
//   run_record.cpp  the files a new run starts with
#include <memory>
#include <vector>

#include "ganrig/train/checkpointer.hpp"
#include "ganrig/train/data_feed.hpp"
#include "ganrig/train/growth.hpp"
#include "ganrig/train/networks.hpp"
#include "ganrig/train/phase.hpp"
#include "ganrig/train/precision.hpp"
#include "ganrig/train/progress.hpp"
#include "ganrig/train/run_state.hpp"
#include "ganrig/train/settings.hpp"
#include "ganrig/train/stats.hpp"
#include "ganrig/train/tick_action.hpp"
#include "ganrig/train/trainer.hpp"

namespace ganrig {

class Loop {
 public:
  Loop(Experiment& experiment, const TrainOptions& options);
  TrainResult run();

  // Building blocks of run(), also used by bench().
  void step();
  void synchronize() const;
  const Networks& networks() const { return *networks_; }
  const RunState& state() const { return *state_; }
  const Precision& precision() const { return precision_; }
  const torch::Device& device() const { return device_; }

 private:
  void configure_runtime();
  void start();
  torch::Tensor next_reals();
  void end_tick(double seconds, bool final, bool done);

  Experiment& experiment_;
  const TrainOptions& options_;
  const Config& config_;
  const LoopSettings settings_;
  torch::Device device_ = torch::kCPU;
  Precision precision_;
  Progress progress_;
  TickStats stats_;
  std::unique_ptr<Networks> networks_;
  std::unique_ptr<RunState> state_;
  std::unique_ptr<Growth> growth_;
  std::unique_ptr<DataFeed> feed_;
  std::unique_ptr<Checkpointer> checkpointer_;
  std::unique_ptr<PhaseRunner> phases_;
  std::unique_ptr<LoopContext> context_;
  std::vector<std::unique_ptr<TickAction>> actions_;
};

// The files a run folder holds besides its results: config.resolved.toml (written by whoever
// creates the folder; here only if missing), plugins.json and env.json (rewritten by a run that
// starts from scratch; written by a resumed run only when the folder lacks them, e.g. --resume).
void write_run_record(const LoopContext& run, bool resumed);

}  // namespace ganrig
