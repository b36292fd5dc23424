#include "ganrig/train/jsonl_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <fstream>

#include "ganrig/atomic_file.hpp"
#include "ganrig/error.hpp"

namespace ganrig {

void append_jsonl_lines(const std::filesystem::path& file, const std::vector<nlohmann::json>& lines) {
  std::string text;
  for (const auto& line : lines) text += line.dump() + "\n";
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(fmt::format("cannot open {} to append to it: {}", file.string(), std::strerror(errno)));
  struct stat before {};
  ::fstat(fd, &before);
  const ssize_t written = ::write(fd, text.data(), text.size());
  const int error = written < 0 ? errno : ENOSPC;  // a short write: the disk filled up
  const bool complete = written == static_cast<ssize_t>(text.size());
  if (!complete && written > 0) {  // best effort; a half line left is dropped by keep_jsonl_lines on resume
    const int rc = ::ftruncate(fd, before.st_size);
    (void)rc;
  }
  ::close(fd);
  if (!complete) throw Error(fmt::format("cannot append to {}: {}", file.string(), std::strerror(error)));
}

void keep_jsonl_lines(const std::filesystem::path& file, const std::function<bool(const nlohmann::json&)>& keep) {
  if (!std::filesystem::exists(file)) return;
  std::ifstream in(file);
  std::string line, kept;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto json = nlohmann::json::parse(line, nullptr, false);
    if (!json.is_discarded() && keep(json)) kept += line + "\n";
  }
  write_file_atomic(file, kept);
}

}  // namespace ganrig
