// [eval] metrics during training: evaluated every interval_kimg and at the end, appended to
// metrics.jsonl with their protocol; the first metric with one value (fid, kid) keeps best.pt.
// On resume, lines after the checkpoint are dropped and the best value is re-read from the rest.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>

#include "ganrig/train/jsonl_file.hpp"
#include "ganrig/config_view.hpp"
#include "ganrig/error.hpp"
#include "ganrig/metrics/evaluator.hpp"
#include "ganrig/train/tick_action.hpp"

namespace fs = std::filesystem;

namespace ganrig {

namespace {

// Drops lines of evaluations after `last_nimg` and returns the best value of `metric` among the rest.
std::optional<double> keep_lines_until(const fs::path& file, std::int64_t last_nimg, const std::string& metric) {
  std::optional<double> best;
  keep_jsonl_lines(file, [&](const nlohmann::json& line) {
    if (line.value("nimg", std::int64_t{0}) > last_nimg) return false;
    if (line.value("metric", "") == metric && line.contains("value") && line["value"].is_number()) {
      const double v = line["value"].get<double>();
      if (!best || v < *best) best = v;
    }
    return true;
  });
  return best;
}

class MetricAction : public TickAction {
 public:
  MetricAction(LoopContext& run, EvalSettings settings) {
    const ConfigView eval(*run.config.table_at("eval"), "eval", &run.config);
    interval_kimg_ = eval.real("interval_kimg");
    for (const auto& spec : settings.metrics)
      if (spec.has_scalar) {
        best_metric_ = spec.name;
        break;
      }
    evaluator_ = std::make_unique<Evaluator>(run.experiment.registry, run.config, *run.networks.models.dataset,
                                             settings, run.device);
    refuse_detector_seen_by_discriminator(run);
  }

  bool on_every_rank() const override { return true; }  // every rank generates its part

  void on_start(LoopContext& run, bool resumed) override {
    (void)resumed;  // from scratch (cur_nimg 0), the lines of a killed first session go too
    if (!run.world.is_main()) return;
    best_value_ = keep_lines_until(run.layout.metrics(), run.state.cur_nimg, best_metric_);
  }

  void on_tick(LoopContext& run, const TickInfo& tick) override {
    if (tick.done || (interval_kimg_ > 0 && crossed(tick.start_nimg, run.state.cur_nimg, interval_kimg_))) evaluate(run);
  }

 private:
  // A metric on the discriminator's own pretrained features can be gamed (Kynkaanniemi et al. 2023).
  void refuse_detector_seen_by_discriminator(LoopContext& run) const {
    for (const auto& [detector, sha] : evaluator_->detector_weights())
      for (const auto& [where, id] : run.networks.pretrained_weights())
        if (id == "sha256:" + sha)
          throw ConfigError(fmt::format("{}: detector '{}' has the same weights as the projector {}; a metric must not "
                                        "use the network the discriminator sees",
                                        run.config.origin("eval.metrics").location(), detector, where));
  }

  void evaluate(LoopContext& run) {
    const auto start = std::chrono::steady_clock::now();
    const std::int64_t nimg = run.state.cur_nimg;
    std::vector<MetricResult> results;
    const SharedGeneration shared{run.world.rank(), run.world.size(),
                                  [&](const torch::Tensor& rows) { return run.world.gather_rows(rows); }};
    with_forked_rng(run.device, [&] {
      results = evaluator_->evaluate(*run.networks.models.generator_ema,
                                     [&](const std::string& status) { run.progress.live(status); },
                                     run.world.size() > 1 ? &shared : nullptr);
    });
    if (!run.world.is_main()) return;
    const bool snapshot_here = run.checkpointer.has_snapshot_at(nimg);
    for (const auto& r : results) {
      nlohmann::json line = to_json(r);
      line["kimg"] = nimg / 1000.0;
      line["nimg"] = nimg;
      line["tick"] = run.state.cur_tick;
      line["snapshot"] = snapshot_here ? nlohmann::json(run.checkpointer.last().filename().string()) : nlohmann::json();
      append_jsonl_lines(run.layout.metrics(), {line});
      run.progress.line("metric " + summary(r));
      if (r.metric == best_metric_ && r.value && (!best_value_ || *r.value < *best_value_)) {
        best_value_ = r.value;
        run.checkpointer.write_best(nimg);
        run.progress.line(fmt::format("best.pt: {} = {:.4g} at {:.3f} kimg", r.metric, *r.value, nimg / 1000.0));
      }
    }
    run.state.eval_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  std::unique_ptr<Evaluator> evaluator_;
  double interval_kimg_ = 0;
  std::string best_metric_;
  std::optional<double> best_value_;
};

// Built only when [eval] names metrics; detectors are built (and their weights checked) before
// training starts.
std::unique_ptr<TickAction> make(LoopContext& run) {
  EvalSettings settings = eval_settings(run.config);
  if (settings.metrics.empty()) return nullptr;
  return std::make_unique<MetricAction>(run, std::move(settings));
}

[[maybe_unused]] const bool registered = register_tick_action("metrics", 40, make);

}  // namespace

}  // namespace ganrig
