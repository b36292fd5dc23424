#pragma once
// Small TOML files that are not experiments (dataset recipes, sweeps, tables): reading them with
// located errors, and the file:line:col of a node.
#include <filesystem>
#include <string>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "ganrig/error.hpp"

namespace ganrig {

// "file:line:col" of a node of a table read from `file`.
inline std::string toml_where(const std::filesystem::path& file, const toml::node& node) {
  return fmt::format("{}:{}:{}", file.string(), node.source().begin.line, node.source().begin.column);
}

// Parses `file`; a syntax error is a ConfigError at its file:line:col.
inline toml::table read_toml_file(const std::filesystem::path& file) {
  try {
    return toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    throw ConfigError(fmt::format("{}:{}:{}: {}", file.string(), e.source().begin.line, e.source().begin.column,
                                  e.description()));
  }
}

}  // namespace ganrig
