#include "ganrig/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>

#include <cerrno>
#include <unistd.h>

#include <fmt/format.h>
#include <fstream>

#include "ganrig/error.hpp"

namespace fs = std::filesystem;

namespace ganrig {

namespace {

void fsync_path(const fs::path& path, bool directory) {
  const int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) throw Error(fmt::format("cannot open {} to flush it", path.string()));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw Error(fmt::format("cannot flush {} to disk", path.string()));
}

}  // namespace

void write_atomically(const fs::path& file, const FileWriter& write, const FileWriter& before_commit) {
  fs::path temporary = file;
  temporary += fmt::format(".tmp-{}", ::getpid());
  try {
    write(temporary);
    fsync_path(temporary, false);
  } catch (...) {
    std::error_code ignored;
    fs::remove(temporary, ignored);  // a failed write leaves the target and no debris
    throw;
  }
  if (before_commit) before_commit(temporary);
  fs::rename(temporary, file);
  fsync_path(file.parent_path().empty() ? fs::path(".") : file.parent_path(), true);
}

void write_file_atomic(const fs::path& file, const std::string& text) {
  write_atomically(file, [&](const fs::path& temporary) {
    std::ofstream out(temporary, std::ios::binary);
    out << text;
    out.close();
    if (!out) throw Error("cannot write " + temporary.string());
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
    fs::copy_file(source, temporary, fs::copy_options::overwrite_existing);
  });
}

}  // namespace ganrig
