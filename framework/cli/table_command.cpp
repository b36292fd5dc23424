// ganrig table ID: collects the runs of a paper table into its CSV (one line per run: its folder,
// commit, config hash and every column's value), its curves CSV (metric values per kimg, for plots)
// and the runs' records (config, stats, metrics; committed), then renders the README block from the
// CSV. --check compares the README block with the rendering of the committed CSV and each row's
// recorded config with its experiment file today.
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "ganrig/train/report_page.hpp"
#include "ganrig/error.hpp"
#include "ganrig/study/run_index.hpp"
#include "ganrig/study/table.hpp"
#include "ganrig/atomic_file.hpp"
#include "ganrig/train/experiment.hpp"
#include "ganrig/run_dir.hpp"
#include "table_provenance.hpp"

namespace fs = std::filesystem;

namespace ganrig::cli {

namespace {

std::optional<double> metric_value(const study::RunInfo& run, const study::TableColumn& c) {
  std::optional<double> chosen;
  double chosen_kimg = 0;
  for (const auto& m : run.metrics) {
    if (m.value("metric", "") != c.metric || m.contains("source")) continue;  // training evaluations only
    // "noise_floor": the metric between two halves of the real images, measured with the run.
    const nlohmann::json none;
    const nlohmann::json v = c.field == "value"         ? m.value("value", none)
                             : c.field == "noise_floor" ? m.value("noise_floor", nlohmann::json::object()).value("value", none)
                                                        : m.value("values", nlohmann::json::object()).value(c.field, none);
    if (!v.is_number()) continue;
    const double value = v.get<double>(), kimg = m.value("kimg", 0.0);
    if (c.select == "final" && (!chosen || kimg >= chosen_kimg)) chosen = value, chosen_kimg = kimg;
    if (c.select == "best" && (!chosen || value < *chosen)) chosen = value;
    if (c.select == "kimg" && kimg + 1e-9 >= c.kimg && (!chosen || kimg < chosen_kimg)) chosen = value, chosen_kimg = kimg;
  }
  return chosen;
}

int check(const study::TableSpec& spec, const std::string& readme, const TableCommand& command) {
  const std::vector<study::TableRecord> records = study::read_csv(spec);
  const std::string expected = study::render_table(spec, records);
  const auto current = study::current_block(readme, spec.id);
  int status = 0;
  if (current && *current == expected) {
    std::cout << fmt::format("{}: the README block matches {}\n", spec.id, spec.csv.string());
  } else {
    std::cerr << fmt::format("{}: the block in {} {} what `ganrig table {}` renders from {}:\n{}", spec.id,
                             spec.readme.string(), current ? "differs from" : "is missing, unlike", spec.id,
                             spec.csv.string(), expected);
    status = 1;
  }
  const std::vector<std::string> problems = provenance_problems(spec, records, command.common.plugin_paths);
  for (const auto& p : problems) std::cerr << p << "\n";
  if (problems.empty())
    std::cout << fmt::format("{}: {} rows' configs are their experiment files' today\n", spec.id, records.size());
  else
    std::cerr << fmt::format("{}: rerun those rows (`ganrig table {}` lists the commands) and collect them again\n",
                             spec.id, spec.id);
  return problems.empty() ? status : 1;
}

}  // namespace

int table(const TableCommand& command) {
  const fs::path source = fs::path(GANRIG_SOURCE_DIR);
  const study::TableSpec spec = study::read_table(study::find_table(command.id, source / "experiments"));
  std::ifstream in(spec.readme);
  std::stringstream readme;
  readme << in.rdbuf();
  if (command.check) return check(spec, readme.str(), command);
  std::vector<study::TableRecord> records;
  std::ostringstream curves;
  curves << "row,seed,kimg,metric,value\n";
  std::vector<ReportRun> report_runs;
  for (const auto& row : spec.rows) {
    for (const auto seed : row.seeds) {
      auto experiment = row_experiment(row, seed, command.common.plugin_paths);
      const RunIdentity expected = identity_of(*experiment);
      // The newest finished run whose science config and precision are this row's, at this seed.
      std::optional<study::RunInfo> found;
      for (const auto& run : study::runs_of(command.run_root, experiment->name()))
        if (run.finished && identity_as_now(run.config_text, experiment->registry) == expected) found = run;
      if (!found) {
        std::cout << fmt::format("  {} seed {}: no finished {} run of this config in {}/{}\n", row.label, seed,
                                 expected.precision, command.run_root, experiment->name());
        continue;
      }
      const std::string relative = fs::relative(found->dir, command.run_root).generic_string();
      study::TableRecord record{row.label, seed, relative, found->git_commit, config_hash(expected.science), {}};
      commit_run_record(spec, found->dir, relative);
      std::optional<ParameterCounts> counts;
      for (const auto& c : spec.columns) {
        std::optional<double> v;
        if (c.source == "metric") v = metric_value(*found, c);
        if (c.source == "sec_per_kimg") v = study::median_sec_per_kimg(*found);
        if (c.source == "wall_sec_per_kimg") v = study::wall_sec_per_kimg(*found);
        if (c.source == "peak_rss_mib") v = study::peak_rss_mib(*found);
        if (c.source == "params_G" || c.source == "params_D") {
          if (!counts) counts = count_parameters(build_models(*experiment));
          v = static_cast<double>(c.source == "params_G" ? counts->generator : counts->discriminator_trainable);
        }
        if (v) record.values[c.label] = *v;
      }
      for (const auto& m : found->metrics)
        if (m.contains("value") && m["value"].is_number() && !m.contains("source"))
          curves << fmt::format("\"{}\",{},{},{},{:.9g}\n", row.label, seed, m.value("kimg", 0.0),
                                m.value("metric", ""), m["value"].get<double>());
      std::cout << fmt::format("  {} seed {}: {}\n", row.label, seed, found->dir.string());
      report_runs.push_back({found->dir, fmt::format("{} seed {}", row.label, seed)});
      records.push_back(record);
    }
  }
  write_file_atomic(spec.csv, study::to_csv(spec, records));
  write_file_atomic(spec.csv.parent_path() / (spec.id + "-curves.csv"), curves.str());
  if (!report_runs.empty()) write_report_page(report_runs, study::report_page_of(spec), spec.title);
  const std::string block = study::render_table(spec, study::read_csv(spec));
  write_file_atomic(spec.readme, study::replace_block(readme.str(), spec.id, block));
  std::cout << block << fmt::format("wrote {}, {} and the block in {}\n", spec.csv.string(),
                                    (spec.id + "-curves.csv"), spec.readme.string());
  return 0;
}

}  // namespace ganrig::cli
