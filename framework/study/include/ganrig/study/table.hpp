#pragma once
// Paper tables: experiments/<paper>/tables/<id>.toml declares rows (experiments and seeds),
// columns (a metric with its selection, sec/kimg, peak memory, parameter counts) and the paper's
// reference values. `ganrig table ID` collects the runs into <id>.csv (committed) and renders the
// block between <!-- ganrig-table:ID --> markers in the paper's README from that CSV, so the
// README can be checked against the CSV anywhere, runs or not.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ganrig/schema.hpp"

namespace ganrig::study {

struct TableRow {
  std::string label;
  std::filesystem::path experiment;  // absolute
  std::vector<std::int64_t> seeds;
  std::vector<std::string> set;      // extra --set overrides
  std::map<std::string, std::string> paper;  // column label -> the paper's value as printed
  std::string bench_row;  // the row's name in the bench CSVs of bench columns (default: its label)
};

struct TableColumn {
  std::string label;
  // metric | sec_per_kimg (median tick) | wall_sec_per_kimg (whole run) | peak_rss_mib | params_G | params_D
  // | bench (a committed bench CSV: per row, the median over its repetitions, not over seeds)
  std::string source;
  std::string metric;   // source = metric: its name; field: "value" or e.g. "precision"
  std::string field = "value";
  std::string select = "final";  // final | best | kimg
  double kimg = 0;
  double scale = 1;
  int digits = 3;
  bool relative = false;  // show the % change against the first row (the paper's delta style)
  std::filesystem::path bench;                  // source = bench: the CSV (absolute)
  std::map<std::string, std::map<int, double>> bench_reps;  // source = bench: bench row -> repetition -> `field`
};

struct TableSpec {
  std::filesystem::path file, readme, csv;
  std::filesystem::path root;  // the source tree (commands in the README are relative to it)
  std::string id, title, note;
  std::vector<std::string> pareto;  // column labels: rows not dominated in them are marked (lower is better)
  std::vector<TableRow> rows;
  std::vector<TableColumn> columns;
};

TableSpec read_table(const std::filesystem::path& file);
// What a table file, each of its [[columns]] and each of its [[rows]] may hold.
Schema table_schema();
Schema table_column_schema();
Schema table_row_schema();
// experiments/*/tables/<id>.toml under `experiments`, or `id` itself when it is a file.
std::filesystem::path find_table(const std::string& id, const std::filesystem::path& experiments);

// One measured run: row label, seed, folder, commit, the sha256 of its science config (the
// resolved config without [exec], with this build's defaults for keys added since) and a value
// per column label (absent: none). `run` is the run's folder relative to the run root
// (<experiment>/<folder>); its record (config, stats, metrics) is committed under run_records_dir.
struct TableRecord {
  std::string row;
  std::int64_t seed = 0;
  std::string run, commit, config;
  std::map<std::string, double> values;
};
// Where `ganrig table` copies each run's config.resolved.toml, stats.jsonl and metrics.jsonl
// (<tables>/runs/<id>/<experiment>/<folder>/), so that the curves can be redrawn and --check can
// compare a row's config with the experiment file of today.
std::filesystem::path run_records_dir(const TableSpec& spec);
std::string to_csv(const TableSpec& spec, const std::vector<TableRecord>& records);
std::vector<TableRecord> read_csv(const TableSpec& spec);

// What a row shows in a column: the mean over the seeds that have a value and the half-width of its
// 95% confidence interval (n: those seeds); for a bench column, the bench's median (n = 1, no
// interval: the spread over repetitions is in the bench's own table).
struct ColumnValue {
  double mean = 0, spread = 0;
  int n = 0;
};
ColumnValue column_value(const TableRow& row, const TableColumn& column, const std::vector<TableRecord>& records);
// Reads a bench CSV (row, rep, sec_per_iter, batch, peak_rss_mib, ...: tools/tables/cost_at_width.py)
// into `field` ("sec_per_kimg" or "peak_rss_mib") per row and repetition; `where` locates the key.
std::map<std::string, std::map<int, double>> read_bench(const std::filesystem::path& csv, const std::string& field,
                                                        const std::string& where);
// The median of a bench column's `field` over the repetitions of `bench_row`; none when not benched.
std::optional<double> bench_median(const TableColumn& column, const std::string& bench_row);
// The bench row a table row reads: its bench_row, or its label.
const std::string& bench_key(const TableRow& row);
// A bench column's change of `row` against `first` in %: the median over the repetitions both have
// of the change within a repetition (the bench interleaves its rows, so a slow spell of the machine
// hits both processes of a repetition); none when they share no repetition.
std::optional<double> paired_change(const TableColumn& column, const TableRow& row, const TableRow& first);

// The Markdown block (with its markers) rendered from the records.
// Where `ganrig table` writes the comparison page of a table's runs (next to its CSV).
std::filesystem::path report_page_of(const TableSpec& spec);
std::string render_table(const TableSpec& spec, const std::vector<TableRecord>& records);
// Labels of the rows no other row dominates in spec.pareto's columns (means over seeds).
std::set<std::string> pareto_front(const TableSpec& spec, const std::vector<TableRecord>& records);
// Replaces (or appends) the block in the README text.
std::string replace_block(const std::string& readme_text, const std::string& id, const std::string& block);
// The block currently in the README, or nullopt.
std::optional<std::string> current_block(const std::string& readme_text, const std::string& id);

}  // namespace ganrig::study
