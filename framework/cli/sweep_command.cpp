// ganrig sweep FILE: expands a sweep file, validates every run before starting any, lists them
// with their state, and runs them (N at a time) as child `ganrig train` processes, skipping
// finished runs and resuming interrupted ones; or writes a SLURM job-array script.
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <iostream>
#include <map>
#include <regex>

#include "commands.hpp"
#include "ganrig/child_process.hpp"
#include "ganrig/error.hpp"
#include "ganrig/study/run_index.hpp"
#include "ganrig/study/sweep.hpp"
#include "ganrig/train/experiment.hpp"
#include "ganrig/train/world.hpp"

namespace fs = std::filesystem;

namespace ganrig::cli {

namespace {

struct PlannedRun {
  std::size_t index = 0;
  std::string experiment;
  fs::path existing;      // the run folder when there is one
  std::string state;      // "finished", "interrupted" or "new"
};

// A --set error of run `run` names the sweep file position of the axis (or fixed `set`) it came from.
std::string locate(const study::Sweep& sweep, const std::string& message) {
  static const std::regex set_ref(R"(--set #([0-9]+))");
  std::smatch m;
  if (!std::regex_search(message, m, set_ref)) return message;
  const std::size_t k = std::stoul(m[1]) - 1;
  if (k < sweep.set.size()) return fmt::format("{}: set[{}]: {}", sweep.file.string(), k, message);
  if (k < sweep.set.size() + sweep.axes.size()) {
    const auto& axis = sweep.axes[k - sweep.set.size()];
    return fmt::format("{}: axis '{}': {}", axis.where, axis.key, message);
  }
  return fmt::format("{}: seeds: {}", sweep.file.string(), message);
}

// This executable with `args`, output appended to `log`.
pid_t spawn(std::vector<std::string> args, const fs::path& log) {
  args.insert(args.begin(), self_executable().string());
  return spawn_process(args, log);
}

// Every run is loaded and validated before any starts (a bad axis stops the sweep here), and
// matched with its folder under `root` to know whether it is new, interrupted or finished.
std::vector<PlannedRun> plan_runs(const study::Sweep& s, const fs::path& root, const std::vector<fs::path>& plugin_paths) {
  std::vector<PlannedRun> plan;
  for (std::size_t i = 0; i < s.runs.size(); ++i) {
    ExperimentOptions options;
    options.file = s.base;
    options.overrides = s.runs[i].overrides;
    options.plugin_paths = plugin_paths;
    std::unique_ptr<Experiment> experiment;
    try {
      experiment = load_experiment(options);
    } catch (const ConfigError& e) {
      throw ConfigError(locate(s, e.what()));
    }
    PlannedRun p{i, experiment->name(), study::find_run(root, experiment->name(), s.runs[i].desc), "new"};
    if (!p.existing.empty()) {
      const study::RunInfo info = study::read_run(p.existing);
      p.state = info.finished ? "finished" : info.last_nimg > 0 ? "interrupted" : "new";
    }
    plan.push_back(p);
  }
  return plan;
}

}  // namespace

int sweep(const SweepCommand& command) {
  const study::Sweep s = study::read_sweep(command.file);
  const fs::path root = command.run_root;
  const std::vector<PlannedRun> plan = plan_runs(s, root, command.common.plugin_paths);
  if (command.emit == "slurm") {
    std::error_code error;
    std::cout << study::slurm_script(s, fs::read_symlink("/proc/self/exe", error).string(), root,
                                     command.common.plugin_paths, {command.nodes, command.gpus_per_node});
    return 0;
  }
  if (!command.emit.empty()) throw ConfigError(fmt::format("--emit {}: expected slurm", command.emit));
  std::cout << fmt::format("sweep {}: {} runs ({} mode{}) of {}\n", s.file.string(), s.runs.size(), s.mode,
                           s.seeds.empty() ? "" : fmt::format(", {} seeds", s.seeds.size()), s.base.string());
  for (const auto& p : plan)
    std::cout << fmt::format("  {:>3}  {:<11} {:<40} {}\n", p.index, p.state, s.runs[p.index].desc,
                             p.existing.empty() ? "-" : p.existing.string());
  if (command.list) return 0;

  std::vector<const PlannedRun*> todo;
  for (const auto& p : plan)
    if ((command.index < 0 || static_cast<std::int64_t>(p.index) == command.index) && p.state != "finished")
      todo.push_back(&p);
  if (command.index >= static_cast<std::int64_t>(plan.size()))
    throw Error(fmt::format("--index {}: the sweep has {} runs (0..{})", command.index, plan.size(), plan.size() - 1));
  std::map<pid_t, const PlannedRun*> running;
  int failures = 0;
  std::size_t next = 0;
  const fs::path logs = root / "sweeps" / s.file.stem();
  // Under srun a run is a group of ranks: rank 0 creates or resumes it, the others start as a new
  // run does and take rank 0's folder and checkpoint at the rendezvous (train_command.cpp).
  const auto world = world_from_environment();
  const int rank = world ? world->rank : 0;
  const std::string log_suffix = rank > 0 ? fmt::format(".rank-{}.log", rank) : ".log";
  while (next < todo.size() || !running.empty()) {
    while (next < todo.size() && static_cast<std::int64_t>(running.size()) < std::max<std::int64_t>(1, command.jobs)) {
      const PlannedRun& p = *todo[next++];
      std::vector<std::string> args = study::train_arguments(s, s.runs[p.index], root, command.common.plugin_paths);
      if (p.state == "interrupted" && rank == 0) {
        args = {"train", p.existing.string()};
        for (const auto& a : study::plugin_path_arguments(command.common.plugin_paths)) args.push_back(a);
      }
      const fs::path log = logs / (s.runs[p.index].desc + log_suffix);
      running[spawn(args, log)] = &p;
      std::cout << fmt::format("started {} ({}): log {}\n", s.runs[p.index].desc,
                               p.state == "interrupted" ? "resuming" : "new", log.string())
                << std::flush;
    }
    int status = 0;
    const pid_t done = wait(&status);
    if (done < 0) break;
    const PlannedRun& p = *running.at(done);
    running.erase(done);
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    failures += ok ? 0 : 1;
    std::cout << fmt::format("{} {}{}\n", ok ? "finished" : "FAILED", s.runs[p.index].desc,
                             ok ? "" : fmt::format(" (exit {}; see {})", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                                                   (logs / (s.runs[p.index].desc + log_suffix)).string()))
              << std::flush;
  }
  std::cout << fmt::format("sweep done: {} run, {} skipped as finished, {} failed\n", todo.size(),
                           plan.size() - todo.size(), failures);
  return failures ? 1 : 0;
}

}  // namespace ganrig::cli
