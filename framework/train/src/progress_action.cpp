// The console: the run's headline at start, a live line while a tick runs (on a terminal), and a
// permanent line per tick with speed, ETA, losses and memory.
#include <fmt/format.h>

#include "ganrig/train/stats.hpp"
#include "ganrig/train/tick_action.hpp"

namespace ganrig {

namespace {

double mean_or_zero(const std::map<std::string, double>& means, const std::string& name) {
  const auto it = means.find(name);
  return it == means.end() ? 0.0 : it->second;
}

class ProgressAction : public TickAction {
 public:
  void on_start(LoopContext& run, bool) override {
    const Models& m = run.networks.models;
    const auto counts = count_parameters(m);
    const ImageShape shape = m.dataset->shape();
    run.progress.line(fmt::format("run {}: {} on {} | G {} params, D {} trainable + {} frozen | {} images {}x{}x{}",
                                  run.layout.dir.string(), run.experiment.name(),
                                  run.world.size() > 1
                                      ? fmt::format("{} processes ({} on rank 0)", run.world.size(), run.device.str())
                                      : run.device.str(),
                                  counts.generator,
                                  counts.discriminator_trainable, counts.discriminator_frozen, m.dataset->size(),
                                  shape.channels, shape.resolution, shape.resolution));
  }

  void on_iteration(LoopContext& run, double tick_seconds) override {
    if (!run.progress.live_due()) return;  // means() reads device sums: only when the line is printed
    const RunState& s = run.state;
    const std::int64_t total = run.settings.total_nimg();
    const double tick_kimg = (s.cur_nimg - s.tick_start_nimg) / 1000.0;
    const double sec_per_kimg = tick_kimg > 0 ? tick_seconds / tick_kimg : 0.0;
    const auto means = run.stats.means();
    run.progress.live(fmt::format("kimg {:.2f}/{:.2f}  sec/kimg {:.2f}  ETA {}  G {:.4f}  D {:.4f}", s.cur_nimg / 1000.0,
                                  total / 1000.0, sec_per_kimg,
                                  format_duration((total - s.cur_nimg) / 1000.0 * sec_per_kimg),
                                  mean_or_zero(means, "loss/G"), mean_or_zero(means, "loss/D")));
  }

  void on_tick(LoopContext& run, const TickInfo& tick) override {
    const RunState& s = run.state;
    const std::int64_t total = run.settings.total_nimg();
    const double sec_per_kimg = tick.seconds / std::max((s.cur_nimg - tick.start_nimg) / 1000.0, 1e-9);
    run.progress.line(fmt::format("tick {:<4d} kimg {:8.3f}/{:.3f}  sec/kimg {:7.2f}  ETA {:>7}  G {:.4f}  D {:.4f}  "
                                  "rss {:.0f} MiB",
                                  s.cur_tick, s.cur_nimg / 1000.0, total / 1000.0, sec_per_kimg,
                                  format_duration((total - s.cur_nimg) / 1000.0 * sec_per_kimg),
                                  mean_or_zero(tick.means, "loss/G"), mean_or_zero(tick.means, "loss/D"),
                                  peak_rss_mib()) +
                      flat_samples_warning(s));
  }

 private:
  // Appended to the tick's line when its sample grid is flat; the first time with what it means.
  std::string flat_samples_warning(const RunState& s) {
    if (s.last_grid.nimg != s.cur_nimg || !s.last_grid.flat) return "";
    std::string warning = fmt::format("  WARNING flat samples (pixel std {:.2f} of 255)", s.last_grid.pixel_std);
    if (!explained_)
      warning += fmt::format(": every sample of the grid at {:.3f} kimg is nearly one colour (largest per-sample "
                             "pixel std {:.2f}); the generator is not learning structure",
                             s.cur_nimg / 1000.0, s.last_grid.max_sample_std);
    explained_ = true;
    return warning;
  }
  bool explained_ = false;
};

std::unique_ptr<TickAction> make(LoopContext&) { return std::make_unique<ProgressAction>(); }

[[maybe_unused]] const bool registered = register_tick_action("progress", 15, make);

}  // namespace

}  // namespace ganrig
