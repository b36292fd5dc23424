// Heap in use (jemalloc or glibc) and memory still available (/proc/meminfo, cgroup v2).
#include "ganrig/memory_use.hpp"

#include <dlfcn.h>
#include <malloc.h>

#include <algorithm>
#include <fstream>
#include <string>

namespace ganrig {

namespace {

using Mallctl = int(const char*, void*, std::size_t*, void*, std::size_t);

// The first number in `file` after `label` (e.g. "MemAvailable:" in kB), or -1.
std::int64_t number_after(const char* file, const std::string& label) {
  std::ifstream in(file);
  std::string word;
  while (in >> word)
    if (word == label) {
      std::int64_t value = -1;
      in >> value;
      return value;
    }
  return -1;
}

std::int64_t number_in(const std::string& file) {
  std::ifstream in(file);
  std::string text;
  if (!(in >> text) || text == "max") return -1;
  try {
    return std::stoll(text);
  } catch (const std::exception&) {
    return -1;
  }
}

// This process's cgroup v2 folder ("0::/path" in /proc/self/cgroup).
std::string cgroup_folder() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("0::", 0) == 0) return "/sys/fs/cgroup" + line.substr(3);
  return {};
}

}  // namespace

std::int64_t heap_bytes_in_use() {
  if (auto* mallctl = reinterpret_cast<Mallctl*>(dlsym(RTLD_DEFAULT, "mallctl"))) {
    std::uint64_t epoch = 1;  // statistics are a snapshot taken when the epoch advances
    std::size_t size = sizeof(epoch);
    mallctl("epoch", &epoch, &size, &epoch, size);
    std::size_t allocated = 0;
    size = sizeof(allocated);
    if (mallctl("stats.allocated", &allocated, &size, nullptr, 0) == 0) return static_cast<std::int64_t>(allocated);
  }
  const struct mallinfo2 info = mallinfo2();
  return static_cast<std::int64_t>(info.uordblks + info.hblkhd);
}

std::int64_t memory_available_bytes() {
  std::int64_t available = number_after("/proc/meminfo", "MemAvailable:");
  if (available >= 0) available *= 1024;
  const std::string cgroup = cgroup_folder();
  if (!cgroup.empty()) {
    const std::int64_t limit = number_in(cgroup + "/memory.max"), used = number_in(cgroup + "/memory.current");
    if (limit >= 0 && used >= 0) available = available < 0 ? limit - used : std::min(available, limit - used);
  }
  return available;
}

}  // namespace ganrig
