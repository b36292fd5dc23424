#pragma once
// Files that are either the old or the new version, never half written: the content goes to a
// temporary file beside the target (<file>.tmp-<pid>), is flushed to disk, renamed over the target,
// and the folder is flushed. A kill at any moment leaves the previous file intact; readers never
// see a partial one.
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

// Removes the temporaries (<name>.tmp-<pid>) in `folder` left by processes that no longer run (a
// kill, a full disk); returns how many. Those of a live process are kept.
int remove_stale_temporaries(const std::filesystem::path& folder);

// A copy of `source`, atomically (best.pt from a snapshot).
void copy_file_atomic(const std::filesystem::path& source, const std::filesystem::path& file);

}  // namespace ganrig
