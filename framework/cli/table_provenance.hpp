#pragma once
// Where a table's numbers came from: each row's runs, their science configs (the resolved config
// without [exec]) and the records `ganrig table` commits next to the CSV, and the check that a
// committed row still belongs to its experiment file.
#include <filesystem>
#include <string>
#include <vector>

#include "ganrig/registry.hpp"
#include "ganrig/study/table.hpp"
#include "ganrig/train/experiment.hpp"

namespace ganrig::cli {

// What ties a run to a table row: its science config (the resolved config without [exec]) and its
// [exec] precision ("fp32" where unset). Precision is not part of the science config (a checkpoint
// may resume in another precision), but it changes the numbers a table reports: a row takes only
// runs made in its own precision.
struct RunIdentity {
  std::string science, precision;
  bool operator==(const RunIdentity& other) const { return science == other.science && precision == other.precision; }
};
// The identity of a run's config.resolved.toml with this build's defaults for keys added since it
// was written (so an earlier run of the same experiment still matches); text this build cannot
// validate stays as it is.
RunIdentity identity_as_now(const std::string& resolved_toml, const Registry& registry);
// The identity a row's experiment gives today, written the way identity_as_now writes a run's (both
// through the same parse and validation, so an empty table such as PGGAN's [schedule.batch]
// compares equal however it was written).
RunIdentity identity_of(const Experiment& experiment);
// sha256 of a science config, as the CSV's "config" cell (16 hex digits).
std::string config_hash(const std::string& science);
// The experiment of `row` at `seed`, as `ganrig train` would load it.
std::unique_ptr<Experiment> row_experiment(const study::TableRow& row, std::int64_t seed,
                                           const std::vector<std::filesystem::path>& plugin_paths);
// Copies the run's config.resolved.toml, stats.jsonl and metrics.jsonl under the table's run records.
void commit_run_record(const study::TableSpec& spec, const std::filesystem::path& run_dir, const std::string& relative);
// One line per committed row whose record is missing, whose hash is not its record's, or whose
// config differs from its experiment file today (with the first differing key); empty: all match.
std::vector<std::string> provenance_problems(const study::TableSpec& spec, const std::vector<study::TableRecord>& records,
                                             const std::vector<std::filesystem::path>& plugin_paths);

}  // namespace ganrig::cli
