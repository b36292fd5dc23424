#include "launch.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "ganrig/child_process.hpp"
#include "ganrig/error.hpp"

namespace fs = std::filesystem;

namespace ganrig::cli {

namespace {

volatile std::sig_atomic_t pending_signal = 0;
void remember(int signal) { pending_signal = signal; }

// A port the kernel says is free now (the rendezvous binds it a moment later; a clash is an error
// naming the port, never a hang).
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (fd >= 0) close(fd);
    throw Error(fmt::format("--nproc: cannot find a free TCP port on 127.0.0.1 for the rendezvous: {}",
                            std::strerror(errno)));
  }
  close(fd);
  return ntohs(address.sin_port);
}

std::string last_lines(const fs::path& log, int count) {
  std::ifstream in(log);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::ostringstream out;
  for (std::size_t i = lines.size() > static_cast<std::size_t>(count) ? lines.size() - count : 0; i < lines.size(); ++i)
    out << "  | " << lines[i] << "\n";
  return out.str();
}

// Copies what was appended to `log` since `offset` to stdout.
void show_new_output(const fs::path& log, std::streamoff& offset) {
  std::ifstream in(log, std::ios::binary);
  if (!in) return;
  in.seekg(offset);
  std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  offset += static_cast<std::streamoff>(chunk.size());
  std::cout << chunk << std::flush;
}

struct Worker {
  pid_t pid = 0;
  bool running = true;
  bool stopped_by_launcher = false;
  int exit_code = 0;
  int signal = 0;  // the signal that killed it, or 0
  fs::path log;
  std::streamoff start_offset = 0;  // where this session's output begins in the log
};

bool stopped_cleanly(const Worker& w) {
  return w.exit_code == 0 || w.exit_code == 128 + SIGINT || w.exit_code == 128 + SIGTERM ||
         w.signal == SIGINT || w.signal == SIGTERM;
}

class Supervisor {
 public:
  Supervisor(std::vector<Worker> workers, const LaunchOptions& options) : workers_(std::move(workers)), options_(options) {}

  int run() {
    std::streamoff shown = workers_[0].start_offset;
    while (running() > 0) {
      if (options_.show_rank0) show_new_output(workers_[0].log, shown);
      forward_signal();
      collect_exits();
      if (kill_deadline_ && std::chrono::steady_clock::now() > *kill_deadline_) signal_running(SIGKILL, true);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (options_.show_rank0) show_new_output(workers_[0].log, shown);
    return outcome();
  }

 private:
  int running() const {
    int n = 0;
    for (const auto& w : workers_) n += w.running;
    return n;
  }

  void signal_running(int signal, bool by_launcher) {
    for (auto& w : workers_)
      if (w.running) {
        kill(w.pid, signal);
        w.stopped_by_launcher = w.stopped_by_launcher || by_launcher;
      }
  }

  // Ctrl-C or SIGTERM to the launcher: each worker gets it once and stops after a checkpoint.
  void forward_signal() {
    if (!pending_signal) return;
    const int signal = pending_signal;
    pending_signal = 0;
    signal_running(signal, false);
  }

  void collect_exits() {
    int status = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
      for (auto& w : workers_)
        if (w.pid == pid && w.running) {
          w.running = false;
          w.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
          w.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + w.signal;
          if (!stopped_cleanly(w) && !kill_deadline_) {  // one failed: the others cannot go on without it
            signal_running(SIGTERM, true);
            kill_deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(10);
          }
        }
  }

  // A rank killed by a signal it was not sent by us is the cause; the others' errors are its echo.
  int outcome() const {
    std::vector<int> failed;
    for (int r = 0; r < static_cast<int>(workers_.size()); ++r)
      if (!stopped_cleanly(workers_[r]) && !workers_[r].stopped_by_launcher) failed.push_back(r);
    std::stable_sort(failed.begin(), failed.end(), [&](int a, int b) {
      return (workers_[a].signal != 0) > (workers_[b].signal != 0);
    });
    if (failed.empty()) {
      for (const auto& w : workers_)
        if (w.exit_code != 0) return w.exit_code;  // stopped on a signal: 130 or 143, as one process
      return 0;
    }
    for (int r : failed) {
      const Worker& w = workers_[r];
      std::cerr << fmt::format("error: rank {} of {} (pid {}) {}; {}. Last lines of {}:\n{}", r, workers_.size(),
                               w.pid,
                               w.signal ? fmt::format("was killed by signal {} ({})", w.signal, strsignal(w.signal))
                                        : fmt::format("exited with code {}", w.exit_code),
                               r == failed.front() ? "the other ranks were stopped" : "it lost its peers",
                               w.log.string(), last_lines(w.log, 12));
    }
    const Worker& first = workers_[failed.front()];
    return first.signal ? 1 : first.exit_code;
  }

  std::vector<Worker> workers_;
  const LaunchOptions& options_;
  std::optional<std::chrono::steady_clock::time_point> kill_deadline_;
};

}  // namespace

bool started_by_launcher() {
  const char* launcher = std::getenv(kLauncherPidVariable);
  return launcher && std::to_string(getppid()) == launcher;
}

int launch_workers(const std::vector<std::string>& worker_args, const LaunchOptions& options) {
  if (options.nproc < 1) throw Error(fmt::format("--nproc {}: expected at least 1 process", options.nproc));
  const int port = free_port();
  struct sigaction handler {}, previous_int {}, previous_term {};
  handler.sa_handler = remember;
  sigaction(SIGINT, &handler, &previous_int);
  sigaction(SIGTERM, &handler, &previous_term);
  std::vector<Worker> workers;
  for (int r = 0; r < options.nproc; ++r) {
    SpawnOptions spawn;
    spawn.environment = {fmt::format("RANK={}", r),
                         fmt::format("WORLD_SIZE={}", options.nproc),
                         fmt::format("LOCAL_RANK={}", r),
                         fmt::format("LOCAL_WORLD_SIZE={}", options.nproc),
                         "MASTER_ADDR=127.0.0.1",
                         fmt::format("MASTER_PORT={}", port),
                         fmt::format("{}={}", kLauncherPidVariable, getpid())};
    spawn.environment.insert(spawn.environment.end(), options.environment.begin(), options.environment.end());
    spawn.own_process_group = true;         // the terminal's Ctrl-C reaches the launcher, which forwards it once
    spawn.parent_death_signal = SIGTERM;    // a launcher killed outright still stops its workers (after a checkpoint)
    Worker w;
    w.log = options.log_dir / fmt::format("rank-{}.log", r);
    std::error_code missing;
    const auto size = fs::file_size(w.log, missing);  // logs grow over the sessions of a run; show this one's
    w.start_offset = missing ? 0 : static_cast<std::streamoff>(size);
    w.pid = spawn_process(worker_args, w.log, spawn);
    workers.push_back(w);
  }
  (options.show_rank0 ? std::cout : std::cerr)
      << fmt::format("started {} processes (rendezvous 127.0.0.1:{}); logs in {}\n", options.nproc, port,
                     options.log_dir.string())
      << std::flush;
  const int code = Supervisor(std::move(workers), options).run();
  sigaction(SIGINT, &previous_int, nullptr);
  sigaction(SIGTERM, &previous_term, nullptr);
  return code;
}

}  // namespace ganrig::cli
