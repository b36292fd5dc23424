// ganrig report: the report page of a run folder (RUN/report.html, as training writes it), or one
// comparison page for several run folders or for the runs of a sweep file (curves overlaid, the
// config keys that differ, final and best metrics and cost side by side), plus a summary per run
// on stdout.
#include <fmt/format.h>

#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "ganrig/error.hpp"
#include "ganrig/run_dir.hpp"
#include "ganrig/study/run_index.hpp"
#include "ganrig/study/sweep.hpp"
#include "ganrig/train/experiment.hpp"
#include "ganrig/train/report_page.hpp"

namespace fs = std::filesystem;

namespace ganrig::cli {

namespace {

// The sweep's runs that have a folder under the run root, named by their axis values and seed.
std::vector<ReportRun> sweep_runs(const ReportCommand& command, fs::path& page) {
  const study::Sweep sweep = study::read_sweep(command.targets.front());
  std::vector<ReportRun> runs;
  std::string experiment_name;
  for (const auto& run : sweep.runs) {
    ExperimentOptions options;
    options.file = sweep.base;
    options.overrides = run.overrides;
    options.plugin_paths = command.common.plugin_paths;
    experiment_name = load_experiment(options)->name();
    const fs::path dir = study::find_run(command.run_root, experiment_name, run.desc);
    if (dir.empty())
      std::cout << fmt::format("not run yet: {} (ganrig sweep {})\n", run.desc, command.targets.front());
    else
      runs.push_back({dir, run.desc});
  }
  if (runs.empty()) throw Error(fmt::format("{}: none of its runs has a folder under {}", command.targets.front(), command.run_root));
  if (page.empty()) page = fs::path(command.run_root) / experiment_name / ("report-" + fs::path(command.targets.front()).stem().string() + ".html");
  return runs;
}

std::string number(const nlohmann::json& v) {
  if (v.is_number()) return fmt::format("{:.4g}", v.get<double>());
  for (const char* key : {"value", "mean"})  // a noise floor: {"value": ..., ...}
    if (v.is_object() && v.contains(key) && v[key].is_number()) return fmt::format("{:.4g}", v[key].get<double>());
  return "-";
}

// One line per run: generator parameters, median sec/kimg, the last value of each metric with its
// real-vs-real noise floor.
void print_summary(const std::vector<ReportRun>& runs) {
  for (const auto& run : runs) {
    const study::RunInfo info = study::read_run(run.dir);
    std::map<std::string, nlohmann::json> last;
    for (const auto& m : info.metrics) last[m.value("metric", "")] = m;
    const nlohmann::json env = nlohmann::json::parse(std::ifstream(RunLayout{run.dir}.env()), nullptr, false);
    const auto params = env.is_object() && env.contains("parameters") ? env["parameters"].value("generator", 0LL) : 0LL;
    std::string line = fmt::format("{}: G {} parameters, {:.2f} sec/kimg", run.name, params, study::median_sec_per_kimg(info));
    for (const auto& [name, m] : last)
      line += fmt::format(", {} {} (noise floor {})", name, number(m.value("value", nlohmann::json())),
                          number(m.value("noise_floor", nlohmann::json())));
    std::cout << line << "\n";
  }
}

}  // namespace

int report(const ReportCommand& command) {
  fs::path page = command.out;
  std::vector<ReportRun> runs;
  std::string title;
  const fs::path first = command.targets.front();
  if (command.targets.size() == 1 && first.extension() == ".toml") {
    runs = sweep_runs(command, page);
    title = "sweep " + first.stem().string();
  } else {
    for (const auto& target : command.targets) {
      const fs::path dir = fs::path(target).lexically_normal();
      const std::string folder = dir.filename().string();  // several runs: <experiment>/<folder>
      runs.push_back({dir, command.targets.size() == 1 ? folder : dir.parent_path().filename().string() + "/" + folder});
    }
    if (page.empty()) page = runs.size() == 1 ? RunLayout{runs.front().dir}.report() : fs::path("report-compare.html");
    title = runs.size() == 1 ? runs.front().dir.parent_path().filename().string() + " - " + runs.front().name
                             : fmt::format("{} runs compared", runs.size());
  }
  write_report_page(runs, page, title);
  if (runs.size() > 1) print_summary(runs);
  std::cout << fmt::format("report: {}{}\n", fs::absolute(page).lexically_normal().string(),
                           report_has_plots() ? "" : " (no plots: this build has no uPlot; run tools/setup.sh)");
  return 0;
}

}  // namespace ganrig::cli
