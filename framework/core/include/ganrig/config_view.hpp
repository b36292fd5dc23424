#pragma once
// Read-only, typed access to one validated component table. Every key a builder reads must be in
// its schema (validation has filled in defaults), so a getter that finds no value is a bug in the
// plugin, reported as such rather than silently replaced by a fallback.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "ganrig/origin.hpp"

namespace ganrig {

class Config;

class ConfigView {
 public:
  ConfigView(const toml::table& table, std::string path, const Config* config = nullptr);

  bool boolean(const std::string& key) const;
  std::int64_t integer(const std::string& key) const;
  double real(const std::string& key) const;
  std::string string(const std::string& key) const;
  std::vector<std::int64_t> integers(const std::string& key) const;
  std::vector<double> reals(const std::string& key) const;
  std::vector<std::string> strings(const std::string& key) const;
  std::map<std::string, std::string> string_table(const std::string& key) const;
  std::map<std::string, std::int64_t> integer_table(const std::string& key) const;
  std::map<std::string, double> real_table(const std::string& key) const;
  bool has(const std::string& key) const;

  // A nested table (e.g. an inline component table), viewed with its own path.
  ConfigView sub(const std::string& key) const;

  const toml::table& table() const { return *table_; }
  const std::string& path() const { return path_; }  // "generator"
  // The origin of a key, for error messages raised by builders ("where did ngf=3 come from").
  Origin origin(const std::string& key) const;
  // "experiments/x.toml:4:1: [generator] ngf: " prefix for builder errors about one key.
  std::string where(const std::string& key) const;
  const Config* config() const { return config_; }

 private:
  const toml::node& at(const std::string& key) const;
  const toml::table* table_;
  std::string path_;
  const Config* config_;
};

}  // namespace ganrig
