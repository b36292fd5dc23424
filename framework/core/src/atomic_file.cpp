#include "ganrig/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>

#include <cerrno>
#include <cstring>
#include <unistd.h>

#include <fmt/format.h>
#include <fstream>

#include "ganrig/error.hpp"

namespace fs = std::filesystem;

namespace ganrig {

namespace {

void fsync_path(const fs::path& path, bool directory) {
  const int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) throw Error(fmt::format("cannot open {} to flush it: {}", path.string(), std::strerror(errno)));
  const int rc = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (rc != 0) throw Error(fmt::format("cannot flush {} to disk: {}", path.string(), std::strerror(error)));
}

void remove_quietly(const fs::path& file) {
  std::error_code ignored;
  fs::remove(file, ignored);
}

}  // namespace

PosixFile::PosixFile(const fs::path& file) : file_(file) {
  fd_ = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(fmt::format("cannot create {}: {}", file.string(), std::strerror(errno)));
}

PosixFile::~PosixFile() {
  if (fd_ >= 0) ::close(fd_);
}

void PosixFile::write(const void* data, std::size_t size) {
  const char* bytes = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd_, bytes, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error(fmt::format("cannot write {}: {}", file_.string(), std::strerror(n < 0 ? errno : ENOSPC)));
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
}

void PosixFile::close() {
  const int fd = fd_;
  fd_ = -1;
  // Network and quota file systems may report a write error only here.
  if (::fsync(fd) != 0 || ::close(fd) != 0)
    throw Error(fmt::format("cannot write {}: {}", file_.string(), std::strerror(errno)));
}

void write_atomically(const fs::path& file, const FileWriter& write, const FileWriter& before_commit) {
  fs::path temporary = file;
  temporary += fmt::format(".tmp-{}", ::getpid());
  try {
    write(temporary);
    fsync_path(temporary, false);
  } catch (...) {
    remove_quietly(temporary);  // a failed write leaves the target and no debris
    throw;
  }
  if (before_commit) before_commit(temporary);
  std::error_code error;
  fs::rename(temporary, file, error);
  if (error) {
    remove_quietly(temporary);
    throw Error(fmt::format("cannot replace {}: {}", file.string(), error.message()));
  }
  fsync_path(file.parent_path().empty() ? fs::path(".") : file.parent_path(), true);
}

void write_file_atomic(const fs::path& file, const std::string& text) {
  write_atomically(file, [&](const fs::path& temporary) {
    PosixFile out(temporary);
    out.write(text.data(), text.size());
    out.close();
  });
}

int remove_stale_temporaries(const fs::path& folder) {
  int removed = 0;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    const std::string name = entry.path().filename().string();
    const auto at = name.rfind(".tmp-");
    if (at == std::string::npos || name.find_first_not_of("0123456789", at + 5) != std::string::npos ||
        at + 5 == name.size())
      continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name.substr(at + 5)));
    if (pid == ::getpid() || (::kill(pid, 0) == 0 || errno != ESRCH)) continue;  // still running (or not ours)
    if (fs::remove(entry.path(), error)) ++removed;
  }
  return removed;
}

void copy_file_atomic(const fs::path& source, const fs::path& file) {
  write_atomically(file, [&](const fs::path& temporary) {
    std::error_code error;
    fs::copy_file(source, temporary, fs::copy_options::overwrite_existing, error);
    if (error) throw Error(fmt::format("cannot copy {} to {}: {}", source.string(), temporary.string(), error.message()));
  });
}

}  // namespace ganrig
