#pragma once
// Running other programs without a shell (no quoting, no injection): the one place that forks.
// Used for git in env.json, unzip/curl-like tools in data preparation, one child per benchmark
// (so its peak RSS is its own), sweep runs, and `ganrig data`.
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace ganrig {

struct ProcessOptions {
  std::filesystem::path cwd;        // empty: the current folder
  enum class Stderr { inherit, discard, capture };  // capture: mixed into `output`
  Stderr stderr_to = Stderr::inherit;
};

struct ProcessResult {
  bool started = false;  // false: the program could not be run (not installed)
  int exit_code = -1;    // -1 when killed by a signal
  std::string output;    // standard output (and standard error when asked)
};

// Runs `args` (args[0] looked up on PATH) to completion and returns what it printed.
ProcessResult run_process(const std::vector<std::string>& args, const ProcessOptions& options = {});

struct SpawnOptions {
  std::vector<std::string> environment;  // NAME=value, added to this process's
  // A process group of its own: a terminal's Ctrl-C reaches only this process, which forwards it.
  bool own_process_group = false;
  int parent_death_signal = 0;  // sent to the child when this process dies (0: none)
};

// Starts `args` (args[0] an absolute path) with stdout and stderr appended to `log`; returns its pid.
pid_t spawn_process(const std::vector<std::string>& args, const std::filesystem::path& log,
                    const SpawnOptions& options = {});

// Replaces this process with `args` (args[0] an absolute path); returns only when that failed.
void exec_process(const std::vector<std::string>& args);

// This executable (/proc/self/exe).
std::filesystem::path self_executable();

}  // namespace ganrig
