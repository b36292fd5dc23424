#pragma once
// Ctrl-C (SIGINT) and SIGTERM during training: the loop finishes the current step, writes a
// checkpoint and stops, instead of dying with the work since the last snapshot lost. A second
// signal while stopping falls back to the default action (immediate exit).
#include <csignal>

namespace ganrig {

class StopSignalGuard {
 public:
  StopSignalGuard();   // installs the handlers for SIGINT and SIGTERM
  ~StopSignalGuard();  // restores the previous ones
  StopSignalGuard(const StopSignalGuard&) = delete;
  StopSignalGuard& operator=(const StopSignalGuard&) = delete;

  // The signal received since installation, or 0.
  static int received();

 private:
  struct sigaction previous_int_{}, previous_term_{};
};

}  // namespace ganrig
