// RUN/report.html, rewritten (atomically) at the end of every tick, so reloading the page follows a
// live run. A page that cannot be written is a warning, once: the run goes on.
#include "ganrig/config_view.hpp"
#include "ganrig/error.hpp"
#include "ganrig/train/experiment.hpp"
#include "ganrig/train/progress.hpp"
#include "ganrig/train/report_page.hpp"
#include "ganrig/train/tick_action.hpp"

namespace ganrig {

namespace {

class ReportAction : public TickAction {
 public:
  void on_tick(LoopContext& run, const TickInfo&) override {
    try {
      write_report_page({{run.layout.dir, run.experiment.name()}}, run.layout.report(),
                        run.experiment.name() + " - " + run.layout.dir.filename().string());
    } catch (const std::exception& e) {
      if (!warned_) run.progress.line(std::string("warning: report.html not written: ") + e.what());
      warned_ = true;
    }
  }

 private:
  bool warned_ = false;
};

std::unique_ptr<TickAction> make(LoopContext& run) {
  const ConfigView exec(*run.config.table_at("exec"), "exec", &run.config);
  if (!exec.boolean("report")) return nullptr;
  return std::make_unique<ReportAction>();
}

// After the metrics (40), so a tick's page shows the tick's evaluation.
[[maybe_unused]] const bool registered = register_tick_action("report", 50, make);

}  // namespace

}  // namespace ganrig
