// A table's CSV: one line per run (row, seed, run folder, commit, config hash, a cell per column).
#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "ganrig/error.hpp"
#include "csv_cells.hpp"
#include "ganrig/study/table.hpp"

namespace ganrig::study {

std::filesystem::path run_records_dir(const TableSpec& spec) { return spec.csv.parent_path() / "runs" / spec.id; }

std::string to_csv(const TableSpec& spec, const std::vector<TableRecord>& records) {
  std::ostringstream out;
  out << "row,seed,run,commit,config";
  for (const auto& c : spec.columns) out << "," << c.label;
  out << "\n";
  for (const auto& r : records) {
    out << '"' << r.row << "\"," << r.seed << "," << r.run << "," << r.commit << "," << r.config;
    for (const auto& c : spec.columns) {
      out << ",";
      if (r.values.count(c.label)) out << fmt::format("{:.9g}", r.values.at(c.label));
    }
    out << "\n";
  }
  return out.str();
}

std::vector<std::string> csv_cells(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  bool quoted = false;
  for (char ch : line) {
    if (ch == '"') quoted = !quoted;
    else if (ch == ',' && !quoted) cells.push_back(cell), cell.clear();
    else cell += ch;
  }
  cells.push_back(cell);
  return cells;
}

// Files written before tables recorded config hashes have no "config" cell: read as empty.
std::vector<TableRecord> read_csv(const TableSpec& spec) {
  std::vector<TableRecord> out;
  std::ifstream in(spec.csv);
  if (!in) return out;
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> header = csv_cells(line);
  const std::size_t fixed = header.size() > 4 && header[4] == "config" ? 5 : 4;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const std::vector<std::string> cells = csv_cells(line);
    if (cells.size() != fixed + spec.columns.size())
      throw Error(fmt::format("{}: a line has {} cells, the table has {} columns + {}", spec.csv.string(), cells.size(),
                              spec.columns.size(), fixed));
    TableRecord r{cells[0], std::stoll(cells[1]), cells[2], cells[3], fixed == 5 ? cells[4] : "", {}};
    for (std::size_t i = 0; i < spec.columns.size(); ++i)
      if (!cells[fixed + i].empty()) r.values[spec.columns[i].label] = std::stod(cells[fixed + i]);
    out.push_back(r);
  }
  return out;
}

}  // namespace ganrig::study
