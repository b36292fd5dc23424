// Tick actions and run state: the registered actions and their order, a new action added by one
// class and one registration line (this file), RunState and Growth state round trips.
#include "catch_compat.hpp"

#include <ATen/Context.h>

#include "ganrig/train/growth.hpp"
#include "ganrig/train/run_state.hpp"
#include "ganrig/train/tick_action.hpp"
#include "ganrig/train/trainer.hpp"
#include "support.hpp"

using namespace ganrig;
namespace fs = std::filesystem;

namespace {

// A periodic job written the way a user would: counts ticks, keeps its count in the checkpoint,
// and remembers what it saw. It is registered for every run of this test binary, and never
// changes training.
struct Seen {
  int starts = 0, resumed_starts = 0, ticks = 0, finals = 0;
  std::int64_t last_nimg = 0, restored_count = -1;
};
Seen seen;

class CountingAction : public TickAction {
 public:
  void on_start(LoopContext&, bool resumed) override { ++(resumed ? seen.resumed_starts : seen.starts); }
  void on_tick(LoopContext& run, const TickInfo& tick) override {
    ++seen.ticks;
    ++count_;
    seen.finals += tick.final;
    seen.last_nimg = run.state.cur_nimg;
  }
  void save(TrainingState& state) const override { state["test_counter/ticks"] = torch::tensor(count_); }
  void load(const TrainingState& state) override {
    count_ = state.at("test_counter/ticks").item<std::int64_t>();
    seen.restored_count = count_;
  }

 private:
  std::int64_t count_ = 0;
};

[[maybe_unused]] const bool registered = register_tick_action(
    "test_counter", 25, [](LoopContext&) { return std::make_unique<CountingAction>(); });

}  // namespace

TEST_CASE("tick actions run in their registered order, and a new one is one class and one line", "[loop]") {
  // Order 25: after the sample grids, before the snapshot, so its count of this tick is saved.
  // The sample grids come first: the stats and progress lines report the tick's grid.
  CHECK(tick_action_names() ==
        std::vector<std::string>{"sample_grids", "stats_log", "progress", "test_counter", "snapshots", "metrics", "report"});

  seen = {};
  const fs::path dir = test::temp_dir("tick-actions");
  auto e = test::fixture_experiment("train/tiny.toml");
  TrainOptions o;
  o.run_dir = dir;
  o.quiet = true;
  o.stop_after_ticks = 2;
  train(*e, o);
  CHECK(seen.starts == 1);
  CHECK(seen.ticks == 2);
  CHECK(seen.finals == 1);  // the session's last tick
  CHECK(seen.last_nimg == 80);
  o.stop_after_ticks = 0;
  o.resume_from = latest_checkpoint(dir);
  auto again = test::fixture_experiment("train/tiny.toml");
  const TrainResult result = train(*again, o);
  CHECK(seen.resumed_starts == 1);
  CHECK(seen.restored_count == 2);  // its own state came back from the checkpoint
  CHECK(seen.ticks == result.ticks);
  CHECK(seen.last_nimg == result.cur_nimg);
}

TEST_CASE("run state saves and restores counters and the random streams", "[loop]") {
  RunState state(torch::kCPU);
  state.cur_nimg = 1234;
  state.cur_tick = 5;
  state.batch_idx = 77;
  state.nonfinite_total = 2;
  state.eval_seconds = 1.5;
  torch::manual_seed(11);
  TrainingState saved;
  state.save(saved);
  const torch::Tensor expected = torch::rand({4});
  torch::manual_seed(99);
  RunState restored(torch::kCPU);
  restored.load(saved);
  CHECK(torch::equal(torch::rand({4}), expected));  // the CPU stream continues where it was saved
  CHECK(restored.cur_nimg == 1234);
  CHECK(restored.tick_start_nimg == 1234);
  CHECK(restored.cur_tick == 5);
  CHECK(restored.batch_idx == 77);
  CHECK(restored.nonfinite_total == 2);
  CHECK(restored.eval_seconds == 1.5);
  CHECK(restored.elapsed() >= saved.at("elapsed_seconds").item<double>());
}

TEST_CASE("sampling with forked random streams leaves training's streams untouched", "[loop]") {
  torch::manual_seed(3);
  const torch::Tensor before = at::globalContext().defaultGenerator(torch::kCPU).get_state();
  with_forked_rng(torch::kCPU, [] { torch::randn({1000}); });
  CHECK(torch::equal(at::globalContext().defaultGenerator(torch::kCPU).get_state(), before));
}
