#include "ganrig/study/table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "ganrig/document.hpp"
#include "ganrig/error.hpp"
#include "ganrig/toml_file.hpp"
#include "ganrig/text.hpp"

namespace fs = std::filesystem;

namespace ganrig::study {

namespace {

std::string cell_text(const toml::node& node) {
  if (node.is_string()) return node.as_string()->get();
  std::ostringstream out;
  node.visit([&](auto&& v) { out << v; });
  return out.str();
}

std::optional<double> parse_number(std::string text) {
  // The paper's "−23.6 %" (Unicode minus) or "+11.01%".
  const std::string minus = "\xE2\x88\x92";
  for (std::size_t at; (at = text.find(minus)) != std::string::npos;) text.replace(at, minus.size(), "-");
  text.erase(std::remove_if(text.begin(), text.end(), [](char c) { return c == '%' || c == ' ' || c == '+'; }),
             text.end());
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

std::string relative_link(const fs::path& target, const fs::path& from_folder) {
  return fs::relative(target, from_folder).generic_string();
}

TableColumn read_column(const fs::path& file, const toml::table& entry) {
  const CheckedTable checked(file, entry, table_column_schema(), "table column");
  const ConfigView& v = checked.view();
  TableColumn col;
  col.label = v.string("label");
  col.source = v.string("source");
  col.metric = v.string("metric");
  if (col.source == "metric" && col.metric.empty())
    throw ConfigError(fmt::format("{}: source = \"metric\" needs metric = \"<name>\" (e.g. \"fid5k_incv3nsfw\")",
                                  checked.where("source")));
  col.field = v.string("field");
  col.select = v.string("select");
  col.kimg = v.real("kimg");
  col.scale = v.real("scale");
  col.digits = static_cast<int>(v.integer("digits"));
  col.relative = v.boolean("relative");
  if (col.source == "bench") {
    if (v.string("bench").empty())
      throw ConfigError(fmt::format("{}: source = \"bench\" needs bench = \"<CSV of tools/tables/cost_at_width.py>\"",
                                    checked.where("source")));
    if (col.field != "sec_per_kimg" && col.field != "peak_rss_mib")
      throw ConfigError(fmt::format("{}: with source = \"bench\", field is \"sec_per_kimg\" or \"peak_rss_mib\", not "
                                    "\"{}\"", checked.where(entry.contains("field") ? "field" : "source"), col.field));
    col.bench = fs::weakly_canonical(fs::absolute(file).parent_path() / v.string("bench"));
    col.bench_reps = read_bench(col.bench, col.field, checked.where("bench"));
  }
  return col;
}

TableRow read_row(const fs::path& file, const fs::path& folder, const toml::table& entry,
                  const std::vector<TableColumn>& columns) {
  std::set<std::string> labels;
  for (const auto& c : columns) labels.insert(c.label);
  const CheckedTable checked(file, entry, table_row_schema(), "table row");
  const ConfigView& v = checked.view();
  TableRow row;
  row.label = v.string("label");
  row.experiment = fs::weakly_canonical(folder / v.string("experiment"));
  if (!fs::exists(row.experiment))
    throw ConfigError(fmt::format("{}: experiment {} does not exist", checked.where("experiment"), row.experiment.string()));
  row.seeds = v.integers("seeds");
  if (row.seeds.empty()) row.seeds = {0};
  row.set = v.strings("set");
  if (const auto* paper = entry.get_as<toml::table>("paper"))  // the file's nodes: positions intact
    for (const auto& [key, value] : *paper) {
      if (!labels.count(std::string(key.str())))
        throw ConfigError(fmt::format("{}: paper value for '{}', which is not a column label{}", toml_where(file, value),
                                      key.str(), did_you_mean(std::string(key.str()), {labels.begin(), labels.end()})));
      row.paper[std::string(key.str())] = cell_text(value);
    }
  // A bench row named on purpose must exist; a row whose label is not benched shows "-".
  row.bench_row = v.string("bench_row");
  for (const auto& c : columns)
    if (!row.bench_row.empty() && c.source == "bench" && !c.bench_reps.count(row.bench_row)) {
      std::vector<std::string> known;
      for (const auto& [name, reps] : c.bench_reps) known.push_back(name);
      throw ConfigError(fmt::format("{}: no row '{}' in {}{}; its rows: {}", checked.where("bench_row"), row.bench_row,
                                    c.bench.string(), did_you_mean(row.bench_row, known), join(known, ", ")));
    }
  return row;
}

}  // namespace

Schema table_schema() {
  Schema s;
  s.required("title", ValueType::String, "Heading of the rendered table.");
  s.string("note", "", "Text under the table (what differs from the paper, hardware).");
  s.string("readme", "../README.md", "The README holding the table's block, relative to the table file.");
  s.strings("pareto", {}, "Column labels (lower is better in each): rows no other row beats in all of them are marked ★.");
  s.table_array("rows", "[[rows]]: one experiment each (see table rows).");
  s.table_array("columns", "[[columns]]: one measured value each (see table columns).");
  return s;
}

Schema table_column_schema() {
  Schema s;
  s.required("label", ValueType::String, "Column heading; rows' `paper` values refer to it.");
  s.required("source", ValueType::String, "Where the value comes from.")
      .one_of({"metric", "sec_per_kimg", "wall_sec_per_kimg", "peak_rss_mib", "params_G", "params_D", "bench"});
  s.string("metric", "", "With source = \"metric\": the metric's name in metrics.jsonl.");
  s.string("field", "value",
           "Which number of the metric (\"value\", \"noise_floor\": the real-vs-real value of the same run, "
           "\"precision\", \"recall\", ...; with source = \"bench\": \"sec_per_kimg\" or \"peak_rss_mib\").");
  s.string("bench", "",
           "With source = \"bench\": a CSV of tools/tables/cost_at_width.py --csv, relative to the table file; the "
           "cell is the median over the row's repetitions (runs that share a machine cannot time themselves).");
  s.string("select", "final", "Which evaluation: the last, the best, or the one at `kimg`.").one_of({"final", "best", "kimg"});
  s.real("kimg", 0.0, "With select = \"kimg\": the evaluation at this kimg.").at_least(0);
  s.real("scale", 1.0, "Multiplier applied before printing (e.g. 1000 for KID x 10^3).");
  s.integer("digits", 3, "Decimal places printed.").range(0, 12);
  s.boolean("relative", false,
            "Print the change against the first row in % (the paper's delta style); with source = \"bench\": the "
            "median over repetitions of the change within a repetition (the bench interleaves its rows).");
  return s;
}

Schema table_row_schema() {
  Schema s;
  s.required("label", ValueType::String, "Row heading.");
  s.required("experiment", ValueType::String, "The row's experiment file, relative to the table file.");
  s.integers("seeds", {}, "Seeds whose runs are averaged; empty: seed 0.").at_least(0);
  s.strings("set", {}, "Extra --set overrides for this row.");
  s.table("paper", "The paper's value per column label, as printed (\"-23.6 %\").");
  s.string("bench_row", "", "The row's name in the bench CSVs of source = \"bench\" columns; empty: its label.");
  return s;
}

TableSpec read_table(const fs::path& file) {
  const toml::table root = read_toml_file(file);
  const CheckedTable checked(file, root, table_schema(), "table");
  const ConfigView& v = checked.view();
  TableSpec t;
  t.file = fs::absolute(file);
  t.id = file.stem().string();
  t.title = v.string("title");
  t.note = v.string("note");
  t.readme = fs::weakly_canonical(t.file.parent_path() / v.string("readme"));
  t.csv = t.file.parent_path() / (t.id + ".csv");
  // <root>/experiments/<paper>/tables/<id>.toml: commands in the README are run from <root>.
  t.root = t.file.parent_path().parent_path().parent_path().parent_path();
  const auto* rows = root.get_as<toml::array>("rows");
  const auto* columns = root.get_as<toml::array>("columns");
  if (!rows || rows->empty() || !columns || columns->empty())
    throw ConfigError(fmt::format("{}: a table needs [[rows]] and [[columns]]", checked.where("")));
  for (const auto& node : *columns) t.columns.push_back(read_column(file, *node.as_table()));
  std::set<std::string> labels;
  for (const auto& c : t.columns) labels.insert(c.label);
  for (const auto& node : *rows) t.rows.push_back(read_row(file, t.file.parent_path(), *node.as_table(), t.columns));
  t.pareto = v.strings("pareto");
  for (const auto& label : t.pareto)
    if (!labels.count(label))
      throw ConfigError(fmt::format("{}: '{}' is not a column label{}", checked.where("pareto"), label,
                                    did_you_mean(label, {labels.begin(), labels.end()})));
  return t;
}

fs::path find_table(const std::string& id, const fs::path& experiments) {
  if (fs::exists(id) && fs::is_regular_file(id)) return id;
  std::vector<std::string> known;
  for (const auto& e : fs::recursive_directory_iterator(experiments))
    if (e.path().parent_path().filename() == "tables" && e.path().extension() == ".toml") {
      if (e.path().stem() == id) return e.path();
      known.push_back(e.path().stem().string());
    }
  throw ConfigError(fmt::format("no table '{}' under {}/*/tables/{}; known: {}", id, experiments.string(),
                                did_you_mean(id, known), join(known, ", ")));
}

namespace {

bool has_paper(const TableSpec& spec, const TableColumn& c) {
  for (const auto& r : spec.rows)
    if (r.paper.count(c.label)) return true;
  return false;
}

// The heading line and the rule under it.
std::string header(const TableSpec& spec) {
  std::string head = "| row | seeds |", rule = "|---|---|";
  for (const auto& c : spec.columns) {
    head += " " + c.label + (c.relative ? " (vs first row)" : "") + " |";
    rule += "---|";
    if (has_paper(spec, c)) {
      head += " paper | Δ |";
      rule += "---|---|";
    }
  }
  return head + "\n" + rule + "\n";
}

// One column's cells of a row: ours (mean ± spread, or % vs the first row), then the paper's value
// and the difference when the table has paper values for the column.
std::string cells(const TableSpec& spec, const TableRow& row, const TableColumn& c,
                  const std::vector<TableRecord>& records) {
  const ColumnValue s = column_value(row, c, records);
  std::optional<double> ours;
  if (s.n > 0 && c.relative && c.source == "bench") {
    ours = paired_change(c, row, spec.rows.front());
  } else if (s.n > 0 && c.relative) {
    const ColumnValue first = column_value(spec.rows.front(), c, records);
    if (first.n > 0 && first.mean != 0) ours = (s.mean / first.mean - 1.0) * 100.0;
  } else if (s.n > 0) {
    ours = s.mean * c.scale;
  }
  std::string text = s.n > 0 || c.source == "bench" ? "-" : "missing";
  if (ours) {
    text = c.relative ? fmt::format("{:+.{}f}%", *ours, 1) : fmt::format("{:.{}f}", *ours, c.digits);
    // No "± 0" on values every seed shares (parameter counts); a spread that rounds to 0 is printed.
    if (!c.relative && s.n > 1 && s.spread > 0) text += fmt::format(" ± {:.{}f}", s.spread * c.scale, c.digits);
  }
  std::string out = " " + text + " |";
  if (!has_paper(spec, c)) return out;
  const std::string paper = row.paper.count(c.label) ? row.paper.at(c.label) : "";
  std::string delta;
  const auto p = parse_number(paper);
  if (ours && p) delta = c.relative ? fmt::format("{:+.1f} pp", *ours - *p) : fmt::format("{:+.{}f}", *ours - *p, c.digits);
  return out + " " + (paper.empty() ? "-" : paper) + " | " + (delta.empty() ? "-" : delta) + " |";
}

// `text` as one shell word: single-quoted when it holds anything a shell would split or expand.
std::string shell_word(const std::string& text) {
  if (text.find_first_of(" \t\"'{}[]$*?;&|<>()`\\!#~") == std::string::npos) return text;
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// Seeds of `row` found among the records; the command of each missing one goes to `missing`.
int seeds_present(const TableSpec& spec, const TableRow& row, const std::vector<TableRecord>& records,
                  std::vector<std::string>& missing) {
  int present = 0;
  for (auto seed : row.seeds) {
    bool found = false;
    for (const auto& r : records) found |= r.row == row.label && r.seed == seed;
    if (found) {
      ++present;
      continue;
    }
    std::string cmd = "ganrig train " + fs::relative(row.experiment, spec.root).generic_string();
    for (const auto& s : row.set) cmd += " --set " + shell_word(s);
    cmd += fmt::format(" --set experiment.seed={}", seed);
    missing.push_back(fmt::format("- {} (seed {}): `{}`", row.label, seed, cmd));
  }
  return present;
}

}  // namespace

fs::path report_page_of(const TableSpec& spec) { return spec.csv.parent_path() / (spec.id + "-report.html"); }

std::string render_table(const TableSpec& spec, const std::vector<TableRecord>& records) {
  const fs::path readme_folder = spec.readme.parent_path();
  std::ostringstream out;
  out << "<!-- ganrig-table:" << spec.id << " -->\n";
  out << "**" << spec.title << "** (`ganrig table " << spec.id << "`, data: ["
      << relative_link(spec.csv, readme_folder) << "](" << relative_link(spec.csv, readme_folder) << ")";
  // The runs' comparison page (curves, config differences, cost), when `ganrig table` wrote one.
  const fs::path page = report_page_of(spec);
  if (fs::exists(page)) out << ", runs compared: [" << relative_link(page, readme_folder) << "](" << relative_link(page, readme_folder) << ")";
  out << ")\n\n";
  out << header(spec);
  std::vector<std::string> missing;
  std::set<std::string> commits;
  for (const auto& r : records) commits.insert(r.commit.substr(0, 10));
  const std::set<std::string> front = pareto_front(spec, records);
  for (const auto& row : spec.rows) {
    const int present = seeds_present(spec, row, records, missing);
    out << "| [" << row.label << "](" << relative_link(row.experiment, readme_folder) << ")"
        << (front.count(row.label) ? " ★" : "") << " | " << present << "/" << row.seeds.size() << " |";
    for (const auto& c : spec.columns) out << cells(spec, row, c, records);
    out << "\n";
  }
  out << "\n";
  if (!spec.note.empty()) out << spec.note << "\n\n";
  if (!spec.pareto.empty())
    out << "★: on the Pareto front of " << join(spec.pareto, " and ")
        << " (no other row is at most as large in each and smaller in one; means over seeds).\n\n";
  out << "Mean ± half-width of the 95% confidence interval over seeds (Student's t). Runs at commit "
      << (commits.empty() ? std::string("-") : join({commits.begin(), commits.end()}, ", "))
      << "; each run's config, stats and metrics are in [" << relative_link(run_records_dir(spec), readme_folder) << "]("
      << relative_link(run_records_dir(spec), readme_folder) << "), and `ganrig table " << spec.id
      << " --check` fails when a row's config is not its experiment file's today.\n";
  if (!missing.empty()) {
    out << "\nMissing runs (run them, then `ganrig table " << spec.id << "`):\n";
    for (const auto& m : missing) out << m << "\n";
  }
  out << "<!-- /ganrig-table:" << spec.id << " -->\n";
  return out.str();
}

std::optional<std::string> current_block(const std::string& text, const std::string& id) {
  const std::string begin = "<!-- ganrig-table:" + id + " -->", end = "<!-- /ganrig-table:" + id + " -->\n";
  const auto a = text.find(begin);
  if (a == std::string::npos) return std::nullopt;
  const auto b = text.find(end, a);
  if (b == std::string::npos) return std::nullopt;
  return text.substr(a, b + end.size() - a);
}

std::string replace_block(const std::string& text, const std::string& id, const std::string& block) {
  const auto old = current_block(text, id);
  if (!old) return text + (text.empty() || text.back() == '\n' ? "\n" : "\n\n") + block;
  const auto at = text.find(*old);
  return text.substr(0, at) + block + text.substr(at + old->size());
}

}  // namespace ganrig::study
