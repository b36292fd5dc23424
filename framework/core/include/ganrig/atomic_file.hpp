#pragma once
// Files that are either the old or the new version, never half written: the content goes to a
// temporary file beside the target (<file>.tmp-<pid>), is flushed to disk, renamed over the target,
// and the folder is flushed. A kill at any moment leaves the previous file intact; readers never
// see a partial one.
#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>

namespace ganrig {

using FileWriter = std::function<void(const std::filesystem::path& temporary)>;

// `write` fills the temporary file; `before_commit` runs after it is complete and flushed and
// before the rename (tests use it to simulate a kill there).
void write_atomically(const std::filesystem::path& file, const FileWriter& write, const FileWriter& before_commit = {});

// A text file, atomically.
void write_file_atomic(const std::filesystem::path& file, const std::string& text);

// A file written with POSIX calls whose every failure (a full disk, a quota, a read-only folder)
// throws an Error naming the file and the system's reason (strerror), never an abort.
class PosixFile {
 public:
  explicit PosixFile(const std::filesystem::path& file);  // created or truncated
  ~PosixFile();
  PosixFile(const PosixFile&) = delete;
  PosixFile& operator=(const PosixFile&) = delete;
  void write(const void* data, std::size_t size);
  void close();  // flushes to disk; errors reported late by the file system surface here

 private:
  std::filesystem::path file_;
  int fd_ = -1;
};

// Removes the temporaries (<name>.tmp-<pid>) in `folder` left by processes that no longer run (a
// kill, a full disk); returns how many. Those of a live process are kept.
int remove_stale_temporaries(const std::filesystem::path& folder);

// A copy of `source`, atomically (best.pt from a snapshot).
void copy_file_atomic(const std::filesystem::path& source, const std::filesystem::path& file);

}  // namespace ganrig
