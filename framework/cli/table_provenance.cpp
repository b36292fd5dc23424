#include "table_provenance.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "ganrig/config.hpp"
#include "ganrig/error.hpp"
#include "ganrig/run_dir.hpp"
#include "ganrig/sha256.hpp"
#include "ganrig/toml_file.hpp"
#include "ganrig/train/config_upgrade.hpp"

namespace fs = std::filesystem;

namespace ganrig::cli {

namespace {

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// "[train] total_kimg: run has '... = 1', the experiment '... = 5'": the first line that differs,
// with the table heading it sits under.
std::string first_difference(const std::string& run, const std::string& now) {
  std::istringstream a(run), b(now);
  std::string la, lb, section;
  while (true) {
    const bool ra = static_cast<bool>(std::getline(a, la)), rb = static_cast<bool>(std::getline(b, lb));
    if (!ra && !rb) return "";
    if (ra && rb && la == lb) {
      if (!la.empty() && la.front() == '[') section = la;
      continue;
    }
    return fmt::format("under {}: the run has '{}', the experiment file today '{}'", section.empty() ? "the top" : section,
                       ra ? la : "(end)", rb ? lb : "(end)");
  }
}

}  // namespace

RunIdentity identity_as_now(const std::string& resolved_toml, const Registry& registry) {
  const std::string now = config_as_now(resolved_toml, registry);  // the validation: once per run
  const toml::table root = parse_toml_bounded(now, "config.resolved.toml");
  return {science_config(now), root["exec"]["precision"].value_or(std::string("fp32"))};
}

RunIdentity identity_of(const Experiment& experiment) {
  return identity_as_now(to_toml(experiment.config, false), experiment.registry);
}

std::string config_hash(const std::string& science) { return sha256_text(science).substr(0, 16); }

std::unique_ptr<Experiment> row_experiment(const study::TableRow& row, std::int64_t seed,
                                           const std::vector<fs::path>& plugin_paths) {
  ExperimentOptions options;
  options.file = row.experiment;
  options.overrides = row.set;
  options.overrides.push_back(fmt::format("experiment.seed={}", seed));
  options.plugin_paths = plugin_paths;
  return load_experiment(options);
}

void commit_run_record(const study::TableSpec& spec, const fs::path& run_dir, const std::string& relative) {
  const fs::path target = study::run_records_dir(spec) / relative;
  fs::create_directories(target);
  for (const char* name : {"config.resolved.toml", "stats.jsonl", "metrics.jsonl"})
    if (fs::exists(run_dir / name)) fs::copy_file(run_dir / name, target / name, fs::copy_options::overwrite_existing);
}

std::vector<std::string> provenance_problems(const study::TableSpec& spec, const std::vector<study::TableRecord>& records,
                                             const std::vector<fs::path>& plugin_paths) {
  std::vector<std::string> problems;
  for (const auto& record : records) {
    const std::string who = fmt::format("{}: row '{}' seed {} ({})", spec.csv.filename().string(), record.row, record.seed,
                                        record.run);
    const study::TableRow* row = nullptr;
    for (const auto& r : spec.rows) row = r.label == record.row ? &r : row;
    if (!row) {
      problems.push_back(fmt::format("{}: the table has no such row any more", who));
      continue;
    }
    const fs::path committed = study::run_records_dir(spec) / record.run / "config.resolved.toml";
    if (record.config.empty() || !fs::exists(committed)) {
      problems.push_back(fmt::format("{}: no config recorded (no {}): a row from before tables recorded their runs", who,
                                     fs::relative(committed, spec.root).generic_string()));
      continue;
    }
    const auto experiment = row_experiment(*row, record.seed, plugin_paths);
    const RunIdentity run = identity_as_now(read_text(committed), experiment->registry);
    const RunIdentity now = identity_of(*experiment);
    if (config_hash(run.science) != record.config)
      problems.push_back(fmt::format("{}: the CSV's config {} is not the committed run's ({})", who, record.config,
                                     config_hash(run.science)));
    else if (run.science != now.science)
      problems.push_back(fmt::format("{}: came from another config than {} today ({})", who,
                                     fs::relative(row->experiment, spec.root).generic_string(),
                                     first_difference(run.science, now.science)));
    else if (run.precision != now.precision)
      problems.push_back(fmt::format("{}: ran in [exec] precision \"{}\", the row asks for \"{}\"", who, run.precision,
                                     now.precision));
  }
  return problems;
}

}  // namespace ganrig::cli
