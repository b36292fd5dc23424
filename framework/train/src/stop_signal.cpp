#include "ganrig/train/stop_signal.hpp"

namespace ganrig {

namespace {

volatile std::sig_atomic_t stop_signal = 0;

extern "C" void on_stop_signal(int signal) {
  stop_signal = signal;
  std::signal(signal, SIG_DFL);  // a second Ctrl-C exits at once
}

}  // namespace

StopSignalGuard::StopSignalGuard() {
  stop_signal = 0;
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &previous_int_);
  sigaction(SIGTERM, &action, &previous_term_);
}

StopSignalGuard::~StopSignalGuard() {
  sigaction(SIGINT, &previous_int_, nullptr);
  sigaction(SIGTERM, &previous_term_, nullptr);
}

int StopSignalGuard::received() { return stop_signal; }

}  // namespace ganrig
