// checkpoints/snapshot-<nimg>.pt every snapshot_kimg and at the end of every session (so stopping
// early or finishing always leaves a checkpoint to resume from).
#include "ganrig/train/tick_action.hpp"

namespace ganrig {

namespace {

class SnapshotAction : public TickAction {
 public:
  void on_tick(LoopContext& run, const TickInfo& tick) override {
    if (tick.final || crossed(tick.start_nimg, run.state.cur_nimg, run.settings.snapshot_kimg))
      run.checkpointer.snapshot(run.state.cur_nimg);
  }
};

std::unique_ptr<TickAction> make(LoopContext&) { return std::make_unique<SnapshotAction>(); }

[[maybe_unused]] const bool registered = register_tick_action("snapshots", 30, make);

}  // namespace

}  // namespace ganrig
