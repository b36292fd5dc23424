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

// The science config of a run's config.resolved.toml with this build's defaults for keys added
// since it was written (so an earlier run of the same experiment still matches); text this build
// cannot validate stays as it is.
std::string science_as_now(const std::string& resolved_toml, const Registry& registry);
// The science config a row's experiment gives today, written the way science_as_now writes a run's
// (both through the same parse and validation, so an empty table such as PGGAN's [schedule.batch]
// compares equal however it was written).
std::string science_of(const Experiment& experiment);
// [exec] precision of a run's resolved config, and of a row's experiment ("fp32" where unset). Not
// part of the science config (a checkpoint may resume in another precision), but it changes the
// numbers a table reports: a row takes only runs made in its own precision.
std::string precision_as_now(const std::string& resolved_toml, const Registry& registry);
std::string precision_of(const Experiment& experiment);
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
