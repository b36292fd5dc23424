#pragma once
// Small TOML files that are not experiments (dataset recipes, sweeps, tables): reading them with
// located errors, and the file:line:col of a node.
#include <filesystem>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "ganrig/error.hpp"

namespace ganrig {

// "file:line:col" of a node of a table read from `file`.
inline std::string toml_where(const std::filesystem::path& file, const toml::node& node) {
  return fmt::format("{}:{}:{}", file.string(), node.source().begin.line, node.source().begin.column);
}

// A ConfigError at the position of the first key longer than 128 characters or node nested more
// than 32 levels deep (what no real config has and what would exhaust the stack later).
void check_toml_bounds(toml::table& root, const std::string& file);

// A ConfigError at the file:line:col of the first dotted key of more than 32 parts or bracket
// nested more than 32 deep, found by scanning the text: toml++'s parser recurses once per key part
// (a 200,000-part `a.a.a...` key overflows the stack inside the parser), so this runs before it.
void check_toml_text_bounds(std::string_view text, const std::string& file);

// toml::parse of `text` (named `source_path` in its errors) after check_toml_text_bounds. Syntax
// errors stay toml::parse_error, for the caller to word.
toml::table parse_toml_bounded(std::string_view text, const std::string& source_path);

// The text of `file`, or toml++'s own parse_error when it cannot be read.
std::string read_toml_text(const std::filesystem::path& file);

// Parses `file`; a syntax error or a bound exceeded is a ConfigError at its file:line:col.
inline toml::table read_toml_file(const std::filesystem::path& file) {
  toml::table root;
  try {
    root = parse_toml_bounded(read_toml_text(file), file.string());
  } catch (const toml::parse_error& e) {
    throw ConfigError(fmt::format("{}:{}:{}: {}", file.string(), e.source().begin.line, e.source().begin.column,
                                  e.description()));
  }
  check_toml_bounds(root, file.string());
  return root;
}

}  // namespace ganrig
