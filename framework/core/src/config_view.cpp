#include "ganrig/config_view.hpp"

#include <fmt/format.h>

#include "ganrig/config.hpp"
#include "ganrig/error.hpp"

namespace ganrig {

ConfigView::ConfigView(const toml::table& table, std::string path, const Config* config)
    : table_(&table), path_(std::move(path)), config_(config) {}

const toml::node& ConfigView::at(const std::string& key) const {
  const toml::node* n = table_->get(key);
  if (!n)
    throw Error(fmt::format("[{}] has no key '{}': the component read a key its schema does not declare "
                            "(a bug in the plugin)",
                            path_, key));
  return *n;
}

namespace {
[[noreturn]] void wrong_type(const ConfigView& view, const std::string& key, const char* expected) {
  throw ConfigError(fmt::format("{}expected {}", view.where(key), expected));
}
}  // namespace

bool ConfigView::boolean(const std::string& key) const {
  if (auto v = at(key).value_exact<bool>()) return *v;
  wrong_type(*this, key, "boolean");
}

std::int64_t ConfigView::integer(const std::string& key) const {
  if (auto v = at(key).value_exact<std::int64_t>()) return *v;
  wrong_type(*this, key, "integer");
}

double ConfigView::real(const std::string& key) const {
  const toml::node& n = at(key);
  if (auto v = n.value_exact<double>()) return *v;
  if (auto v = n.value_exact<std::int64_t>()) return static_cast<double>(*v);
  wrong_type(*this, key, "float");
}

std::string ConfigView::string(const std::string& key) const {
  if (auto v = at(key).value_exact<std::string>()) return *v;
  wrong_type(*this, key, "string");
}

std::vector<std::int64_t> ConfigView::integers(const std::string& key) const {
  const toml::array* a = at(key).as_array();
  if (!a) wrong_type(*this, key, "array of integers");
  std::vector<std::int64_t> out;
  for (const auto& item : *a) {
    auto v = item.value_exact<std::int64_t>();
    if (!v) wrong_type(*this, key, "array of integers");
    out.push_back(*v);
  }
  return out;
}

std::vector<double> ConfigView::reals(const std::string& key) const {
  const toml::array* a = at(key).as_array();
  if (!a) wrong_type(*this, key, "array of floats");
  std::vector<double> out;
  for (const auto& item : *a) {
    if (auto v = item.value_exact<double>())
      out.push_back(*v);
    else if (auto i = item.value_exact<std::int64_t>())
      out.push_back(static_cast<double>(*i));
    else
      wrong_type(*this, key, "array of floats");
  }
  return out;
}

std::vector<std::string> ConfigView::strings(const std::string& key) const {
  const toml::array* a = at(key).as_array();
  if (!a) wrong_type(*this, key, "array of strings");
  std::vector<std::string> out;
  for (const auto& item : *a) {
    auto v = item.value_exact<std::string>();
    if (!v) wrong_type(*this, key, "array of strings");
    out.push_back(*v);
  }
  return out;
}

std::map<std::string, std::string> ConfigView::string_table(const std::string& key) const {
  const toml::table* t = at(key).as_table();
  if (!t) wrong_type(*this, key, "table of strings");
  std::map<std::string, std::string> out;
  for (auto&& [k, v] : *t) {
    auto s = v.value_exact<std::string>();
    if (!s) wrong_type(*this, key, "table of strings");
    out.emplace(std::string(k.str()), *s);
  }
  return out;
}

std::map<std::string, std::int64_t> ConfigView::integer_table(const std::string& key) const {
  const toml::table* t = at(key).as_table();
  if (!t) wrong_type(*this, key, "table of integers");
  std::map<std::string, std::int64_t> out;
  for (auto&& [k, v] : *t) {
    auto i = v.value_exact<std::int64_t>();
    if (!i) wrong_type(*this, key, "table of integers");
    out.emplace(std::string(k.str()), *i);
  }
  return out;
}

std::map<std::string, double> ConfigView::real_table(const std::string& key) const {
  const toml::table* t = at(key).as_table();
  if (!t) wrong_type(*this, key, "table of floats");
  std::map<std::string, double> out;
  for (auto&& [k, v] : *t) {
    if (auto x = v.value_exact<double>())
      out.emplace(std::string(k.str()), *x);
    else if (auto i = v.value_exact<std::int64_t>())
      out.emplace(std::string(k.str()), static_cast<double>(*i));
    else
      wrong_type(*this, key, "table of floats");
  }
  return out;
}

bool ConfigView::has(const std::string& key) const { return table_->contains(key); }

ConfigView ConfigView::sub(const std::string& key) const {
  const toml::table* t = at(key).as_table();
  if (!t) wrong_type(*this, key, "table");
  return ConfigView(*t, join_path(path_, key), config_);
}

Origin ConfigView::origin(const std::string& key) const {
  if (config_) return config_->origin(join_path(path_, key));
  return Origin::derived("<no file>");
}

std::string ConfigView::where(const std::string& key) const {
  return fmt::format("{}: [{}] {}: ", origin(key).location(), path_, key);
}

}  // namespace ganrig
