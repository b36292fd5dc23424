#pragma once
// `--nproc N`: ganrig's own launcher for N worker processes on this machine, started as torchrun
// starts them (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT) and
// supervised: each writes its own log, rank 0's is shown as it grows, Ctrl-C / SIGTERM are passed
// on once, and when one fails the others are stopped and the failure is named with its last lines.
#include <filesystem>
#include <string>
#include <vector>

namespace ganrig::cli {

struct LaunchOptions {
  int nproc = 2;
  std::filesystem::path log_dir;  // rank-R.log for each rank
  bool show_rank0 = true;         // copy rank 0's log to stdout while it runs
  std::vector<std::string> environment;  // NAME=value for every worker, besides the rank variables
};

// Runs `worker_args` (args[0] an absolute path) N times and waits for all. Returns 0 when every
// rank finished, 130 / 143 when they stopped on a signal, else the failing rank's exit code
// (1 for a rank killed by a signal), after naming the rank on stderr.
int launch_workers(const std::vector<std::string>& worker_args, const LaunchOptions& options);

// The variable that tells a worker which process launched it (it then leaves the run lock to it).
inline constexpr const char* kLauncherPidVariable = "GANRIG_LAUNCHER_PID";

// Set for workers of a run folder the launcher has just created (nothing to resume or restart).
inline constexpr const char* kNewRunVariable = "GANRIG_NEW_RUN";

// True when this process was started by launch_workers (its parent holds the run folder's lock).
bool started_by_launcher();

}  // namespace ganrig::cli
