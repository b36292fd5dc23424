#pragma once
// The training loop (private to the train library; train() and bench() are its public faces).
// One iteration: growth, real images, the G phase, the D phase, the loss's regularization phases,
// EMA, counters. One tick: the tick actions (tick_action.hpp). Where each job lives:
//   settings.cpp    [train]/[exec] values        run_state.cpp    counters, RNG, elapsed time
//   networks.cpp    models and optimizers        growth.cpp       progressive growing applied
//   phase.cpp       one optimisation phase       checkpointer.cpp checkpoints, resume, best.pt
//   data_feed.cpp   real batches                 *_action.cpp     periodic work (stats, samples, ...)
//   run_record.cpp  the files a new run starts with  world.cpp        the ranks of a data-parallel group
// In a group every rank runs this loop on its share of each global batch; rank 0 alone writes.
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
#include "ganrig/train/world.hpp"

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
  World& world() { return world_; }
  // Rank 0's parameters and buffers copied to every rank, then the parameters' hashes compared.
  void synchronize_replicas();
  void start_twin_record();

 private:
  void configure_runtime();
  void start();
  int stop_signal();                           // the same on every rank
  std::int64_t share_of(std::int64_t batch) const;  // this rank's part of a global batch
  // This rank's reals in [-1, 1] on the device, and their one-hot labels in a conditional run.
  std::pair<torch::Tensor, Condition> next_reals(std::int64_t share);
  std::string resolved_as_now(const std::string& checkpoint_config) const;
  std::vector<torch::Tensor> replica_tensors(bool with_parameters) const;
  void check_replicas_agree();
  void end_tick(double seconds, bool final, bool done);

  Experiment& experiment_;
  const TrainOptions& options_;
  const Config& config_;
  const LoopSettings settings_;
  std::unique_ptr<World> own_world_;  // world size 1 when TrainOptions names no group
  World& world_;
  torch::Device device_ = torch::kCPU;
  Precision precision_;
  Progress progress_;
  TickStats stats_;
  std::unique_ptr<Networks> networks_;
  std::unique_ptr<RunState> state_;
  std::unique_ptr<Growth> growth_;
  std::unique_ptr<DataFeed> feed_;
  std::int64_t classes_ = 0;  // > 0: a conditional run (G or D conditioned on the dataset's classes)
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
