// Gathers a run folder's records into the JSON the page draws, and writes the page.
#include "ganrig/train/report_page.hpp"

#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "ganrig/atomic_file.hpp"
#include "ganrig/error.hpp"
#include "ganrig/run_dir.hpp"

namespace fs = std::filesystem;

namespace ganrig {

// report_assets.cpp, generated at configure time from framework/train/report/ and uPlot.
extern const char* const kReportTemplate;
extern const char* const kReportScript;
extern const char* const kUplotScript;
extern const char* const kUplotStyle;

namespace {

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// JSON lines; a line being written (a live run) or damaged is left out.
nlohmann::json read_json_lines(const fs::path& file) {
  nlohmann::json lines = nlohmann::json::array();
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    const auto parsed = nlohmann::json::parse(line, nullptr, false);
    if (!parsed.is_discarded() && parsed.is_object()) lines.push_back(parsed);
  }
  return lines;
}

nlohmann::json read_json(const fs::path& file) {
  const auto parsed = nlohmann::json::parse(read_text(file), nullptr, false);
  return parsed.is_discarded() ? nlohmann::json() : parsed;
}

// samples/fakes-<nimg>.<ext>, in order of nimg, as paths relative to the page.
nlohmann::json sample_timeline(const fs::path& run, const fs::path& page_dir) {
  std::map<std::int64_t, fs::path> by_nimg;
  static const std::regex name(R"(fakes-(\d+)\.(png|jpg|ppm|pgm))");
  if (fs::is_directory(run / "samples"))
    for (const auto& entry : fs::directory_iterator(run / "samples")) {
      std::smatch m;
      const std::string file = entry.path().filename().string();
      if (std::regex_match(file, m, name)) by_nimg[std::stoll(m[1])] = entry.path();
    }
  nlohmann::json samples = nlohmann::json::array();
  for (const auto& [nimg, file] : by_nimg)
    samples.push_back({{"nimg", nimg}, {"src", fs::relative(fs::absolute(file), fs::absolute(page_dir)).generic_string()}});
  return samples;
}

nlohmann::json run_data(const ReportRun& run, const fs::path& page_dir) {
  const RunLayout layout{run.dir};
  if (!fs::is_directory(run.dir)) throw Error(fmt::format("{}: no such run folder", run.dir.string()));
  if (!fs::exists(layout.resolved_config()))
    throw Error(fmt::format("{}: not a run folder (no config.resolved.toml)", run.dir.string()));
  const nlohmann::json env = read_json(layout.env());
  nlohmann::json parameters = env.is_object() && env.contains("parameters") ? env["parameters"]["generator"] : nlohmann::json();
  return {{"name", run.name},
          {"dir", run.dir.string()},
          {"stats", read_json_lines(layout.stats())},
          {"metrics", read_json_lines(layout.metrics())},
          {"samples", sample_timeline(run.dir, page_dir)},
          {"config", read_text(layout.resolved_config())},
          {"plugins", read_json(layout.plugins())},
          {"env", env},
          {"parameters", parameters},
          {"resume", fmt::format("ganrig train {}", run.dir.string())}};
}

// key = value lines of each run's resolved config (comments dropped), keyed by [table].key.
std::map<std::string, std::string> config_keys(const std::string& toml) {
  std::map<std::string, std::string> keys;
  std::string table;
  std::istringstream in(toml);
  for (std::string line; std::getline(in, line);) {
    line = line.substr(0, line.find(" # from"));
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '[') {
      table = line.substr(1, line.find(']') - 1);
      continue;
    }
    const auto eq = line.find(" = ");
    if (eq != std::string::npos) keys[table + "." + line.substr(0, eq)] = line.substr(eq + 3);
  }
  return keys;
}

// The keys whose values differ between the runs (exec and experiment names left out).
nlohmann::json config_differences(const nlohmann::json& runs) {
  std::vector<std::map<std::string, std::string>> configs;
  std::set<std::string> all;
  for (const auto& run : runs) {
    configs.push_back(config_keys(run["config"].get<std::string>()));
    for (const auto& [k, v] : configs.back()) all.insert(k);
  }
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& key : all) {
    if (key.rfind("exec.", 0) == 0 || key == "experiment.name") continue;
    std::vector<std::string> values;
    for (const auto& c : configs) values.push_back(c.count(key) ? c.at(key) : "(not set)");
    if (std::set<std::string>(values.begin(), values.end()).size() > 1) rows.push_back({{"key", key}, {"values", values}});
  }
  return rows;
}

std::string now_utc() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&t));
  return text;
}

void replace_once(std::string& text, const std::string& marker, const std::string& with) {
  const auto at = text.find(marker);
  if (at == std::string::npos) throw Error("internal: the report template has no " + marker);
  text.replace(at, marker.size(), with);
}

}  // namespace

bool report_has_plots() { return kUplotScript[0] != '\0'; }

void write_report_page(const std::vector<ReportRun>& runs, const fs::path& page, const std::string& title) {
  if (runs.empty()) throw Error("a report needs at least one run folder");
  const fs::path page_dir = page.parent_path().empty() ? fs::path(".") : page.parent_path();
  nlohmann::json data = {{"title", title}, {"written_at", now_utc()}, {"runs", nlohmann::json::array()}};
  for (const auto& run : runs) data["runs"].push_back(run_data(run, page_dir));
  data["config_diff"] = runs.size() > 1 ? config_differences(data["runs"]) : nlohmann::json::array();
  // Inside <script>, "</" would end the element: JSON allows the escaped form "<\/".
  std::string json = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  for (auto at = json.find("</"); at != std::string::npos; at = json.find("</", at + 3)) json.replace(at, 2, "<\\/");
  std::string html = kReportTemplate;
  replace_once(html, "/*UPLOT_CSS*/", kUplotStyle);
  replace_once(html, "/*REPORT_DATA*/", json);
  replace_once(html, "/*UPLOT_JS*/", kUplotScript);
  replace_once(html, "/*REPORT_JS*/", kReportScript);
  write_file_atomic(page, html);
}

}  // namespace ganrig
