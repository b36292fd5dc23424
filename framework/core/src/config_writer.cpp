// Writes a configuration back as TOML, optionally with the origin of every key as a comment.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>

#include "ganrig/config.hpp"

namespace ganrig {

namespace {

std::string key_text(const std::string& key) {
  const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-';
  });
  if (bare) return key;
  std::ostringstream os;
  os << toml::value<std::string>(key);
  return os.str();
}

bool is_header_table(const toml::node& n) { return n.is_table() && !n.as_table()->is_inline(); }

void write_table(std::ostringstream& out, const Config& config, const toml::table& t, const std::string& prefix,
                 bool with_origins, const std::vector<std::string>& skip) {
  std::vector<std::pair<std::string, std::string>> lines;  // key = value, origin
  std::size_t width = 0;
  for (auto&& [k, v] : t) {
    if (is_header_table(v)) continue;
    const std::string key(k.str());
    std::string line = key_text(key) + " = " + to_toml_value(v);
    width = std::max(width, line.size());
    lines.emplace_back(line, config.origin(join_path(prefix, key)).provenance());
  }
  for (const auto& [line, origin] : lines) {
    out << line;
    if (with_origins) out << std::string(width - line.size() + 2, ' ') << "# " << origin;
    out << "\n";
  }
  for (auto&& [k, v] : t) {
    if (!is_header_table(v)) continue;
    const std::string key(k.str());
    if (prefix.empty() && std::find(skip.begin(), skip.end(), key) != skip.end()) continue;
    const std::string path = join_path(prefix, key_text(key));
    const toml::table& sub = *v.as_table();
    const bool has_values = std::any_of(sub.begin(), sub.end(), [](auto&& kv) { return !is_header_table(kv.second); });
    if (has_values || sub.empty()) out << "\n[" << path << "]\n";
    write_table(out, config, sub, join_path(prefix, key), with_origins, skip);
  }
}

}  // namespace

std::string to_toml_value(const toml::node& node) {
  std::ostringstream os;
  node.visit([&](const auto& concrete) {
    using T = std::decay_t<decltype(concrete)>;
    if constexpr (std::is_same_v<T, toml::value<double>>) {
      // Keep floats recognisable as floats ("1.0", not "1") so a re-read gives the same type.
      char buffer[64];
      const auto result = std::to_chars(buffer, buffer + sizeof buffer, concrete.get());
      std::string text(buffer, result.ptr);
      if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
      os << text;
    } else if constexpr (std::is_same_v<T, toml::array>) {
      os << "[";
      for (std::size_t i = 0; i < concrete.size(); ++i) os << (i ? ", " : "") << to_toml_value(*concrete.get(i));
      os << "]";
    } else if constexpr (std::is_same_v<T, toml::table>) {
      os << "{";
      bool first = true;
      for (auto&& [k, v] : concrete) {
        os << (first ? " " : ", ") << key_text(std::string(k.str())) << " = " << to_toml_value(v);
        first = false;
      }
      os << (first ? "}" : " }");
    } else {
      os << concrete;
    }
  });
  return os.str();
}

std::string to_toml(const Config& config, bool with_origins, const std::vector<std::string>& skip_tables) {
  std::ostringstream out;
  write_table(out, config, config.root, "", with_origins, skip_tables);
  std::string text = out.str();
  if (!text.empty() && text[0] == '\n') text.erase(0, 1);
  return text;
}

}  // namespace ganrig
