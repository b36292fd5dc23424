// ganrig: train | config | validate | plugins | docs | bench | eval | sweep | table | compare | data
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <c10/util/Exception.h>
#include <cstdlib>
#include <iostream>
#include <unistd.h>
#include <filesystem>
#include <functional>
#include <utility>
#include <vector>

#include "commands.hpp"
#include "ganrig/child_process.hpp"
#include "ganrig/cpu_runtime.hpp"
#include "ganrig/error.hpp"
#include "ganrig/train/trainer.hpp"

#ifdef GANRIG_WITH_JEMALLOC
// jemalloc reads this at start: keep freed pages in the process instead of purging them after 10 s
// (a training step frees and reallocates the same large blocks every iteration; each purged page
// would fault back in). Kept pages must also be reusable for smaller requests: by default jemalloc
// will not split a free extent 64x larger than the request, so with nothing ever purged a model
// whose blocks vary in size (the depthwise transposed convolutions of DCGAN with block = "dsc")
// kept mapping new memory, about 10 MiB per iteration (tools/bench/results/jemalloc_extent_fit.txt).
// MALLOC_CONF in the environment overrides it.
extern "C" {
const char* malloc_conf = "dirty_decay_ms:-1,muzzy_decay_ms:-1,lg_extent_max_active_fit:20";
}
#endif

namespace {

void add_common(CLI::App* app, ganrig::cli::CommonOptions& common) {
  app->add_option("--set", common.overrides, "Override a key: --set train.batch=32 (VALUE is TOML; a bare word is a string)")
      ->take_all()
      ->allow_extra_args(false);
  app->add_option("--plugin-path", common.plugin_paths, "Extra plugin file or folder (repeatable)");
}

// The parsed options of every subcommand, and what to run for the one given.
struct Cli {
  ganrig::cli::TrainCommand train;
  std::string config_file;
  ganrig::cli::CommonOptions config_common;
  std::vector<std::string> validate_files;
  ganrig::cli::CommonOptions validate_common;
  bool validate_build = false;
  ganrig::cli::CommonOptions plugins_common;
  std::string docs_check;
  ganrig::cli::BenchCommand bench;
  ganrig::cli::EvalCommand eval;
  ganrig::cli::SweepCommand sweep;
  ganrig::cli::TableCommand table;
  ganrig::cli::GenerateCommand generate;
  ganrig::cli::ExportCommand export_;
  ganrig::cli::ReportCommand report;
  ganrig::cli::ImportCommand import_;
  std::string compare_a, compare_b;
  std::vector<std::pair<CLI::App*, std::function<int()>>> actions;
};

// train, config, validate, plugins, docs
void add_experiment_commands(CLI::App& app, Cli& c) {
  auto* train = app.add_subcommand("train", "Train an experiment, or resume a run folder");
  train->add_option("target", c.train.target, "Experiment .toml file, or a run folder to resume")->required();
  add_common(train, c.train.common);
  train->add_option("--resume", c.train.resume, "Start from this checkpoint (a .pt file or a run folder)");
  train->add_flag("--force", c.train.force, "Resume even though the configuration changed");
  train->add_flag("--dry-run", c.train.dry_run, "Print the resolved config and parameter counts, then exit");
  train->add_option("--run-root", c.train.run_root, "Folder that holds runs/<experiment>/ (default: runs)");
  train->add_option("--desc", c.train.desc, "Run folder suffix (default: derived from --set)");
  train->add_option("--stop-after-ticks", c.train.stop_after_ticks,
                    "Stop with a checkpoint after N ticks (for time-limited jobs); resume later");
  train->add_option("--nproc", c.train.nproc,
                    "Train with N processes on this machine (data parallel, c10d; one per GPU, or CPU processes "
                    "sharing the cores); see docs/distributed.md")
      ->check(CLI::PositiveNumber);
  train->add_flag("--debug-sync", c.train.debug_sync,
                  "In a group of processes, compare the parameters' hashes across ranks at every tick");
  c.actions.emplace_back(train, [&c] { return ganrig::cli::train(c.train); });

  auto* config = app.add_subcommand("config", "Print the resolved config with the origin of every key");
  config->add_option("experiment", c.config_file, "Experiment .toml file")->required();
  add_common(config, c.config_common);
  c.actions.emplace_back(config, [&c] { return ganrig::cli::config(c.config_file, c.config_common); });

  auto* validate = app.add_subcommand("validate", "Check experiment, sweep and table files without training");
  validate->add_option("experiments", c.validate_files, "Experiment .toml files")->required();
  add_common(validate, c.validate_common);
  validate->add_flag("--build", c.validate_build,
                     "Also build each experiment's components on the CPU (checks what only built networks know)");
  c.actions.emplace_back(validate,
                         [&c] { return ganrig::cli::validate(c.validate_files, c.validate_common, c.validate_build); });

  auto* plugins = app.add_subcommand("plugins", "List loaded plugins and every component with its schema");
  plugins->add_option("--plugin-path", c.plugins_common.plugin_paths, "Extra plugin file or folder (repeatable)");
  c.actions.emplace_back(plugins, [&c] { return ganrig::cli::plugins(c.plugins_common); });

  auto* docs = app.add_subcommand("docs", "Print docs/config-reference.md generated from the schemas");
  docs->add_option("--check", c.docs_check, "Compare with this file; exit 1 when it is stale");
  c.actions.emplace_back(docs, [&c] { return ganrig::cli::docs(c.docs_check); });
}

// bench, eval
void add_generate_command(CLI::App& app, Cli& c);
void add_export_commands(CLI::App& app, Cli& c);
void add_report_command(CLI::App& app, Cli& c);

void add_measure_commands(CLI::App& app, Cli& c) {
  auto& b = c.bench;
  auto* bench = app.add_subcommand("bench", "Time training iterations per experiment: params, sec/iter, img/s, peak memory");
  bench->add_option("experiments", b.experiments, "Experiment .toml files")->required();
  add_common(bench, b.common);
  bench->add_option("--iterations", b.iterations, "Timed iterations (default 5)");
  bench->add_option("--warmup", b.warmup, "Untimed iterations first (default 2)");
  bench->add_flag("--json", b.json, "One experiment in this process, printed as one JSON line");
  bench->add_option("--nproc", b.nproc,
                    "Process counts to time each experiment with, e.g. 1,2 (a group as train --nproc starts it; the "
                    "global batch is shared)")
      ->delimiter(',')
      ->check(CLI::PositiveNumber);
  bench->add_flag("--profile", b.profile,
                  "Then profile more iterations: time per phase (G/D forward, backward, optimizer, EMA, data, "
                  "augment + resize, projector) and the top operators (LibTorch's autograd profiler)");
  bench->add_option("--profile-iterations", b.profile_iterations, "Iterations to profile (default 2)")
      ->check(CLI::PositiveNumber);
  c.actions.emplace_back(bench, [&c] { return ganrig::cli::bench(c.bench); });

  auto* eval = app.add_subcommand("eval", "Evaluate a run's latest snapshot (or a checkpoint) with FID / KID / PR");
  eval->add_option("target", c.eval.target, "Run folder or checkpoint .pt file")->required();
  eval->add_option("--metric", c.eval.metrics, "Comma-separated metrics, e.g. fid5k_incv3nsfw,kid5k_incv3nsfw");
  eval->add_option("--max-real", c.eval.max_real, "Real images used (0: all); default: the run's [eval] max_real");
  eval->add_flag("--no-append", c.eval.no_append, "Do not append to the run's metrics.jsonl");
  add_common(eval, c.eval.common);
  c.actions.emplace_back(eval, [&c] { return ganrig::cli::eval(c.eval); });
  add_generate_command(app, c);
}

void add_generate_command(CLI::App& app, Cli& c) {
  auto& g = c.generate;
  auto* gen = app.add_subcommand("generate", "Images from a trained generator: per seed, a grid, or a walk between seeds");
  gen->add_option("target", g.target, "Run folder (its newest intact snapshot) or checkpoint .pt file")->required();
  gen->add_option("--seeds", g.seeds, "Seeds, e.g. 0-63 or 1,5,9-12 (latents as gen_images.py: numpy RandomState(seed).randn)");
  gen->add_option("--grid", g.grid, "One ROWSxCOLS grid image (e.g. 8x8) instead of one image per latent");
  gen->add_option("--out", g.out, "Output folder (default RUN/generated/<snapshot>-<weights>-<kind>); refused if it exists");
  gen->add_option("--weights", g.weights, "ema (G_ema, default) or raw (G)")->check(CLI::IsMember({"ema", "raw"}));
  gen->add_option("--batch", g.batch, "Latents per generator call")->check(CLI::PositiveNumber);
  gen->add_option("--device", g.device, "cpu, cuda, cuda:N or auto (a checkpoint loads onto any device)");
  gen->add_option("--z-file", g.z_file, "Latents from a .npy file [N, z_dim] (float32 or float64)");
  gen->add_flag("--save-z", g.save_z, "Write the latents used as z.npy next to the images");
  gen->add_option("--interp", g.interp, "A walk through these seeds' latents, e.g. 3,7,11: frame images");
  gen->add_option("--frames", g.frames, "Frames per segment of --interp (default 60)")->check(CLI::PositiveNumber);
  gen->add_flag("--slerp", g.slerp, "Spherical instead of linear interpolation");
  gen->add_flag("--loop", g.loop, "Walk back from the last seed to the first");
  gen->add_flag("--force", g.force, "Write into an existing output folder");
  gen->add_option("--format", g.format, "Image format: png (OpenCV plugin) or ppm (built in)");
  gen->add_option("--video", g.video, "With --interp, also a video of the frames: mp4 (OpenCV plugin) or none");
  gen->add_option("--fps", g.fps, "Frames per second of the video (default 30)")->check(CLI::Range(1.0, 240.0));
  gen->add_flag("--raw", g.raw, "Also images.npy: the generator's float output [N, C, R, R] before rounding");
  gen->add_option("--class", g.class_name,
                  "A conditional generator: the class of every image, by name or index (without it, --grid gives one "
                  "row per class)");
  add_common(gen, g.common);
  c.actions.emplace_back(gen, [&c] {
    c.generate.command_line = c.train.command_line;
    return ganrig::cli::generate(c.generate);
  });
  add_export_commands(app, c);
  add_report_command(app, c);
}

void add_report_command(CLI::App& app, Cli& c) {
  auto& r = c.report;
  auto* rep = app.add_subcommand("report", "An HTML page of a run's curves, metrics and samples, or of several runs compared");
  rep->add_option("targets", r.targets, "A run folder, several run folders, or a sweep file")->required();
  rep->add_option("--out", r.out, "The page to write (default: RUN/report.html; for several runs report-compare.html; "
                                  "for a sweep <run root>/<experiment>/report-<sweep>.html)");
  rep->add_option("--run-root", r.run_root, "Where a sweep's runs are (default runs)");
  add_common(rep, r.common);
  c.actions.emplace_back(rep, [&c] { return ganrig::cli::report(c.report); });
}

void add_export_commands(CLI::App& app, Cli& c) {
  auto& e = c.export_;
  auto* ex = app.add_subcommand("export", "A generator's state dict for Python's torch.load (official or ganrig names)");
  ex->add_option("target", e.target, "Run folder (its newest intact snapshot) or checkpoint .pt file")->required();
  ex->add_option("--format", e.format, "pg: official Projected GAN names (fastgan); state-dict: ganrig's names (any)");
  ex->add_option("--out", e.out, "The .pt file to write (a .pt.json beside it says how to build the network)")->required();
  ex->add_option("--weights", e.weights, "ema (G_ema, default) or raw (G)")->check(CLI::IsMember({"ema", "raw"}));
  ex->add_option("--what", e.what, "g: the generator (--weights), as before; all: {\"G\", \"G_ema\", \"D\"} in one file")
      ->check(CLI::IsMember({"g", "all"}));
  ex->add_flag("--force", e.force, "Replace an existing --out");
  add_common(ex, e.common);
  c.actions.emplace_back(ex, [&c] { return ganrig::cli::export_generator(c.export_); });

  auto& i = c.import_;
  auto* im = app.add_subcommand("import", "A generator state dict from Python code into a ganrig checkpoint");
  im->add_option("state_dict", i.state_dict,
                 "torch.save(G.state_dict(), path) output, or a dict {\"G\": ..., \"G_ema\": ..., \"D\": ...} of "
                 "state dicts (ganrig export --what all)")
      ->required();
  im->add_option("experiment", i.experiment, "Experiment TOML whose [generator] the weights fit")->required();
  im->add_option("--format", i.format, "pg (official Projected GAN names) or state-dict (ganrig's names)");
  im->add_option("--out", i.out, "The generator-only checkpoint to write (for generate, eval, train --resume)")->required();
  im->add_flag("--force", i.force, "Replace an existing --out");
  add_common(im, i.common);
  c.actions.emplace_back(im, [&c] { return ganrig::cli::import_generator(c.import_); });
}

// sweep, table, compare
void add_study_commands(CLI::App& app, Cli& c) {
  auto* sweep = app.add_subcommand("sweep", "Run a sweep file's grid of runs (skip finished, resume interrupted)");
  sweep->add_option("file", c.sweep.file, "Sweep .toml file")->required();
  sweep->add_option("--run-root", c.sweep.run_root, "Folder that holds runs/<experiment>/ (default: runs)");
  sweep->add_option("--jobs", c.sweep.jobs, "Runs at a time (default 1)");
  sweep->add_option("--index", c.sweep.index, "Only run number N (SLURM array tasks)");
  sweep->add_flag("--list", c.sweep.list, "List the runs and their state, run nothing");
  sweep->add_option("--emit", c.sweep.emit, "Write a job script instead of running: slurm");
  sweep->add_option("--nodes", c.sweep.nodes, "--emit slurm: nodes per run (each run a data-parallel group)")
      ->check(CLI::PositiveNumber);
  sweep->add_option("--gpus-per-node", c.sweep.gpus_per_node, "--emit slurm: GPUs (ranks) per node")
      ->check(CLI::PositiveNumber);
  sweep->add_option("--plugin-path", c.sweep.common.plugin_paths, "Extra plugin file or folder (repeatable)");
  c.actions.emplace_back(sweep, [&c] { return ganrig::cli::sweep(c.sweep); });

  auto* table = app.add_subcommand("table", "Collect a paper table's runs into its CSV and README block");
  table->add_option("id", c.table.id, "Table id (experiments/*/tables/ID.toml) or file")->required();
  table->add_option("--run-root", c.table.run_root, "Folder that holds the runs (default: runs)");
  table->add_flag("--check", c.table.check, "Only check that the README block matches the committed CSV");
  table->add_option("--plugin-path", c.table.common.plugin_paths, "Extra plugin file or folder (repeatable)");
  c.actions.emplace_back(table, [&c] { return ganrig::cli::table(c.table); });

  auto* compare = app.add_subcommand("compare", "Config, metric and cost differences of two runs");
  compare->add_option("run_a", c.compare_a, "Run folder")->required();
  compare->add_option("run_b", c.compare_b, "Run folder")->required();
  c.actions.emplace_back(compare, [&c] { return ganrig::cli::compare(c.compare_a, c.compare_b); });
}

}  // namespace

// `ganrig data ...` runs the ganrig-data executable next to this one: data preparation needs
// OpenCV, which the training binary must not load.
int run_data_tool(const std::vector<std::string>& args) {
  const auto tool = ganrig::self_executable().parent_path() / "ganrig-data";
  if (!std::filesystem::exists(tool)) {
    std::cerr << "error: `ganrig data` needs " << tool.string()
              << ", which is built only with OpenCV (cmake -DGANRIG_WITH_OPENCV=ON and libopencv-dev)\n";
    return 2;
  }
  std::vector<std::string> command = {tool.string()};
  command.insert(command.end(), args.begin(), args.end());
  ganrig::exec_process(command);
  std::cerr << "error: cannot run " << tool.string() << "\n";
  return 2;
}

int main(int argc, char** argv) {
  ganrig::tune_cpu_runtime();
  CLI::App app{"ganrig: few-shot image GAN research framework on LibTorch"};
  app.require_subcommand(1);
  Cli c;
  for (int i = 0; i < argc; ++i) c.train.command_line += (i ? " " : "") + std::string(argv[i]);
  add_experiment_commands(app, c);
  add_measure_commands(app, c);
  add_study_commands(app, c);
  auto* data_app = app.add_subcommand("data", "Prepare datasets and inspect image folders (runs ganrig-data)");
  data_app->prefix_command();  // everything after `data` goes to ganrig-data unchanged

  CLI11_PARSE(app, argc, argv);
  if (*data_app) return run_data_tool(data_app->remaining());
  try {
    for (const auto& [subcommand, run] : c.actions)
      if (*subcommand) return run();
  } catch (const ganrig::NonFiniteLossError& e) {
    std::cerr << "\nerror: " << e.what() << "\n";
    return 3;
  } catch (const c10::Error& e) {  // LibTorch's own message, without its C++ stack trace
    std::cerr << "\nerror: " << e.what_without_backtrace() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "\nerror: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
