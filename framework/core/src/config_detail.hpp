#pragma once
// Internal helpers shared by the config sources (not installed, not used by plugins).
#include <filesystem>
#include <map>
#include <string>

#include <toml++/toml.h>

#include "ganrig/origin.hpp"

namespace ganrig {
class Config;
}

namespace ganrig::detail {

// A path relative to the working directory when below it, else absolute.
std::string display_path(const std::filesystem::path& p);
std::string node_type_name(const toml::node& n);
// Removes the origins of `path` and of every key below it.
void erase_origins_under(std::map<std::string, Origin>& origins, const std::string& path);
// Inserts (or replaces) a copy of `value` under `key`.
void put(toml::table& t, const std::string& key, const toml::node& value);
// Records `where` for `path` and, for a table, every key below it.
void record_origins(std::map<std::string, Origin>& origins, const std::string& path,
                    const toml::node& value, const Origin& where);

// Records the file position of every key of `t` (read from `file`, positions intact) under `prefix`.
void collect_file_origins(const toml::table& t, const std::string& prefix, const std::string& file,
                          std::map<std::string, Origin>& origins);

// experiment.name must name a folder below --run-root (no '..', no absolute path, no newline).
void check_run_name(const Config& config);
// [train] batch at most 65536 and divisible by [exec] batch_per_device.
void check_batch(const Config& config);

}  // namespace ganrig::detail
