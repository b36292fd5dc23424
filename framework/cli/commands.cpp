#include "commands.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <iostream>
#include <map>
#include <sstream>

#include "ganrig/child_process.hpp"
#include "ganrig/data/recipe_schema.hpp"
#include "ganrig/dry_run.hpp"
#include "ganrig/error.hpp"
#include "ganrig/host_schemas.hpp"
#include "ganrig/plugin_host.hpp"
#include "ganrig/study/sweep.hpp"
#include "ganrig/study/table.hpp"
#include "ganrig/train/checkpoint.hpp"
#include "ganrig/train/experiment.hpp"
#include "ganrig/run_dir.hpp"
#include "ganrig/run_lock.hpp"
#include "ganrig/train/trainer.hpp"

namespace fs = std::filesystem;

namespace ganrig::cli {

namespace {

ExperimentOptions experiment_options(const std::string& file, const CommonOptions& common) {
  ExperimentOptions options;
  options.file = file;
  options.overrides = common.overrides;
  options.plugin_paths = common.plugin_paths;
  return options;
}

void print_parameter_counts(const Models& models) {
  const auto counts = count_parameters(models);
  const auto shape = models.dataset->shape();
  std::cout << fmt::format(
      "# dataset: {} ({} images, {}x{}x{})\n"
      "# parameters: G {}  |  D trainable {}  |  D frozen {}\n",
      models.dataset->description(), models.dataset->size(), shape.channels, shape.resolution, shape.resolution,
      counts.generator, counts.discriminator_trainable, counts.discriminator_frozen);
}

std::string markdown_escape(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

void schema_table(std::ostringstream& out, const Schema& schema) {
  if (schema.empty()) {
    out << "No keys.\n\n";
    return;
  }
  out << "| key | type | default | description |\n|---|---|---|---|\n";
  for (const auto& f : schema.fields())
    out << "| `" << f.key << "` | " << markdown_escape(f.expectation()) << " | `" << markdown_escape(f.default_text())
        << "` | " << markdown_escape(f.doc) << " |\n";
  out << "\n";
}

std::string plugin_name_of(const Registry& registry, const std::string& file) {
  for (const auto& p : registry.plugins())
    if (p.file == file) return p.name;
  return file == "<core>" ? "core" : fs::path(file).filename().string();
}

// The networks built without data or weights: the resolved config, the parameter counts and what a
// real run would still need.
int dry_run(Experiment& experiment) {
  DryRun dry;
  std::cout << to_toml(experiment.config, true);
  const Models models = build_models(experiment);
  std::cout << "\n";
  print_parameter_counts(models);
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

}  // namespace

int train(const TrainCommand& command) {
  TrainOptions options;
  options.force = command.force;
  options.stop_after_ticks = command.stop_after_ticks;
  options.command_line = command.command_line;
  fs::path experiment_file = command.target;
  const bool in_place = fs::is_directory(command.target);
  if (in_place) {
    if (!is_run_dir(command.target))
      throw Error(fmt::format("{} is a folder without config.resolved.toml, so not a run folder (a process stopped "
                              "while creating it trains nothing); start a new run from the experiment file",
                              command.target));
    options.run_dir = command.target;
    experiment_file = options.run_dir / "config.resolved.toml";
  }
  auto experiment = load_experiment(experiment_options(experiment_file.string(), command.common));
  if (command.dry_run) return dry_run(*experiment);
  std::unique_ptr<RunLock> lock;
  if (in_place) {
    lock = std::make_unique<RunLock>(options.run_dir);
    plan_in_place(options.run_dir, options);
  } else {
    if (!command.resume.empty()) options.resume_from = checkpoint_to_resume(command.resume);
    const std::string desc = command.desc.empty() ? describe_overrides(command.common.overrides) : command.desc;
    options.run_dir = create_run_dir(command.run_root, experiment->name(), desc);
    lock = std::make_unique<RunLock>(options.run_dir);
    write_resolved_config(options.run_dir, experiment->config);  // from here on, `ganrig train RUN` works
  }
  const TrainResult result = train(*experiment, options);
  std::cout << fmt::format("samples: {}\nstats:   {}\nlatest checkpoint: {}\n", (options.run_dir / "samples").string(),
                           (options.run_dir / "stats.jsonl").string(), result.last_checkpoint.string());
  return result.stopped_by_signal ? 128 + result.stopped_by_signal : 0;  // the shell's convention: 130, 143
}

int config(const std::string& file, const CommonOptions& common) {
  auto experiment = load_experiment(experiment_options(file, common));
  std::cout << to_toml(experiment->config, true);
  return 0;
}

int validate(const std::vector<std::string>& files, const CommonOptions& common, bool build) {
  int failures = 0;
  for (const auto& file : files) {
    try {
      // Sweep files (under sweeps/) and table files (under tables/) are checked as what they are.
      const std::string folder = fs::path(file).parent_path().filename().string();
      if (folder == "sweeps") {
        const study::Sweep s = study::read_sweep(file);
        for (const auto& run : s.runs) {
          ExperimentOptions options = experiment_options(s.base.string(), common);
          options.overrides.insert(options.overrides.end(), run.overrides.begin(), run.overrides.end());
          load_experiment(options);
        }
        std::cout << "ok    " << file << " (sweep, " << s.runs.size() << " runs)\n";
        continue;
      }
      if (folder == "tables") {
        const study::TableSpec t = study::read_table(file);
        for (const auto& row : t.rows) {  // with the row's own overrides, as `ganrig table` runs it
          ExperimentOptions options = experiment_options(row.experiment.string(), common);
          options.overrides.insert(options.overrides.end(), row.set.begin(), row.set.end());
          load_experiment(options);
        }
        std::cout << "ok    " << file << " (table, " << t.rows.size() << " rows)\n";
        continue;
      }
      auto experiment = load_experiment(experiment_options(file, common));
      if (build) build_models(*experiment);
      std::cout << "ok    " << file << (build ? " (built)" : "") << "\n";
    } catch (const std::exception& e) {
      ++failures;
      std::cout << "FAIL  " << file << "\n      " << e.what() << "\n";
    }
  }
  return failures == 0 ? 0 : 1;
}

int plugins(const CommonOptions& common) {
  Registry registry;
  register_core_components(registry);
  std::vector<fs::path> places = {build_plugin_dir()};
  places.insert(places.end(), common.plugin_paths.begin(), common.plugin_paths.end());
  load_plugins(plugin_files(places), registry);
  std::cout << "Plugins:\n";
  for (const auto& p : registry.plugins())
    std::cout << fmt::format("  {} {}  {}\n    sha256 {}  ({}, libtorch {})\n", p.name, p.version, p.file, p.sha256,
                             p.compiler, p.torch_version);
  std::cout << "\nComponents:\n";
  for (const auto* e : registry.entries()) {
    std::cout << fmt::format("\n  {} '{}'  [{}]\n    {}\n", e->kind, e->name, plugin_name_of(registry, e->plugin_file),
                             e->doc);
    for (const auto& f : e->schema.fields())
      std::cout << fmt::format("    {:<20} {:<28} = {:<12} {}\n", f.key, f.expectation(), f.default_text(), f.doc);
  }
  return 0;
}

std::string config_reference_markdown() {
  Registry registry;
  register_core_components(registry);
  load_plugins(plugin_files({build_plugin_dir()}, false), registry);
  std::ostringstream out;
  out << "# Configuration reference\n\n"
         "Generated from the schemas by `tools/gen-docs.sh` (`ganrig docs`); do not edit by hand. A test fails when\n"
         "this file is stale. Every key not given in an experiment takes the default shown here, and the default is\n"
         "written into the run's `config.resolved.toml`.\n\n"
         "## Host tables\n\n";
  for (const auto& [path, schema] : host_schemas()) {
    out << "### [" << path << "]\n\n";
    schema_table(out, schema);
  }
  std::string kind;
  for (const auto* e : registry.entries()) {
    if (e->kind != kind) {
      kind = e->kind;
      out << "## " << kind << "\n\n";
    }
    out << "### " << kind << " `" << e->name << "` (plugin `" << plugin_name_of(registry, e->plugin_file) << "`)\n\n"
        << markdown_escape(e->doc) << "\n\n";
    schema_table(out, e->schema);
  }
  out << "## Other files\n\nChecked against these schemas with the same located errors as experiments.\n\n";
  for (const auto& [title, schema] : std::vector<std::pair<std::string, Schema>>{
           {"Sweep files (`experiments/**/sweeps/*.toml`)", study::sweep_schema()},
           {"Paper tables (`experiments/*/tables/*.toml`)", study::table_schema()},
           {"Paper tables: each `[[columns]]`", study::table_column_schema()},
           {"Paper tables: each `[[rows]]`", study::table_row_schema()},
           {"Dataset recipes (`datasets/*.toml`)", data::recipe_schema()},
           {"Dataset recipes: `[source]`", data::recipe_source_schema()},
           {"Dataset recipes: `[prepare]`", data::recipe_prepare_schema()}}) {
    out << "### " << title << "\n\n";
    schema_table(out, schema);
  }
  return out.str();
}

int docs(const std::string& check_file) {
  const std::string text = config_reference_markdown();
  if (check_file.empty()) {
    std::cout << text;
    return 0;
  }
  std::ifstream in(check_file);
  std::stringstream existing;
  existing << in.rdbuf();
  if (existing.str() == text) {
    std::cout << check_file << " is up to date\n";
    return 0;
  }
  std::cerr << check_file << " is stale: regenerate it with tools/gen-docs.sh\n";
  return 1;
}

namespace {

nlohmann::json bench_json(const BenchResult& r, const std::string& name) {
  return {{"experiment", name},
          {"params_g", r.parameters.generator},
          {"params_d_trainable", r.parameters.discriminator_trainable},
          {"params_d_frozen", r.parameters.discriminator_frozen},
          {"batch", r.batch},
          {"sec_per_iter", r.seconds_per_iteration},
          {"img_per_sec", r.images_per_second},
          {"peak_rss_mib", r.peak_rss_mib},
          {"peak_cuda_mib", r.peak_cuda_mib},
          {"device", r.device},
          {"threads", r.threads},
          {"precision", r.precision}};
}

}  // namespace

int bench(const BenchCommand& command) {
  if (command.json) {
    if (command.experiments.size() != 1) throw Error("bench --json takes exactly one experiment");
    auto experiment = load_experiment(experiment_options(command.experiments[0], command.common));
    const BenchResult r = ganrig::bench(*experiment, command.warmup, command.iterations,
                                        command.profile ? command.profile_iterations : 0);
    if (command.profile) std::cout << r.profile;
    std::cout << "BENCH " << bench_json(r, experiment->name()).dump() << std::endl;
    return 0;
  }
  // Each experiment runs in its own process, so peak memory is its own.
  std::vector<nlohmann::json> rows;
  for (const auto& file : command.experiments) {
    std::vector<std::string> args = {self_executable().string(), "bench", "--json", file, "--iterations",
                                     std::to_string(command.iterations), "--warmup", std::to_string(command.warmup)};
    if (command.profile) args.insert(args.end(), {"--profile", "--profile-iterations", std::to_string(command.profile_iterations)});
    for (const auto& s : command.common.overrides) args.insert(args.end(), {"--set", s});
    for (const auto& p : command.common.plugin_paths) args.insert(args.end(), {"--plugin-path", p.string()});
    std::cerr << "bench: " << file << " (" << command.warmup << " warm-up + " << command.iterations
              << " timed iterations)" << std::endl;
    ProcessOptions options;
    options.stderr_to = ProcessOptions::Stderr::capture;
    const ProcessResult child = run_process(args, options);
    const std::string& output = child.output;
    if (child.exit_code != 0) throw Error(fmt::format("bench of {} failed:\n{}", file, output));
    const auto at = output.find("BENCH ");
    if (at == std::string::npos) throw Error(fmt::format("bench of {} printed no result:\n{}", file, output));
    if (command.profile) std::cout << file << "\n" << output.substr(0, at);
    rows.push_back(nlohmann::json::parse(output.substr(at + 6, output.find('\n', at) - at - 6)));
  }
  const bool cuda = std::any_of(rows.begin(), rows.end(), [](const auto& r) { return r["peak_cuda_mib"].template get<double>() > 0; });
  std::cout << fmt::format("{:<28} {:>11} {:>13} {:>10} {:>6} {:>9} {:>7} {:>12}{}   vs first\n", "experiment", "G params",
                           "D trainable", "D frozen", "batch", "sec/iter", "img/s", "peak RSS MiB",
                           cuda ? "  peak CUDA MiB" : "");
  for (const auto& r : rows) {
    const auto& first = rows.front();
    const double memory = cuda ? r["peak_cuda_mib"].get<double>() : r["peak_rss_mib"].get<double>();
    const double memory0 = cuda ? first["peak_cuda_mib"].get<double>() : first["peak_rss_mib"].get<double>();
    std::cout << fmt::format("{:<28} {:>11} {:>13} {:>10} {:>6} {:>9.3f} {:>7.2f} {:>12.0f}{}   time {:+.1f}%, memory {:+.1f}%\n",
                             r["experiment"].get<std::string>(), r["params_g"].get<std::int64_t>(),
                             r["params_d_trainable"].get<std::int64_t>(), r["params_d_frozen"].get<std::int64_t>(),
                             r["batch"].get<std::int64_t>(), r["sec_per_iter"].get<double>(), r["img_per_sec"].get<double>(),
                             r["peak_rss_mib"].get<double>(),
                             cuda ? fmt::format(" {:>14.0f}", r["peak_cuda_mib"].get<double>()) : std::string(),
                             100.0 * (r["sec_per_iter"].get<double>() / first["sec_per_iter"].get<double>() - 1.0),
                             100.0 * (memory / memory0 - 1.0));
  }
  std::cout << fmt::format("device {}, {} threads\n", rows.front()["device"].get<std::string>(),
                           rows.front()["threads"].get<int>());
  return 0;
}

}  // namespace ganrig::cli
