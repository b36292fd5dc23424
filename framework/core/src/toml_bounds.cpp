// Bounds on what a TOML file may hold. toml++ parses a dotted key of any length (a.b.c... with
// 28,000 parts is a table 28,000 deep), and everything that walks a table afterwards (origins,
// merging, validation, even the destructor) recurses; a 20 MB key would be echoed whole in a
// message. Checked right after parsing, without recursion.
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
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

// Walks TOML text outside strings and comments, keeping line and column.
class TextScan {
 public:
  TextScan(std::string_view text, const std::string& file) : text_(text), file_(file) {}

  void run() {
    while (i_ < text_.size()) {
      const char c = text_[i_];
      if (c == '#') {
        while (i_ < text_.size() && text_[i_] != '\n') step();
      } else if (c == '"' || c == '\'') {
        skip_string(c);
      } else {
        structure(c);
        step();
      }
    }
  }

 private:
  void step() {
    if (text_[i_] == '\n') {
      ++line_;
      column_ = 1;
    } else {
      ++column_;
    }
    ++i_;
  }

  void skip_string(char quote) {
    const bool multi_line = text_.substr(i_, 3) == std::string(3, quote);
    for (int k = 0; k < (multi_line ? 3 : 1); ++k) step();
    while (i_ < text_.size()) {
      if (quote == '"' && text_[i_] == '\\' && i_ + 1 < text_.size()) {
        step();
        step();
      } else if (multi_line ? text_.substr(i_, 3) == std::string(3, quote) : text_[i_] == quote) {
        for (int k = 0; k < (multi_line ? 3 : 1); ++k) step();
        return;
      } else if (!multi_line && text_[i_] == '\n') {
        return;  // unterminated: the parser words that error
      } else {
        step();
      }
    }
  }

  // A dot adds a part to the key being read; '=', ',', a newline or a bracket ends it.
  void structure(char c) {
    if (c == '.' && ++dots_ >= kMaxDepth)
      fail(fmt::format("a dotted key of more than {} parts; keys nest at most {} levels (a generated or damaged file?)",
                       kMaxDepth, kMaxDepth));
    if (c == '=' || c == ',' || c == '\n' || c == '[' || c == ']' || c == '{' || c == '}') dots_ = 0;
    if ((c == '[' || c == '{') && ++depth_ > kMaxDepth)
      fail(fmt::format("brackets nested more than {} deep (a generated or damaged file?)", kMaxDepth));
    if ((c == ']' || c == '}') && depth_ > 0) --depth_;
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw ConfigError(fmt::format("{}:{}:{}: {}", file_, line_, column_, what));
  }

  std::string_view text_;
  const std::string& file_;
  std::size_t i_ = 0, line_ = 1, column_ = 1, dots_ = 0, depth_ = 0;
};

}  // namespace

void check_toml_text_bounds(std::string_view text, const std::string& file) { TextScan(text, file).run(); }

toml::table parse_toml_bounded(std::string_view text, const std::string& source_path) {
  check_toml_text_bounds(text, source_path);
  return toml::parse(text, source_path);
}

std::string read_toml_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(fmt::format("{}: cannot read this file ({})", file.string(), std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void check_toml_bounds(toml::table& root, const std::string& file) {
  const std::string violation = first_violation(root, file);
  if (violation.empty()) return;
  dismantle(root);
  throw ConfigError(violation);
}

}  // namespace ganrig
