// ganrig train: a new run from an experiment file, a run folder resumed (or restarted in place),
// alone or as one rank of a data-parallel group (--nproc, torchrun, srun; docs/distributed.md).
#include <unistd.h>

#include <fmt/format.h>

#include <cstdlib>
#include <iostream>
#include <optional>

#include "commands.hpp"
#include "launch.hpp"
#include "ganrig/child_process.hpp"
#include "ganrig/config_view.hpp"
#include "ganrig/dry_run.hpp"
#include "ganrig/error.hpp"
#include "ganrig/run_dir.hpp"
#include "ganrig/run_lock.hpp"
#include "ganrig/train/checkpoint.hpp"
#include "ganrig/train/experiment.hpp"
#include "ganrig/train/trainer.hpp"
#include "ganrig/train/step_memory.hpp"
#include "ganrig/train/world.hpp"

namespace fs = std::filesystem;

namespace ganrig::cli {

namespace {

void print_parameter_counts(const Models& models) {
  const auto counts = count_parameters(models);
  const auto shape = models.dataset->shape();
  std::cout << fmt::format(
      "# dataset: {} ({} images, {}x{}x{})\n"
      "# parameters: G {}  |  D trainable {}  |  D frozen {}\n",
      models.dataset->description(), models.dataset->size(), shape.channels, shape.resolution, shape.resolution,
      counts.generator, counts.discriminator_trainable, counts.discriminator_frozen);
}

// The networks built without data or weights: the resolved config, the parameter counts and what a
// real run would still need.
// The step's memory at this batch, measured on throwaway networks (step_memory.hpp).
std::optional<StepMemory> step_memory_of(const Models& models, const Experiment& experiment, int world_size) {
  const ConfigView exec(*experiment.config.table_at("exec"), "exec", &experiment.config);
  return measure_step_memory(models, experiment.config, world_size, resolve_device(exec.string("device"), 0),
                             exec.string("precision"));
}

// Before the run folder is made: a batch that cannot fit is refused with its position.
void refuse_batch_beyond_memory(Experiment& experiment, int world_size) {
  DryRun no_data_no_weights;
  const Models models = build_models(experiment);
  if (const auto memory = step_memory_of(models, experiment, world_size))
    refuse_step_beyond_memory(*memory, experiment.config);
}

int dry_run(Experiment& experiment) {
  DryRun dry;
  std::cout << to_toml(experiment.config, true);
  const Models models = build_models(experiment);
  std::cout << "\n";
  print_parameter_counts(models);
  if (const auto memory = step_memory_of(models, experiment, 1)) {
    std::cout << "# memory: " << describe_step_memory(*memory) << "\n";
    refuse_step_beyond_memory(*memory, experiment.config);
  }
  const auto missing = DryRun::missing();
  std::cout << (missing.empty() ? "# a real run has everything it needs\n" : "# a real run still needs:\n");
  for (const auto& m : missing) std::cout << "#   " << m << "\n";
  return 0;
}

void warn(const std::string& message) { std::cerr << "warning: " << message << "\n"; }

// `ganrig train RUN`: resume from the newest intact checkpoint, or (killed before its first)
// start the run again from the beginning in place, with the same seed.
void plan_in_place(const fs::path& run_dir, TrainOptions& options) {
  const fs::path latest = newest_intact_checkpoint(run_dir, warn);
  if (latest.empty() && started_by_launcher() && std::getenv(kNewRunVariable)) return;  // a folder just made
  if (latest.empty()) {
    std::cout << fmt::format("{} has no checkpoint yet (its process stopped before the first one); starting it "
                             "again from the beginning, in place, with the same seed\n",
                             run_dir.string());
    return;
  }
  options.resume_from = latest;
}

fs::path checkpoint_to_resume(const std::string& resume) {
  fs::path from = resume;
  if (fs::is_directory(from)) from = newest_intact_checkpoint(from, warn);
  if (from.empty() || !fs::exists(from)) throw Error(fmt::format("--resume {}: no checkpoint there", resume));
  return from;
}

void require_run_dir(const std::string& target) {
  if (!is_run_dir(target))
    throw Error(fmt::format("{} is a folder without config.resolved.toml, so not a run folder (a process stopped "
                            "while creating it trains nothing); start a new run from the experiment file",
                            target));
}

// Rank 0 (or a process alone) decides the run folder and the checkpoint to start from; it holds
// the folder's lock unless its launcher does.
std::unique_ptr<RunLock> plan_run(const TrainCommand& command, const Experiment& experiment, bool in_place,
                                  TrainOptions& options) {
  std::unique_ptr<RunLock> lock;
  if (in_place) {
    if (!started_by_launcher()) lock = std::make_unique<RunLock>(options.run_dir);
    if (!command.resume.empty())
      options.resume_from = checkpoint_to_resume(command.resume);
    else
      plan_in_place(options.run_dir, options);
    return lock;
  }
  if (!command.resume.empty()) options.resume_from = checkpoint_to_resume(command.resume);
  const std::string desc = command.desc.empty() ? describe_overrides(command.common.overrides) : command.desc;
  options.run_dir = create_run_dir(command.run_root, experiment.name(), desc);
  lock = std::make_unique<RunLock>(options.run_dir);
  write_resolved_config(options.run_dir, experiment.config);  // from here on, `ganrig train RUN` works
  return lock;
}

// Every rank learns rank 0's plan; all must have the same configuration.
void share_plan(World& world, const Experiment& experiment, TrainOptions& options) {
  options.run_dir = world.share_text("run_dir", options.run_dir.string());
  const std::string resume =
      world.share_text("resume_from", options.resume_from ? options.resume_from->string() : std::string());
  options.resume_from = resume.empty() ? std::nullopt : std::optional<fs::path>(resume);
  check_same_on_every_rank(world, "the resolved configuration", to_toml(experiment.config, false));
}

// The launcher of `--nproc N`: the folder is made (or checked) and locked here, then N workers
// train it in place.
int launch_training(const TrainCommand& command) {
  if (const auto spec = world_from_environment())
    throw Error(fmt::format("--nproc {}: this process is already rank {} of {} ({}); a launcher starts the ranks, so "
                            "drop --nproc here",
                            command.nproc, spec->rank, spec->size, spec->source));
  fs::path run_dir;
  std::unique_ptr<RunLock> lock;
  if (fs::is_directory(command.target)) {
    require_run_dir(command.target);
    run_dir = command.target;
    lock = std::make_unique<RunLock>(run_dir);
  } else {
    auto experiment = load_experiment(experiment_options(command.target, command.common));  // errors before a folder
    refuse_batch_beyond_memory(*experiment, static_cast<int>(command.nproc));
    const std::string desc = command.desc.empty() ? describe_overrides(command.common.overrides) : command.desc;
    run_dir = create_run_dir(command.run_root, experiment->name(), desc);
    lock = std::make_unique<RunLock>(run_dir);
    write_resolved_config(run_dir, experiment->config);
  }
  std::vector<std::string> args = {self_executable().string(), "train", run_dir.string()};
  if (!command.resume.empty()) args.insert(args.end(), {"--resume", command.resume});
  if (command.force) args.push_back("--force");
  if (command.debug_sync) args.push_back("--debug-sync");
  if (command.stop_after_ticks > 0) args.insert(args.end(), {"--stop-after-ticks", std::to_string(command.stop_after_ticks)});
  for (const auto& p : command.common.plugin_paths) args.insert(args.end(), {"--plugin-path", p.string()});
  LaunchOptions launch;
  launch.nproc = static_cast<int>(command.nproc);
  launch.log_dir = run_dir / "logs";
  if (!fs::is_directory(command.target)) launch.environment.push_back(std::string(kNewRunVariable) + "=1");
  const int code = launch_workers(args, launch);
  if (code != 0 && code != 130 && code != 143)
    std::cerr << fmt::format("resume with: ganrig train {} --nproc {}\n", run_dir.string(), command.nproc);
  return code;
}

}  // namespace

int train(const TrainCommand& command) {
  check_run_desc(command.desc);
  if (command.nproc > 1 && !command.dry_run) return launch_training(command);
  TrainOptions options;
  options.force = command.force;
  options.stop_after_ticks = command.stop_after_ticks;
  options.command_line = command.command_line;
  options.debug_sync = command.debug_sync;
  fs::path experiment_file = command.target;
  const bool in_place = fs::is_directory(command.target);
  if (in_place) {
    require_run_dir(command.target);
    options.run_dir = command.target;
    experiment_file = options.run_dir / "config.resolved.toml";
  }
  auto experiment = load_experiment(experiment_options(experiment_file.string(), command.common));
  if (command.dry_run) return dry_run(*experiment);
  std::unique_ptr<World> world;
  if (const auto spec = world_from_environment()) {
    world = join_world(*spec, join_options(experiment->config, *spec));
    std::cout << fmt::format("rank {} of {} ({}, local rank {}): joined the group at {}:{}\n", spec->rank, spec->size,
                             spec->source, spec->local_rank, spec->master_addr, spec->master_port)
              << std::flush;
  }
  refuse_batch_beyond_memory(*experiment, world ? world->size() : 1);
  std::unique_ptr<RunLock> lock;
  if (!world || world->is_main()) lock = plan_run(command, *experiment, in_place, options);
  if (world) {
    share_plan(*world, *experiment, options);
    if (!started_by_launcher())  // under --nproc the launcher names its own resume command
      world->set_resume_command("ganrig train " + options.run_dir.string());
  }
  options.world = world.get();
  const TrainResult result = train(*experiment, options);
  if (!world || world->is_main())
    std::cout << fmt::format("samples: {}\nstats:   {}\nlatest checkpoint: {}\n", (options.run_dir / "samples").string(),
                             (options.run_dir / "stats.jsonl").string(), result.last_checkpoint.string());
  return result.stopped_by_signal ? 128 + result.stopped_by_signal : 0;  // the shell's convention: 130, 143
}

}  // namespace ganrig::cli
