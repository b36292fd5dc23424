#pragma once
// An experiment configuration: the merged TOML table plus, for every key path, where its value
// came from. toml++ drops source regions when nodes are copied, so provenance is kept beside the
// table, keyed by dotted path ("generator.block").
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "ganrig/origin.hpp"

namespace ganrig {

class Config {
 public:
  toml::table root;
  std::map<std::string, Origin> origins;  // dotted key path -> origin
  std::filesystem::path top_file;          // the experiment file named on the command line

  // Origin of a key path; falls back to the nearest recorded ancestor.
  Origin origin(const std::string& path) const;
  // The table at a dotted path, or nullptr.
  const toml::table* table_at(const std::string& path) const;
  toml::table* table_at(const std::string& path);
  // Set a value at a dotted path (creating tables) and record its origin.
  void set(const std::string& path, const toml::node& value, const Origin& origin);
  // Remove every origin under `path` (the path itself included).
  void forget_origins_under(const std::string& path);
};

std::string join_path(const std::string& parent, const std::string& key);
std::vector<std::string> split_path(const std::string& dotted);

// Reads a TOML file and resolves `inherits` depth-first (paths relative to the file). Tables
// deep-merge, scalars and arrays replace, `_replace_ = true` drops the inherited table, and the
// same key set by two sibling parents is an error naming both places.
Config load_config_file(const std::filesystem::path& file);

// Applies `--set a.b.c=VALUE` overrides in order; VALUE is parsed as a TOML value and a bare word
// is a string. The n-th override's origin is "--set #n" (1-based).
void apply_overrides(Config& config, const std::vector<std::string>& overrides);

// Writes the configuration as TOML; with `with_origins`, each key gets a "# from ..." comment.
// `skip_tables` are top-level tables left out.
std::string to_toml(const Config& config, bool with_origins,
                    const std::vector<std::string>& skip_tables = {});

// A value rendered as inline TOML ("1.5", "\"dsc\"", "[0.0, 0.99]").
std::string to_toml_value(const toml::node& node);

}  // namespace ganrig
