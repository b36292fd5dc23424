#pragma once
// What the run folders under a run root hold, read back for sweeps, tables and comparisons:
// runs/<experiment>/<NNNNN>-<desc>/ with config.resolved.toml, stats.jsonl, metrics.jsonl,
// env.json and checkpoints/snapshot-<nimg>.pt.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ganrig::study {

struct RunInfo {
  std::filesystem::path dir;
  std::string experiment;   // the folder above (the experiment's name)
  std::string desc;         // the folder name without its NNNNN- number
  std::int64_t seed = 0;
  double total_kimg = 0;
  std::int64_t last_nimg = 0;  // of the newest checkpoint (0: none)
  bool finished = false;       // the newest checkpoint reached total_kimg
  std::string config_text;     // config.resolved.toml
  std::string git_commit;      // from env.json ("" when unknown)
  std::vector<nlohmann::json> stats, metrics;
};

RunInfo read_run(const std::filesystem::path& dir);
// Every run folder of `experiment` under `root` (sorted by folder name).
std::vector<RunInfo> runs_of(const std::filesystem::path& root, const std::string& experiment);
// The run folder of `experiment` whose name is <NNNNN>-<desc> (the newest when several), or empty.
std::filesystem::path find_run(const std::filesystem::path& root, const std::string& experiment, const std::string& desc);

// Median sec/kimg over the ticks (the first tick, warm-up, left out when there are more).
// The median of `values` (the mean of the middle two for an even count; 0 when empty).
double median(std::vector<double> values);
double median_sec_per_kimg(const RunInfo& run);
double peak_rss_mib(const RunInfo& run);
// Training seconds per kimg over the whole run: (total_seconds - eval_seconds_total) / kimg of the
// last tick (samples and checkpoints included, metric evaluations not).
double wall_sec_per_kimg(const RunInfo& run);

}  // namespace ganrig::study
