#pragma once
// A sweep file: a base experiment, axes of values for config keys, and seeds, expanded into runs.
//
//   base = "../fpg_fmnist64.toml"          # relative to the sweep file
//   mode = "grid"                           # every combination; "zip": the i-th value of every axis
//   seeds = [0, 1]                          # each combination once per seed (experiment.seed)
//   set = ["train.total_kimg=2"]            # fixed overrides for every run
//   [axes]
//   "generator.block" = ["conv", "dsc"]
//   "optim.generator.lr" = [1e-4, 2e-4]
//
// Each run is the base experiment with --set overrides; its folder name (desc) is derived from the
// axis values, e.g. "block-dsc_lr-0.0001_seed-1", so finished runs are found again.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ganrig/schema.hpp"

namespace ganrig::study {

// What a sweep file may hold (docs/config-reference.md lists it).
Schema sweep_schema();


struct SweepAxis {
  std::string key;                  // a dotted config key
  std::vector<std::string> values;  // TOML text of each value
  std::string where;                // file:line:col of the axis in the sweep file
};

struct SweepRun {
  std::vector<std::string> overrides;  // --set arguments, fixed ones first, then axes, then the seed
  std::string desc;                    // run folder suffix
  std::int64_t seed = 0;
};

struct Sweep {
  std::filesystem::path file, base;
  std::string mode = "grid";
  std::vector<std::int64_t> seeds;  // empty: the base experiment's own seed
  std::vector<std::string> set;
  std::vector<SweepAxis> axes;
  std::vector<SweepRun> runs;
};

// Reads and expands a sweep file; errors say file:line:col.
Sweep read_sweep(const std::filesystem::path& file);

// The machines of one run: with more than one GPU in all, a run is a data-parallel group whose
// ranks srun starts (one task per GPU; docs/distributed.md).
struct SlurmResources {
  int nodes = 1;
  int gpus_per_node = 1;
};

// A SLURM job-array script: one array task per run, each a `ganrig train` command line.
// `plugin_paths` (the sweep's --plugin-path) are passed on to every task, made absolute.
std::string slurm_script(const Sweep& sweep, const std::string& ganrig, const std::filesystem::path& run_root,
                         const std::vector<std::filesystem::path>& plugin_paths = {},
                         const SlurmResources& resources = {});

// The `ganrig train` arguments of one run (a new run; resuming uses the run folder instead).
std::vector<std::string> train_arguments(const Sweep& sweep, const SweepRun& run, const std::filesystem::path& run_root,
                                         const std::vector<std::filesystem::path>& plugin_paths = {});
// "--plugin-path ABSOLUTE" for each, so a child started elsewhere loads the same plugins.
std::vector<std::string> plugin_path_arguments(const std::vector<std::filesystem::path>& plugin_paths);

}  // namespace ganrig::study
