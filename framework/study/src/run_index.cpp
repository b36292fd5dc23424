#include "ganrig/study/run_index.hpp"

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>
#include <utility>
#include <toml++/toml.h>

#include "ganrig/toml_file.hpp"

#include "ganrig/run_dir.hpp"

namespace fs = std::filesystem;

namespace ganrig::study {

namespace {

std::vector<nlohmann::json> read_jsonl(const fs::path& file) {
  std::vector<nlohmann::json> out;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded()) out.push_back(j);
  }
  return out;
}

std::string folder_desc(const std::string& name) {
  static const std::regex numbered(R"(^[0-9]{5}(?:-(.*))?$)");
  std::smatch m;
  return std::regex_match(name, m, numbered) ? m[1].str() : name;
}

}  // namespace

RunInfo read_run(const fs::path& dir) {
  RunInfo r;
  r.dir = dir;
  r.experiment = dir.parent_path().filename().string();
  r.desc = folder_desc(dir.filename().string());
  std::ifstream in(dir / "config.resolved.toml");
  std::stringstream text;
  text << in.rdbuf();
  r.config_text = text.str();
  try {
    const toml::table config = parse_toml_bounded(r.config_text, (dir / "config.resolved.toml").string());
    r.seed = config["experiment"]["seed"].value_or<std::int64_t>(0);
    r.total_kimg = config["train"]["total_kimg"].value_or(0.0);
  } catch (const toml::parse_error&) {  // a damaged run: listed without seed and budget
  } catch (const ConfigError&) {
  }
  const fs::path latest = latest_checkpoint(dir);
  if (!latest.empty()) {
    static const std::regex snapshot(R"(snapshot-([0-9]+)\.pt)");
    std::smatch m;
    const std::string name = latest.filename().string();
    if (std::regex_match(name, m, snapshot)) r.last_nimg = std::stoll(m[1]);
  }
  r.finished = r.total_kimg > 0 && r.last_nimg >= static_cast<std::int64_t>(r.total_kimg * 1000.0 + 0.5);
  std::ifstream env(dir / "env.json");
  const auto e = nlohmann::json::parse(env, nullptr, false);
  if (!e.is_discarded()) r.git_commit = e.value("git_commit", "");
  r.stats = read_jsonl(dir / "stats.jsonl");
  r.metrics = read_jsonl(dir / "metrics.jsonl");
  return r;
}

std::vector<RunInfo> runs_of(const fs::path& root, const std::string& experiment) {
  std::vector<fs::path> dirs;
  if (fs::is_directory(root / experiment))
    for (const auto& e : fs::directory_iterator(root / experiment))
      if (e.is_directory() && fs::exists(e.path() / "config.resolved.toml")) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  std::vector<RunInfo> out;
  for (const auto& d : dirs) out.push_back(read_run(d));
  return out;
}

fs::path find_run(const fs::path& root, const std::string& experiment, const std::string& desc) {
  fs::path found;
  if (!fs::is_directory(root / experiment)) return found;
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(root / experiment))
    if (e.is_directory() && folder_desc(e.path().filename().string()) == desc) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  return dirs.empty() ? found : dirs.back();
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t m = values.size() / 2;
  return values.size() % 2 ? values[m] : (values[m - 1] + values[m]) / 2;
}

double median_sec_per_kimg(const RunInfo& run) {
  std::vector<double> v;
  for (std::size_t i = run.stats.size() > 1 ? 1 : 0; i < run.stats.size(); ++i)
    if (run.stats[i].contains("sec_per_kimg")) v.push_back(run.stats[i]["sec_per_kimg"].get<double>());
  return median(std::move(v));
}

double wall_sec_per_kimg(const RunInfo& run) {
  if (run.stats.empty()) return 0;
  const auto& last = run.stats.back();
  const double kimg = last.value("kimg", 0.0);
  // Metric evaluations are not training: their time is left out.
  return kimg > 0 ? (last.value("total_seconds", 0.0) - last.value("eval_seconds_total", 0.0)) / kimg : 0;
}

double peak_rss_mib(const RunInfo& run) {
  double peak = 0;
  for (const auto& s : run.stats) peak = std::max(peak, s.value("peak_rss_mib", 0.0));
  return peak;
}

}  // namespace ganrig::study
