#include "commands.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <iostream>
#include <map>
#include <unistd.h>
#include <sstream>

#include "ganrig/child_process.hpp"
#include "ganrig/cpu_runtime.hpp"
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
#include "ganrig/train/world.hpp"
#include "launch.hpp"

namespace fs = std::filesystem;

namespace ganrig::cli {

ExperimentOptions experiment_options(const std::string& file, const CommonOptions& common) {
  ExperimentOptions options;
  options.file = file;
  options.overrides = common.overrides;
  options.plugin_paths = common.plugin_paths;
  return options;
}

namespace {

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

}  // namespace

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

// "name" alone, or "name x2 proc" for a group of processes.
std::string experiment_label(const nlohmann::json& row) {
  const int nproc = row.value("nproc", 1);
  const std::string name = row["experiment"].get<std::string>();
  return nproc > 1 ? fmt::format("{} x{} proc", name, nproc) : name;
}

// The process settings a benchmark peer must share (tools/bench/process_settings.py reads the same).
nlohmann::json process_settings(const BenchResult& r) {
  const nlohmann::json runtime = cpu_runtime_info();
  return {{"allocator", runtime["allocator_name"]},
          {"malloc_conf", runtime["malloc_conf"]},
          {"blas_threads", runtime["blas_threads"].get<int>() ? runtime["blas_threads"] : nlohmann::json()},
          {"threads", r.threads}};
}

nlohmann::json bench_json(const BenchResult& r, const std::string& name) {
  return {{"settings", process_settings(r)},
          {"experiment", name},
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

namespace {

// One experiment in this process (or as one rank of a group): one JSON line, printed by rank 0.
int bench_here(const BenchCommand& command) {
  if (command.experiments.size() != 1) throw Error("bench --json takes exactly one experiment");
  auto experiment = load_experiment(experiment_options(command.experiments[0], command.common));
  std::unique_ptr<World> world;
  if (const auto spec = world_from_environment())  // a group, even of one (RANK=0 WORLD_SIZE=1: c10d's cost)
    world = join_world(*spec, join_options(experiment->config, *spec));
  const BenchResult r = ganrig::bench(*experiment, command.warmup, command.iterations,
                                      command.profile ? command.profile_iterations : 0, world.get());
  if (world && !world->is_main()) return 0;
  if (command.profile) std::cout << r.profile;
  nlohmann::json line = bench_json(r, experiment->name());
  line["nproc"] = world ? world->size() : 1;
  std::cout << "BENCH " << line.dump() << std::endl;
  return 0;
}

// What a bench child printed: its JSON line (and the profile before it).
nlohmann::json bench_line(const std::string& file, const std::string& output, bool profile) {
  const auto at = output.find("BENCH ");
  if (at == std::string::npos) throw Error(fmt::format("bench of {} printed no result:\n{}", file, output));
  if (profile) std::cout << file << "\n" << output.substr(0, at);
  return nlohmann::json::parse(output.substr(at + 6, output.find('\n', at) - at - 6));
}

// `nproc` processes of one experiment, started as --nproc starts them; rank 0's figures.
nlohmann::json bench_group(const std::vector<std::string>& args, const std::string& file, int nproc, bool profile) {
  LaunchOptions launch;
  launch.nproc = nproc;
  launch.log_dir = fs::temp_directory_path() / fmt::format("ganrig-bench-{}", getpid());
  launch.show_rank0 = false;
  const int code = launch_workers(args, launch);
  std::ifstream in(launch.log_dir / "rank-0.log");
  const std::string output((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::error_code ignored;
  fs::remove_all(launch.log_dir, ignored);
  if (code != 0) throw Error(fmt::format("bench of {} with {} processes failed (exit {})", file, nproc, code));
  return bench_line(file, output, profile);
}

// The command line of one bench child: one experiment, one JSON line.
std::vector<std::string> bench_child_args(const BenchCommand& command, const std::string& file) {
  std::vector<std::string> args = {self_executable().string(), "bench", "--json", file, "--iterations",
                                   std::to_string(command.iterations), "--warmup", std::to_string(command.warmup)};
  if (command.profile) args.insert(args.end(), {"--profile", "--profile-iterations", std::to_string(command.profile_iterations)});
  for (const auto& s : command.common.overrides) args.insert(args.end(), {"--set", s});
  for (const auto& p : command.common.plugin_paths) args.insert(args.end(), {"--plugin-path", p.string()});
  return args;
}

}  // namespace

int bench(const BenchCommand& command) {
  const bool group = command.nproc.size() == 1 && command.nproc[0] > 1;
  if (command.json && group && !world_from_environment()) {  // `--json --nproc N`: the group's line (scripts)
    if (command.experiments.size() != 1) throw Error("bench --json takes exactly one experiment");
    const std::string& file = command.experiments[0];
    std::cout << "BENCH " << bench_group(bench_child_args(command, file), file, command.nproc[0], command.profile).dump()
              << std::endl;
    return 0;
  }
  if (command.json) return bench_here(command);
  // Each experiment runs in its own process(es), so peak memory is its own.
  std::vector<nlohmann::json> rows;
  for (const auto& file : command.experiments)
    for (const int nproc : command.nproc) {
      const std::vector<std::string> args = bench_child_args(command, file);
      std::cerr << "bench: " << file << (nproc > 1 ? fmt::format(" with {} processes", nproc) : std::string()) << " ("
                << command.warmup << " warm-up + " << command.iterations << " timed iterations)" << std::endl;
      if (nproc > 1) {
        rows.push_back(bench_group(args, file, nproc, command.profile));
        continue;
      }
      ProcessOptions options;
      options.stderr_to = ProcessOptions::Stderr::capture;
      const ProcessResult child = run_process(args, options);
      if (child.exit_code != 0) throw Error(fmt::format("bench of {} failed:\n{}", file, child.output));
      rows.push_back(bench_line(file, child.output, command.profile));
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
                             experiment_label(r), r["params_g"].get<std::int64_t>(),
                             r["params_d_trainable"].get<std::int64_t>(), r["params_d_frozen"].get<std::int64_t>(),
                             r["batch"].get<std::int64_t>(), r["sec_per_iter"].get<double>(), r["img_per_sec"].get<double>(),
                             r["peak_rss_mib"].get<double>(),
                             cuda ? fmt::format(" {:>14.0f}", r["peak_cuda_mib"].get<double>()) : std::string(),
                             100.0 * (r["sec_per_iter"].get<double>() / first["sec_per_iter"].get<double>() - 1.0),
                             100.0 * (memory / memory0 - 1.0));
  }
  for (const auto& r : rows)
    if (&r == &rows.front() || r["threads"] != rows.front()["threads"] || r["device"] != rows.front()["device"])
      std::cout << fmt::format("{}: device {}, {} threads per process\n", experiment_label(r),
                               r["device"].get<std::string>(), r["threads"].get<int>());
  return 0;
}

}  // namespace ganrig::cli
