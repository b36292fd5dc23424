#include "ganrig/study/table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "ganrig/error.hpp"
#include "ganrig/toml_file.hpp"
#include "ganrig/text.hpp"

namespace fs = std::filesystem;

namespace ganrig::study {

namespace {

void check_keys(const fs::path& file, const toml::table& t, const std::vector<std::string>& allowed,
                const std::string& what) {
  for (const auto& [key, node] : t)
    if (std::find(allowed.begin(), allowed.end(), std::string(key.str())) == allowed.end())
      throw ConfigError(fmt::format("{}: unknown {} key '{}'{}; allowed: {}", toml_where(file, node), what, key.str(),
                                    did_you_mean(std::string(key.str()), allowed), join(allowed, ", ")));
}

std::string required_string(const fs::path& file, const toml::table& t, const std::string& key) {
  const auto* v = t.get(key);
  if (!v || !v->is_string())
    throw ConfigError(fmt::format("{}: '{}' must be a string", v ? toml_where(file, *v) : toml_where(file, t), key));
  return v->as_string()->get();
}

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

}  // namespace

TableSpec read_table(const fs::path& file) {
  const toml::table root = read_toml_file(file);
  check_keys(file, root, {"title", "note", "readme", "rows", "columns"}, "table");
  TableSpec t;
  t.file = fs::absolute(file);
  t.id = file.stem().string();
  t.title = required_string(file, root, "title");
  t.note = root["note"].value_or<std::string>("");
  t.readme = fs::weakly_canonical(t.file.parent_path() / root["readme"].value_or<std::string>("../README.md"));
  t.csv = t.file.parent_path() / (t.id + ".csv");
  t.root = t.file.parent_path().parent_path().parent_path();  // experiments/<paper>/tables/ -> the source tree
  const auto* rows = root.get_as<toml::array>("rows");
  const auto* columns = root.get_as<toml::array>("columns");
  if (!rows || rows->empty() || !columns || columns->empty())
    throw ConfigError(fmt::format("{}: a table needs [[rows]] and [[columns]]", file.string()));
  for (const auto& node : *columns) {
    const auto* c = node.as_table();
    if (!c) throw ConfigError(fmt::format("{}: [[columns]] entries are tables", toml_where(file, node)));
    check_keys(file, *c, {"label", "source", "metric", "field", "select", "kimg", "scale", "digits", "relative"}, "column");
    TableColumn col;
    col.label = required_string(file, *c, "label");
    col.source = required_string(file, *c, "source");
    const std::vector<std::string> sources = {"metric", "sec_per_kimg", "wall_sec_per_kimg", "peak_rss_mib", "params_G",
                                              "params_D"};
    if (std::find(sources.begin(), sources.end(), col.source) == sources.end())
      throw ConfigError(fmt::format("{}: source must be one of {}", toml_where(file, *c->get("source")), join(sources, ", ")));
    if (col.source == "metric") col.metric = required_string(file, *c, "metric");
    col.field = (*c)["field"].value_or<std::string>("value");
    col.select = (*c)["select"].value_or<std::string>("final");
    if (col.select != "final" && col.select != "best" && col.select != "kimg")
      throw ConfigError(fmt::format("{}: select must be final, best or kimg", toml_where(file, *c->get("select"))));
    col.kimg = (*c)["kimg"].value_or(0.0);
    col.scale = (*c)["scale"].value_or(1.0);
    col.digits = static_cast<int>((*c)["digits"].value_or<std::int64_t>(3));
    col.relative = (*c)["relative"].value_or(false);
    t.columns.push_back(col);
  }
  std::set<std::string> labels;
  for (const auto& c : t.columns) labels.insert(c.label);
  for (const auto& node : *rows) {
    const auto* r = node.as_table();
    if (!r) throw ConfigError(fmt::format("{}: [[rows]] entries are tables", toml_where(file, node)));
    check_keys(file, *r, {"label", "experiment", "seeds", "set", "paper"}, "row");
    TableRow row;
    row.label = required_string(file, *r, "label");
    row.experiment = fs::weakly_canonical(t.file.parent_path() / required_string(file, *r, "experiment"));
    if (!fs::exists(row.experiment))
      throw ConfigError(fmt::format("{}: experiment {} does not exist", toml_where(file, *r->get("experiment")),
                                    row.experiment.string()));
    if (const auto* seeds = r->get_as<toml::array>("seeds"))
      for (const auto& s : *seeds) row.seeds.push_back(s.value_or<std::int64_t>(0));
    if (row.seeds.empty()) row.seeds = {0};
    if (const auto* set = r->get_as<toml::array>("set"))
      for (const auto& s : *set) row.set.push_back(s.value_or<std::string>(""));
    if (const auto* paper = r->get_as<toml::table>("paper"))
      for (const auto& [key, value] : *paper) {
        if (!labels.count(std::string(key.str())))
          throw ConfigError(fmt::format("{}: paper value for '{}', which is not a column label{}", toml_where(file, value),
                                        key.str(), did_you_mean(std::string(key.str()), {labels.begin(), labels.end()})));
        row.paper[std::string(key.str())] = cell_text(value);
      }
    t.rows.push_back(row);
  }
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

std::string to_csv(const TableSpec& spec, const std::vector<TableRecord>& records) {
  std::ostringstream out;
  out << "row,seed,run,commit";
  for (const auto& c : spec.columns) out << "," << c.label;
  out << "\n";
  for (const auto& r : records) {
    out << '"' << r.row << "\"," << r.seed << "," << r.run << "," << r.commit;
    for (const auto& c : spec.columns) {
      out << ",";
      if (r.values.count(c.label)) out << fmt::format("{:.9g}", r.values.at(c.label));
    }
    out << "\n";
  }
  return out.str();
}

std::vector<TableRecord> read_csv(const TableSpec& spec) {
  std::vector<TableRecord> out;
  std::ifstream in(spec.csv);
  if (!in) return out;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> cells;
    std::string cell;
    bool quoted = false;
    for (char ch : line) {
      if (ch == '"') quoted = !quoted;
      else if (ch == ',' && !quoted) cells.push_back(cell), cell.clear();
      else cell += ch;
    }
    cells.push_back(cell);
    if (cells.size() != 4 + spec.columns.size())
      throw Error(fmt::format("{}: a line has {} cells, the table has {} columns + 4", spec.csv.string(), cells.size(),
                              spec.columns.size()));
    TableRecord r{cells[0], std::stoll(cells[1]), cells[2], cells[3], {}};
    for (std::size_t i = 0; i < spec.columns.size(); ++i)
      if (!cells[4 + i].empty()) r.values[spec.columns[i].label] = std::stod(cells[4 + i]);
    out.push_back(r);
  }
  return out;
}

std::string render_table(const TableSpec& spec, const std::vector<TableRecord>& records) {
  struct Stat {
    double mean = 0, spread = 0;
    int n = 0;
  };
  auto stat = [&](const std::string& row, const std::string& col) {
    std::vector<double> v;
    for (const auto& r : records)
      if (r.row == row && r.values.count(col)) v.push_back(r.values.at(col));
    Stat s;
    s.n = static_cast<int>(v.size());
    if (v.empty()) return s;
    for (double x : v) s.mean += x;
    s.mean /= v.size();
    for (double x : v) s.spread += (x - s.mean) * (x - s.mean);
    s.spread = v.size() > 1 ? std::sqrt(s.spread / (v.size() - 1)) : 0;
    return s;
  };
  const fs::path readme_folder = spec.readme.parent_path();
  std::ostringstream out;
  out << "<!-- ganrig-table:" << spec.id << " -->\n";
  out << "**" << spec.title << "** (`ganrig table " << spec.id << "`, data: ["
      << relative_link(spec.csv, readme_folder) << "](" << relative_link(spec.csv, readme_folder) << "))\n\n";
  out << "| row | seeds |";
  std::string rule = "|---|---|";
  for (const auto& c : spec.columns) {
    bool has_paper = false;
    for (const auto& r : spec.rows) has_paper |= r.paper.count(c.label) > 0;
    out << " " << c.label << (c.relative ? " (vs first row)" : "") << " |";
    rule += "---|";
    if (has_paper) {
      out << " paper |" << " Δ |";
      rule += "---|---|";
    }
  }
  out << "\n" << rule << "\n";
  std::vector<std::string> missing;
  std::set<std::string> commits;
  for (const auto& r : records) commits.insert(r.commit.substr(0, 10));
  for (const auto& row : spec.rows) {
    int present = 0;
    for (auto seed : row.seeds) {
      bool found = false;
      for (const auto& r : records) found |= r.row == row.label && r.seed == seed;
      if (found) ++present;
      else {
        std::string cmd = "ganrig train " + fs::relative(row.experiment, spec.root).generic_string();
        for (const auto& s : row.set) cmd += " --set " + s;
        cmd += fmt::format(" --set experiment.seed={}", seed);
        missing.push_back(fmt::format("- {} (seed {}): `{}`", row.label, seed, cmd));
      }
    }
    out << "| [" << row.label << "](" << relative_link(row.experiment, readme_folder) << ") | " << present << "/"
        << row.seeds.size() << " |";
    for (const auto& c : spec.columns) {
      Stat s = stat(row.label, c.label);
      std::optional<double> ours;
      if (s.n > 0) {
        if (c.relative) {
          const Stat first = stat(spec.rows.front().label, c.label);
          if (first.n > 0 && first.mean != 0) ours = (s.mean / first.mean - 1.0) * 100.0;
        } else {
          ours = s.mean * c.scale;
        }
      }
      std::string text = "missing";
      if (ours) {
        text = c.relative ? fmt::format("{:+.{}f}%", *ours, 1) : fmt::format("{:.{}f}", *ours, c.digits);
        if (!c.relative && s.n > 1) text += fmt::format(" ± {:.{}f}", s.spread * c.scale, c.digits);
      } else if (s.n > 0) {
        text = "-";
      }
      out << " " << text << " |";
      bool has_paper = false;
      for (const auto& r : spec.rows) has_paper |= r.paper.count(c.label) > 0;
      if (has_paper) {
        const std::string paper = row.paper.count(c.label) ? row.paper.at(c.label) : "";
        std::string delta;
        const auto p = parse_number(paper);
        if (ours && p) delta = c.relative ? fmt::format("{:+.1f} pp", *ours - *p) : fmt::format("{:+.{}f}", *ours - *p, c.digits);
        out << " " << (paper.empty() ? "-" : paper) << " | " << (delta.empty() ? "-" : delta) << " |";
      }
    }
    out << "\n";
  }
  out << "\n";
  if (!spec.note.empty()) out << spec.note << "\n\n";
  out << "Mean ± standard deviation over seeds. Runs at commit "
      << (commits.empty() ? std::string("-") : join({commits.begin(), commits.end()}, ", ")) << ".\n";
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
