#include "ganrig/child_process.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ganrig/error.hpp"

namespace fs = std::filesystem;

namespace ganrig {

namespace {

std::vector<char*> argv_of(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  return argv;
}

void redirect(int fd, std::initializer_list<int> targets) {
  for (int target : targets) dup2(fd, target);
  close(fd);
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& args, const ProcessOptions& options) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) throw Error("cannot create a pipe to run " + args.at(0));
  const pid_t pid = fork();
  if (pid < 0) throw Error("cannot start " + args.at(0));
  if (pid == 0) {
    close(pipe_fds[0]);
    if (options.stderr_to == ProcessOptions::Stderr::capture) {
      redirect(pipe_fds[1], {1, 2});
    } else {
      redirect(pipe_fds[1], {1});
      if (options.stderr_to == ProcessOptions::Stderr::discard) {
        const int null = open("/dev/null", O_WRONLY);
        if (null >= 0) redirect(null, {2});
      }
    }
    if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) _exit(126);
    auto argv = argv_of(args);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  ProcessResult result;
  char buffer[4096];
  ssize_t n;
  while ((n = read(pipe_fds[0], buffer, sizeof buffer)) > 0) result.output.append(buffer, static_cast<std::size_t>(n));
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.started = result.exit_code != 127;
  return result;
}

pid_t spawn_process(const std::vector<std::string>& args, const fs::path& log, const SpawnOptions& options) {
  fs::create_directories(log.parent_path());
  const pid_t pid = fork();
  if (pid < 0) throw Error("cannot start " + args.at(0));
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) redirect(fd, {1, 2});
    for (const auto& variable : options.environment) putenv(const_cast<char*>(variable.c_str()));  // the child's copy
    if (options.own_process_group) setpgid(0, 0);
    if (options.parent_death_signal) prctl(PR_SET_PDEATHSIG, options.parent_death_signal);
    auto argv = argv_of(args);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

void exec_process(const std::vector<std::string>& args) {
  auto argv = argv_of(args);
  execv(argv[0], argv.data());
}

fs::path self_executable() {
  std::error_code error;
  return fs::read_symlink("/proc/self/exe", error);
}

}  // namespace ganrig
