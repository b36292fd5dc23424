// ganrig eval RUN_OR_CHECKPOINT --metric a,b: evaluates G_ema of a snapshot with the metrics
// named, prints each value with its noise floor and protocol, and appends them to the run's
// metrics.jsonl (marked "source": "ganrig eval"; best.pt is left to training).
#include <fmt/format.h>

#include <unistd.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "ganrig/inference.hpp"
#include "ganrig/error.hpp"
#include "ganrig/metrics/evaluator.hpp"
#include "ganrig/train/checkpoint.hpp"
#include "ganrig/train/experiment.hpp"
#include "ganrig/train/progress.hpp"
#include "ganrig/run_dir.hpp"
#include "ganrig/train/trainer.hpp"

namespace fs = std::filesystem;

namespace ganrig::cli {

namespace {

std::string toml_string_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", \"" : "\"") + items[i] + "\"";
  return out + "]";
}

}  // namespace

int eval(const EvalCommand& command) {
  const auto [checkpoint, run] = checkpoint_target(command.target);  // inference.hpp
  // The run's own resolved config, or (a loose file) the config stored in the checkpoint.
  fs::path config_file = run.empty() ? fs::path() : run / "config.resolved.toml";
  if (config_file.empty() || !fs::exists(config_file)) {
    config_file = fs::temp_directory_path() / fmt::format("ganrig-eval-{}.toml", ::getpid());
    std::ofstream(config_file) << read_checkpoint_config(checkpoint);
  }
  ExperimentOptions options;
  options.file = config_file;
  options.overrides = command.common.overrides;
  const auto metrics = split_metric_list(command.metrics);
  if (!metrics.empty()) options.overrides.push_back("eval.metrics=" + toml_string_array(metrics));
  if (command.max_real >= 0) options.overrides.push_back(fmt::format("eval.max_real={}", command.max_real));
  options.plugin_paths = command.common.plugin_paths;
  auto experiment = load_experiment(options);
  const EvalSettings settings = eval_settings(experiment->config);
  if (settings.metrics.empty())
    throw ConfigError("no metrics: pass --metric (e.g. --metric kid1k_incv3nsfw,fid1k_incv3nsfw) or set [eval] metrics");

  Models models = build_models(*experiment);
  const torch::Device device = resolve_device(experiment->config.table_at("exec")->get("device")->value_or<std::string>("cpu"));
  CheckpointParts parts;
  parts.generator_ema = models.generator_ema.get();
  Checkpoint(checkpoint, device).restore(parts);  // verified, straight onto the evaluating device
  const std::int64_t nimg = parts.state.count("cur_nimg") ? parts.state.at("cur_nimg").item<std::int64_t>() : 0;
  if (models.schedule)  // a progressive run: the generator as it was at that point of the schedule
    if (auto* growing = dynamic_cast<Growing*>(models.generator_ema.get())) {
      const ScheduleState st = checkpoint_growth(*models.schedule, parts.state);
      growing->set_growth(st.resolution, st.alpha);
    }
  models.generator_ema->to(device);

  Evaluator evaluator(experiment->registry, experiment->config, *models.dataset, settings, device);
  Progress progress("auto");
  std::cout << fmt::format("evaluating {} ({:.3f} kimg) on {}: {} images {}x{}\n", checkpoint.string(), nimg / 1000.0,
                           models.dataset->description(), models.dataset->size(),
                           models.dataset->shape().resolution, models.dataset->shape().resolution);
  const auto results = evaluator.evaluate(*models.generator_ema, [&](const std::string& s) { progress.live(s); });
  progress.line("");
  std::ofstream out;
  if (!run.empty() && !command.no_append) out.open(run / "metrics.jsonl", std::ios::app);
  for (const auto& r : results) {
    std::cout << summary(r) << "\n";
    nlohmann::json line = to_json(r);
    line["kimg"] = nimg / 1000.0;
    line["nimg"] = nimg;
    line["snapshot"] = checkpoint.filename().string();
    line["source"] = "ganrig eval";
    if (out) out << line.dump() << "\n";
  }
  std::cout << fmt::format("protocol: {}\n", results.front().protocol.dump());
  if (out) std::cout << fmt::format("appended to {}\n", (run / "metrics.jsonl").string());
  return 0;
}

}  // namespace ganrig::cli
