// The rows of a table that no other row dominates in the columns of `pareto` (lower is better in
// each), on the means over seeds (a bench column: its median); rows without all of those values take
// no part.
#include <map>

#include "ganrig/study/table.hpp"

namespace ganrig::study {

namespace {

std::optional<std::vector<double>> means(const TableSpec& spec, const TableRow& row, const std::vector<TableRecord>& records) {
  std::vector<double> out;
  for (const auto& label : spec.pareto)
    for (const auto& column : spec.columns)
      if (column.label == label) {
        const ColumnValue value = column_value(row, column, records);
        if (value.n == 0) return std::nullopt;
        out.push_back(value.mean);
      }
  return out;
}

bool dominates(const std::vector<double>& a, const std::vector<double>& b) {
  bool smaller = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] > b[i]) return false;
    smaller |= a[i] < b[i];
  }
  return smaller;
}

}  // namespace

std::set<std::string> pareto_front(const TableSpec& spec, const std::vector<TableRecord>& records) {
  std::map<std::string, std::vector<double>> points;
  for (const auto& row : spec.rows)
    if (auto m = means(spec, row, records)) points[row.label] = *m;
  std::set<std::string> front;
  if (spec.pareto.empty()) return front;
  for (const auto& [label, p] : points) {
    bool dominated = false;
    for (const auto& [other, q] : points) dominated |= other != label && dominates(q, p);
    if (!dominated) front.insert(label);
  }
  return front;
}

}  // namespace ganrig::study
