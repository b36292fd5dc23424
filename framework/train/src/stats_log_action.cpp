// stats.jsonl: one JSON line per tick with the tick's mean statistics, timing, memory and learning
// rates. On resume, lines of ticks after the checkpoint (a kill between them) are dropped.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "ganrig/train/jsonl_file.hpp"
#include "ganrig/train/stats.hpp"
#include "ganrig/train/tick_action.hpp"

namespace ganrig {

namespace {

class StatsLogAction : public TickAction {
 public:
  void on_start(LoopContext& run, bool resumed) override {
    (void)resumed;  // a run restarted in place drops all lines of the killed first session
    const std::int64_t last_tick = run.state.cur_tick;  // lines after it: a killed later session
    keep_jsonl_lines(run.layout.stats(),
                     [&](const nlohmann::json& line) { return line.value("tick", std::int64_t{0}) <= last_tick; });
  }

  void on_tick(LoopContext& run, const TickInfo& tick) override {
    const RunState& s = run.state;
    const double tick_kimg = (s.cur_nimg - tick.start_nimg) / 1000.0;
    nlohmann::json line = {{"tick", s.cur_tick},
                           {"kimg", s.cur_nimg / 1000.0},
                           {"batch_idx", s.batch_idx},
                           {"sec_per_tick", tick.seconds},
                           {"sec_per_kimg", tick.seconds / std::max(tick_kimg, 1e-9)},
                           {"total_seconds", s.elapsed()},
                           {"eval_seconds_total", s.eval_seconds},
                           {"peak_rss_mib", peak_rss_mib()},
                           {"lr/G", learning_rate(*run.networks.optimizer_g)},
                           {"lr/D", learning_rate(*run.networks.optimizer_d)},
                           {"nonfinite/total", s.nonfinite_total},
                           {"samples/flat_grids", s.flat_grids}};
    if (s.last_grid.nimg == s.cur_nimg) {  // a grid of generated samples was drawn at this tick
      line["samples/pixel_std"] = s.last_grid.pixel_std;
      line["samples/flat"] = s.last_grid.flat ? 1 : 0;
    }
    if (run.device.is_cuda()) line["peak_cuda_mib"] = peak_cuda_mib(run.device);
    if (run.growth.active()) {
      line["resolution"] = run.growth.current().resolution;
      line["alpha"] = run.growth.current().alpha;
      line["batch"] = s.batch;
    }
    for (const auto& [name, value] : tick.means) line[name] = value;
    if (!line.contains("nonfinite/skipped")) line["nonfinite/skipped"] = 0;
    append_jsonl_lines(run.layout.stats(), {line});
  }
};

std::unique_ptr<TickAction> make(LoopContext&) { return std::make_unique<StatsLogAction>(); }

[[maybe_unused]] const bool registered = register_tick_action("stats_log", 10, make);

}  // namespace

}  // namespace ganrig
