#pragma once
// The run's JSON-lines files (stats.jsonl, metrics.jsonl) on resume: keep the lines written up to
// the checkpoint, drop those of a later, killed session.
#include <filesystem>
#include <functional>
#include <vector>

#include <nlohmann/json.hpp>

namespace ganrig {

// Appends `lines` (one JSON value each) in one write with O_APPEND, so readers never see half a
// line; a full disk or a permission error is an Error with the system's reason.
void append_jsonl_lines(const std::filesystem::path& file, const std::vector<nlohmann::json>& lines);

// Rewrites `file` atomically with the lines `keep` accepts (unparsable and empty lines dropped);
// nothing when the file does not exist.
void keep_jsonl_lines(const std::filesystem::path& file, const std::function<bool(const nlohmann::json&)>& keep);

}  // namespace ganrig
