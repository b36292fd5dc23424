// Sweep files: grid and zip expansion with seeds and derived run names, errors with positions,
// the SLURM job-array script.
#include "catch_compat.hpp"

#include <fstream>

#include "ganrig/error.hpp"
#include "ganrig/study/sweep.hpp"
#include "support.hpp"

using namespace ganrig;
using ganrig_test::contains;

TEST_CASE("a grid sweep expands every combination once per seed, with names from the values", "[study]") {
  const auto s = study::read_sweep(test::fixture("study/sweeps/grid.toml"));
  REQUIRE(s.runs.size() == 8);
  CHECK(s.runs[0].desc == "block-conv_lr-0.0001_seed-0");
  CHECK(s.runs[1].desc == "block-conv_lr-0.0001_seed-1");
  CHECK(s.runs[7].desc == "block-dsc_lr-0.0002_seed-1");
  CHECK(s.runs[7].overrides == std::vector<std::string>{"train.total_kimg=0.032", "generator.block=\"dsc\"",
                                                       "optim.generator.lr=0.0002", "experiment.seed=1"});
  CHECK(s.runs[7].seed == 1);
}

TEST_CASE("a zip sweep pairs the i-th values, and repeated keys' last parts use the full key", "[study]") {
  const auto s = study::read_sweep(test::fixture("study/sweeps/zip.toml"));
  REQUIRE(s.runs.size() == 3);
  CHECK(s.runs[1].desc == "generator.block-dsc_discriminator.block-conv");
  CHECK(s.runs[2].overrides.back() == "discriminator.block=\"dsc\"");
  const auto dir = test::temp_dir("sweep-errors");
  std::ofstream(dir / "uneven.toml") << "base = \"" << test::fixture("train/tiny.toml").string()
                                     << "\"\nmode = \"zip\"\n[axes]\n\"a.b\" = [1, 2]\n\"c.d\" = [1]\n";
  REQUIRE_THROWS_WITH(study::read_sweep(dir / "uneven.toml"), contains("uneven.toml:5:9") && contains("equal length"));
  std::ofstream(dir / "typo.toml") << "base = \"" << test::fixture("train/tiny.toml").string() << "\"\nseed = [1]\n";
  REQUIRE_THROWS_WITH(study::read_sweep(dir / "typo.toml"), contains("typo.toml:2:") && contains("did you mean 'seeds'"));
  std::ofstream(dir / "nobase.toml") << "base = \"missing.toml\"\n";
  REQUIRE_THROWS_WITH(study::read_sweep(dir / "nobase.toml"), contains("missing.toml") && contains("does not exist"));
}

TEST_CASE("the SLURM script of a 2x2 grid has one array task per run", "[study]") {
  auto s = study::read_sweep(test::fixture("study/sweeps/grid.toml"));
  s.seeds.clear();
  s.runs.resize(4);  // the 2x2 grid of the first seed
  const std::string script = study::slurm_script(s, "/opt/ganrig/bin/ganrig", "/scratch/runs");
  CHECK_THAT(script, contains("#SBATCH --array=0-3") && contains("--index \"$SLURM_ARRAY_TASK_ID\"") &&
                         contains("/opt/ganrig/bin/ganrig sweep") && contains("--run-root /scratch/runs"));
  CHECK_THAT(script, contains("# 3: train") && contains("--desc block-conv_lr-0.0002_seed-1"));
  CHECK(script.rfind("#!/bin/bash", 0) == 0);
  // --plugin-path reaches every task, absolute (a job starts in another folder).
  const std::string with_plugins = study::slurm_script(s, "/opt/ganrig/bin/ganrig", "/scratch/runs", {"my_plugins"});
  const std::string absolute = std::filesystem::absolute("my_plugins").string();
  CHECK_THAT(with_plugins, contains("--plugin-path " + absolute + " --index") &&
                               contains("--run-root /scratch/runs --plugin-path " + absolute));
  // Several GPUs per run: srun starts one rank per task, rank 0's host is the master.
  const std::string group = study::slurm_script(s, "/opt/ganrig/bin/ganrig", "/scratch/runs", {}, {2, 4});
  CHECK_THAT(group, contains("#SBATCH --nodes=2\n#SBATCH --ntasks-per-node=4\n#SBATCH --gpus-per-node=4") &&
                        contains("export MASTER_ADDR=$(scontrol show hostnames") &&
                        contains("exec srun --kill-on-bad-exit=1 /opt/ganrig/bin/ganrig sweep"));
  CHECK_THAT(group, !contains("--gres=gpu:1"));
  CHECK_THAT(script, !contains("srun") && contains("--gres=gpu:1"));
  const auto args = study::train_arguments(s, s.runs[0], "runs", {"my_plugins"});
  CHECK(args[args.size() - 2] == "--plugin-path");
  CHECK(args.back() == absolute);
}
