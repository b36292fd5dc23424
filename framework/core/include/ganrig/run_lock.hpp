#pragma once
// One writer per run folder: `ganrig train RUN` twice at once would write every stats line twice
// and race on checkpoints. The lock is an flock on <run>/train.lock holding the owner's pid; the
// kernel releases it when the process ends, however it ends, so a stale lock file never blocks.
#include <filesystem>

namespace ganrig {

class RunLock {
 public:
  // Takes the lock or throws an Error naming the process that holds it.
  explicit RunLock(const std::filesystem::path& run_dir);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace ganrig
