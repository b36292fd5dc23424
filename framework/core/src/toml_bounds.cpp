// Bounds on what a TOML file may hold. toml++ parses a dotted key of any length (a.b.c... with
// 28,000 parts is a table 28,000 deep), and everything that walks a table afterwards (origins,
// merging, validation, even the destructor) recurses; a 20 MB key would be echoed whole in a
// message. Checked right after parsing, without recursion.
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "ganrig/error.hpp"
#include "ganrig/toml_file.hpp"

namespace ganrig {

namespace {

constexpr std::size_t kMaxDepth = 32;        // the deepest real config has 4 levels
constexpr std::size_t kMaxKeyLength = 128;

std::string where(const std::string& file, const toml::source_region& at) {
  return fmt::format("{}:{}:{}", file, at.begin.line, at.begin.column);
}

// Frees a pathologically deep table bottom-up, so no destructor recurses more than one level.
void dismantle(toml::table& root) {
  std::vector<toml::table*> tables{&root};
  for (std::size_t i = 0; i < tables.size(); ++i)
    for (auto&& [k, v] : *tables[i])
      if (toml::table* sub = v.as_table()) tables.push_back(sub);
  for (auto it = tables.rbegin(); it != tables.rend(); ++it) (*it)->clear();
}

struct Pending {
  const toml::node* node;
  std::size_t depth;
  toml::source_region at;  // of the key (or array item) that holds the node
};

// The first violation, or empty.
std::string first_violation(const toml::table& root, const std::string& file) {
  std::vector<Pending> todo{{&root, 0, root.source()}};
  while (!todo.empty()) {
    const Pending p = todo.back();
    todo.pop_back();
    if (p.depth > kMaxDepth)
      return fmt::format("{}: tables or arrays nested more than {} levels deep", where(file, p.at), kMaxDepth);
    if (const toml::table* t = p.node->as_table()) {
      for (auto&& [k, v] : *t) {
        const toml::source_region& at = k.source().begin.line ? k.source() : v.source();
        if (k.length() > kMaxKeyLength)
          return fmt::format("{}: a key of {} characters ('{}...'); keys are at most {} characters", where(file, at),
                             k.length(), std::string(k.str().substr(0, 32)), kMaxKeyLength);
        todo.push_back({&v, p.depth + 1, at});
      }
    } else if (const toml::array* a = p.node->as_array()) {
      for (const toml::node& item : *a) todo.push_back({&item, p.depth + 1, item.source()});
    }
  }
  return {};
}

}  // namespace

void check_toml_bounds(toml::table& root, const std::string& file) {
  const std::string violation = first_violation(root, file);
  if (violation.empty()) return;
  dismantle(root);
  throw ConfigError(violation);
}

}  // namespace ganrig
