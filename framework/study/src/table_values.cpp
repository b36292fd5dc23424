// What a table row shows in a column: the mean and 95% interval over the row's seeds, or, for a
// bench column, the median over the repetitions of the row in a committed bench CSV (and its change
// against the first row paired by repetition). Costs come from a bench because runs that share a
// machine time each other, not themselves.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <utility>

#include "csv_cells.hpp"
#include "ganrig/error.hpp"
#include "ganrig/study/run_index.hpp"
#include "ganrig/study/table.hpp"
#include "ganrig/text.hpp"

namespace fs = std::filesystem;

namespace ganrig::study {

namespace {

// Student's t quantile t(0.975, n - 1) for n seeds (the normal's 1.96 beyond 30).
double t_975(int n) {
  static const double table[] = {0,      0,      12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262,
                                 2.228,  2.201,  2.179,  2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                 2.080,  2.074,  2.069,  2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  return n < static_cast<int>(sizeof(table) / sizeof(table[0])) ? table[n] : 1.96;
}

std::size_t index_of(const std::vector<std::string>& header, const std::string& name, const fs::path& csv,
                     const std::string& where) {
  const auto at = std::find(header.begin(), header.end(), name);
  if (at == header.end())
    throw ConfigError(fmt::format("{}: {} has no '{}' column (header: {}); expected a CSV of "
                                  "tools/tables/cost_at_width.py --csv",
                                  where, csv.string(), name, join(header, ",")));
  return static_cast<std::size_t>(at - header.begin());
}

}  // namespace

std::map<std::string, std::map<int, double>> read_bench(const fs::path& csv, const std::string& field,
                                                        const std::string& where) {
  std::ifstream in(csv);
  if (!in) throw ConfigError(fmt::format("{}: bench CSV {} does not exist or cannot be read", where, csv.string()));
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> header = csv_cells(line);
  const std::size_t row = index_of(header, "row", csv, where), rep = index_of(header, "rep", csv, where);
  const bool per_kimg = field == "sec_per_kimg";
  const std::size_t value = index_of(header, per_kimg ? "sec_per_iter" : field, csv, where);
  const std::size_t batch = per_kimg ? index_of(header, "batch", csv, where) : 0;
  std::map<std::string, std::map<int, double>> reps;
  for (int number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    const std::vector<std::string> cells = csv_cells(line);
    try {
      if (cells.size() != header.size()) throw std::invalid_argument("cell count");
      const double v = std::stod(cells.at(value));
      reps[cells.at(row)][std::stoi(cells.at(rep))] = per_kimg ? v * 1000.0 / std::stod(cells.at(batch)) : v;
    } catch (const std::exception&) {
      throw ConfigError(fmt::format("{}: {}:{}: expected {} cells with numbers in 'rep' and '{}'{}", where, csv.string(),
                                    number, header.size(), header[value], per_kimg ? " and 'batch'" : ""));
    }
  }
  return reps;
}

const std::string& bench_key(const TableRow& row) { return row.bench_row.empty() ? row.label : row.bench_row; }

std::optional<double> bench_median(const TableColumn& column, const std::string& bench_row) {
  const auto at = column.bench_reps.find(bench_row);
  if (at == column.bench_reps.end()) return std::nullopt;
  std::vector<double> values;
  for (const auto& [rep, value] : at->second) values.push_back(value);
  return median(std::move(values));
}

std::optional<double> paired_change(const TableColumn& column, const TableRow& row, const TableRow& first) {
  const auto ours = column.bench_reps.find(bench_key(row)), theirs = column.bench_reps.find(bench_key(first));
  if (ours == column.bench_reps.end() || theirs == column.bench_reps.end()) return std::nullopt;
  std::vector<double> ratios;
  for (const auto& [rep, value] : ours->second) {
    const auto base = theirs->second.find(rep);
    if (base != theirs->second.end() && base->second != 0) ratios.push_back(value / base->second);
  }
  if (ratios.empty()) return std::nullopt;
  return (median(ratios) - 1.0) * 100.0;
}

ColumnValue column_value(const TableRow& row, const TableColumn& column, const std::vector<TableRecord>& records) {
  ColumnValue s;
  if (column.source == "bench") {
    if (const auto m = bench_median(column, bench_key(row))) s.mean = *m, s.n = 1;
    return s;
  }
  std::vector<double> v;
  for (const auto& r : records)
    if (r.row == row.label && r.values.count(column.label)) v.push_back(r.values.at(column.label));
  s.n = static_cast<int>(v.size());
  if (v.empty()) return s;
  for (double x : v) s.mean += x;
  s.mean /= v.size();
  for (double x : v) s.spread += (x - s.mean) * (x - s.mean);
  s.spread = v.size() > 1 ? t_975(s.n) * std::sqrt(s.spread / (v.size() - 1)) / std::sqrt(static_cast<double>(s.n)) : 0;
  return s;
}

}  // namespace ganrig::study
