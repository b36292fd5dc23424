// ganrig: train | config | validate | plugins | docs
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <unistd.h>
#include <filesystem>

#include "commands.hpp"
#include "ganrig/cpu_runtime.hpp"
#include "ganrig/error.hpp"
#include "ganrig/train/trainer.hpp"

#ifdef GANRIG_WITH_JEMALLOC
// jemalloc reads this at start: keep freed pages in the process instead of purging them after 10 s
// (a training step frees and reallocates the same large blocks every iteration; each purged page
// would fault back in). MALLOC_CONF in the environment overrides it.
extern "C" {
const char* malloc_conf = "dirty_decay_ms:-1,muzzy_decay_ms:-1";
}
#endif

namespace {

void add_common(CLI::App* app, ganrig::cli::CommonOptions& common) {
  app->add_option("--set", common.overrides, "Override a key: --set train.batch=32 (VALUE is TOML; a bare word is a string)")
      ->take_all()
      ->allow_extra_args(false);
  app->add_option("--plugin-path", common.plugin_paths, "Extra plugin file or folder (repeatable)");
}

}  // namespace

// `ganrig data ...` runs the ganrig-data executable next to this one: data preparation needs
// OpenCV, which the training binary must not load.
int run_data_tool(const std::vector<std::string>& args) {
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  const auto tool = self.parent_path() / "ganrig-data";
  if (error || !std::filesystem::exists(tool)) {
    std::cerr << "error: `ganrig data` needs " << tool.string()
              << ", which is built only with OpenCV (cmake -DGANRIG_WITH_OPENCV=ON and libopencv-dev)\n";
    return 2;
  }
  std::vector<char*> argv;
  const std::string program = tool.string();
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  execv(program.c_str(), argv.data());
  std::cerr << "error: cannot run " << program << "\n";
  return 2;
}

int main(int argc, char** argv) {
  ganrig::tune_cpu_runtime();
  CLI::App app{"ganrig: few-shot image GAN research framework on LibTorch"};
  app.require_subcommand(1);

  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);

  ganrig::cli::TrainCommand train;
  train.command_line = command_line;
  auto* train_app = app.add_subcommand("train", "Train an experiment, or resume a run folder");
  train_app->add_option("target", train.target, "Experiment .toml file, or a run folder to resume")->required();
  add_common(train_app, train.common);
  train_app->add_option("--resume", train.resume, "Start from this checkpoint (a .pt file or a run folder)");
  train_app->add_flag("--force", train.force, "Resume even though the configuration changed");
  train_app->add_flag("--dry-run", train.dry_run, "Print the resolved config and parameter counts, then exit");
  train_app->add_option("--run-root", train.run_root, "Folder that holds runs/<experiment>/ (default: runs)");
  train_app->add_option("--desc", train.desc, "Run folder suffix (default: derived from --set)");
  train_app->add_option("--stop-after-ticks", train.stop_after_ticks,
                        "Stop with a checkpoint after N ticks (for time-limited jobs); resume later");

  std::string config_file;
  ganrig::cli::CommonOptions config_common;
  auto* config_app = app.add_subcommand("config", "Print the resolved config with the origin of every key");
  config_app->add_option("experiment", config_file, "Experiment .toml file")->required();
  add_common(config_app, config_common);

  std::vector<std::string> validate_files;
  ganrig::cli::CommonOptions validate_common;
  auto* validate_app = app.add_subcommand("validate", "Check experiment files without training");
  validate_app->add_option("experiments", validate_files, "Experiment .toml files")->required();
  add_common(validate_app, validate_common);

  ganrig::cli::CommonOptions plugins_common;
  auto* plugins_app = app.add_subcommand("plugins", "List loaded plugins and every component with its schema");
  plugins_app->add_option("--plugin-path", plugins_common.plugin_paths, "Extra plugin file or folder (repeatable)");

  std::string docs_check;
  auto* docs_app = app.add_subcommand("docs", "Print docs/config-reference.md generated from the schemas");
  docs_app->add_option("--check", docs_check, "Compare with this file; exit 1 when it is stale");

  ganrig::cli::BenchCommand bench;
  auto* bench_app = app.add_subcommand("bench", "Time training iterations per experiment: params, sec/iter, img/s, peak memory");
  bench_app->add_option("experiments", bench.experiments, "Experiment .toml files")->required();
  add_common(bench_app, bench.common);
  bench_app->add_option("--iterations", bench.iterations, "Timed iterations (default 5)");
  bench_app->add_option("--warmup", bench.warmup, "Untimed iterations first (default 2)");
  bench_app->add_flag("--json", bench.json, "One experiment in this process, printed as one JSON line");
  bench_app->add_flag("--profile", bench.profile,
                      "Then profile more iterations: time per phase (G/D forward, backward, optimizer, EMA, data, "
                      "augment + resize, projector) and the top operators (LibTorch's autograd profiler)");
  bench_app->add_option("--profile-iterations", bench.profile_iterations, "Iterations to profile (default 2)")
      ->check(CLI::PositiveNumber);

  ganrig::cli::EvalCommand eval;
  auto* eval_app = app.add_subcommand("eval", "Evaluate a run's latest snapshot (or a checkpoint) with FID / KID / PR");
  eval_app->add_option("target", eval.target, "Run folder or checkpoint .pt file")->required();
  eval_app->add_option("--metric", eval.metrics, "Comma-separated metrics, e.g. fid5k_incv3nsfw,kid5k_incv3nsfw");
  eval_app->add_option("--max-real", eval.max_real, "Real images used (0: all); default: the run's [eval] max_real");
  eval_app->add_flag("--no-append", eval.no_append, "Do not append to the run's metrics.jsonl");
  add_common(eval_app, eval.common);

  ganrig::cli::SweepCommand sweep;
  auto* sweep_app = app.add_subcommand("sweep", "Run a sweep file's grid of runs (skip finished, resume interrupted)");
  sweep_app->add_option("file", sweep.file, "Sweep .toml file")->required();
  sweep_app->add_option("--run-root", sweep.run_root, "Folder that holds runs/<experiment>/ (default: runs)");
  sweep_app->add_option("--jobs", sweep.jobs, "Runs at a time (default 1)");
  sweep_app->add_option("--index", sweep.index, "Only run number N (SLURM array tasks)");
  sweep_app->add_flag("--list", sweep.list, "List the runs and their state, run nothing");
  sweep_app->add_option("--emit", sweep.emit, "Write a job script instead of running: slurm");
  sweep_app->add_option("--plugin-path", sweep.common.plugin_paths, "Extra plugin file or folder (repeatable)");

  ganrig::cli::TableCommand table;
  auto* table_app = app.add_subcommand("table", "Collect a paper table's runs into its CSV and README block");
  table_app->add_option("id", table.id, "Table id (experiments/*/tables/ID.toml) or file")->required();
  table_app->add_option("--run-root", table.run_root, "Folder that holds the runs (default: runs)");
  table_app->add_flag("--check", table.check, "Only check that the README block matches the committed CSV");
  table_app->add_option("--plugin-path", table.common.plugin_paths, "Extra plugin file or folder (repeatable)");

  std::string compare_a, compare_b;
  auto* compare_app = app.add_subcommand("compare", "Config, metric and cost differences of two runs");
  compare_app->add_option("run_a", compare_a, "Run folder")->required();
  compare_app->add_option("run_b", compare_b, "Run folder")->required();

  auto* data_app = app.add_subcommand("data", "Prepare datasets and inspect image folders (runs ganrig-data)");
  data_app->prefix_command();  // everything after `data` goes to ganrig-data unchanged

  CLI11_PARSE(app, argc, argv);
  if (*data_app) return run_data_tool(data_app->remaining());
  try {
    if (*train_app) return ganrig::cli::train(train);
    if (*config_app) return ganrig::cli::config(config_file, config_common);
    if (*validate_app) return ganrig::cli::validate(validate_files, validate_common);
    if (*plugins_app) return ganrig::cli::plugins(plugins_common);
    if (*docs_app) return ganrig::cli::docs(docs_check);
    if (*bench_app) return ganrig::cli::bench(bench);
    if (*eval_app) return ganrig::cli::eval(eval);
    if (*sweep_app) return ganrig::cli::sweep(sweep);
    if (*table_app) return ganrig::cli::table(table);
    if (*compare_app) return ganrig::cli::compare(compare_a, compare_b);
  } catch (const ganrig::NonFiniteLossError& e) {
    std::cerr << "\nerror: " << e.what() << "\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "\nerror: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
