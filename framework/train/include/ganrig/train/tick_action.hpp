#pragma once
// Periodic work of the loop, in the shape of mmengine's hooks (mmengine/hooks/hook.py): the stats
// log, the progress line, sample grids, snapshots, metric evaluation. The loop body only fetches
// data, runs the phases, updates the EMA and the counters, then calls the actions; a new periodic
// job is one class in its own file that registers itself (register_tick_action) and one
// line in framework/CMakeLists.txt.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ganrig/run_dir.hpp"
#include "ganrig/train/checkpointer.hpp"
#include "ganrig/train/growth.hpp"
#include "ganrig/train/networks.hpp"
#include "ganrig/train/progress.hpp"
#include "ganrig/train/run_state.hpp"
#include "ganrig/train/settings.hpp"
#include "ganrig/train/stateful.hpp"
#include "ganrig/train/stats.hpp"
#include "ganrig/train/trainer.hpp"
#include "ganrig/train/world.hpp"

namespace ganrig {

// What an action may look at and use: the run's parts, owned by the loop.
struct LoopContext {
  Experiment& experiment;
  const Config& config;
  const LoopSettings& settings;
  const TrainOptions& options;
  RunLayout layout;
  torch::Device device;
  Networks& networks;
  RunState& state;
  const Growth& growth;
  TickStats& stats;  // the current tick's statistics
  Progress& progress;
  Checkpointer& checkpointer;
  World& world;  // the data-parallel group (size 1 when training alone)
};

struct TickInfo {
  double seconds = 0;                    // wall time of this tick
  std::int64_t start_nimg = 0;           // images shown when the tick began
  std::map<std::string, double> means;   // the tick's statistics (losses, regularizers, skips)
  bool final = false;                    // the last tick of this session (done, or stopping as asked)
  bool done = false;                     // training reached total_kimg
};

class TickAction : public Stateful {
 public:
  // Before the first iteration of this session; `resumed`: continuing from a checkpoint.
  virtual void on_start(LoopContext& /*run*/, bool /*resumed*/) {}
  // After each iteration that does not end a tick (keep it cheap).
  virtual void on_iteration(LoopContext& /*run*/, double /*tick_seconds*/) {}
  // At the end of each tick, in registration order.
  virtual void on_tick(LoopContext& run, const TickInfo& tick) = 0;
  // In a group of processes, actions run on rank 0 only, except those that take part in a
  // collective (metric evaluation shares its generation across ranks).
  virtual bool on_every_rank() const { return false; }
  // State of its own that every checkpoint keeps (none by default); keys must not collide.
  void save(TrainingState& /*state*/) const override {}
  void load(const TrainingState& /*state*/) override {}
};

using TickActionFactory = std::function<std::unique_ptr<TickAction>(LoopContext& run)>;

// Adds an action, at static initialisation of the file that defines it:
//   [[maybe_unused]] const bool registered = register_tick_action("snapshots", 30, make_snapshot);
// Actions run in ascending `order` (samples 5, stats log 10, progress 15, snapshots 30, metrics
// 40: the stats line and the progress line report the tick's sample grid; a metric evaluated at a
// snapshot can point best.pt at it). An action with state of its own
// takes an order below 30, so the snapshot of a tick holds what the action did in it. Returns true.
bool register_tick_action(const std::string& name, int order, TickActionFactory factory);

// Builds every registered action in order. Runs before the run folder is touched, so an action's
// configuration error leaves nothing behind.
std::vector<std::unique_ptr<TickAction>> make_tick_actions(LoopContext& run);
std::vector<std::string> tick_action_names();

}  // namespace ganrig
