// Command-line overrides: --set a.b.c=VALUE, VALUE parsed as TOML (a bare word is a string).
#include <cctype>
#include <fmt/format.h>

#include "ganrig/config.hpp"
#include "ganrig/error.hpp"
#include "ganrig/toml_file.hpp"

namespace ganrig {

namespace {
bool valid_key_part(const std::string& part) {
  if (part.empty()) return false;
  for (unsigned char c : part)
    if (!(std::isalnum(c) || c == '_' || c == '-')) return false;
  return true;
}
}  // namespace

void apply_overrides(Config& config, const std::vector<std::string>& overrides) {
  for (std::size_t i = 0; i < overrides.size(); ++i) {
    const int index = static_cast<int>(i) + 1;
    const std::string& text = overrides[i];
    const Origin where = Origin::command_line(index, 0);
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0)
      throw ConfigError(fmt::format("{}: expected KEY=VALUE (e.g. train.batch=32), got '{}'", where.location(), text));
    const std::string key = text.substr(0, eq);
    const std::string value_text = text.substr(eq + 1);
    const auto parts = split_path(key);
    if (parts.size() > 32 || key.size() > 512)
      throw ConfigError(fmt::format("{}: a key of {} parts and {} characters; at most 32 parts", where.location(),
                                    parts.size(), key.size()));
    for (const auto& part : parts)
      if (!valid_key_part(part) || part.size() > 128)
        throw ConfigError(fmt::format("{}: '{}' is not a dotted key path (letters, digits, '_', '-', separated by "
                                      "'.', each part at most 128)",
                                      where.location(), key.substr(0, 64)));
    toml::table holder;
    try {
      holder = parse_toml_bounded("value = " + value_text, where.source);
    } catch (const toml::parse_error&) {
      // Not a TOML value: take the text as a string (a bare word such as dsc).
      holder = toml::table{};
      holder.insert("value", value_text);
    }
    check_toml_bounds(holder, where.location());
    const toml::node* value = holder.get("value");
    if (!value || holder.size() != 1) {
      holder = toml::table{};
      holder.insert("value", value_text);
      value = holder.get("value");
    }
    config.set(key, *value, where);
  }
}

}  // namespace ganrig
