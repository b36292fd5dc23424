#include "ganrig/schema.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "ganrig/config.hpp"
#include "ganrig/error.hpp"

namespace ganrig {

std::string type_name(ValueType type) {
  switch (type) {
    case ValueType::Boolean: return "boolean";
    case ValueType::Integer: return "integer";
    case ValueType::Float: return "float";
    case ValueType::String: return "string";
    case ValueType::IntegerArray: return "array of integers";
    case ValueType::FloatArray: return "array of floats";
    case ValueType::StringArray: return "array of strings";
    case ValueType::StringTable: return "table of strings";
    case ValueType::IntegerTable: return "table of integers";
    case ValueType::FloatTable: return "table of floats";
    case ValueType::Component: return "component";
    case ValueType::ComponentTable: return "table of components by image size";
    case ValueType::ArrayTable: return "table of non-empty arrays";
    case ValueType::TableArray: return "array of tables";
    case ValueType::Table: return "table";
  }
  return "?";
}

namespace {
std::string number_text(double x) {
  if (x == static_cast<double>(static_cast<long long>(x)) && std::abs(x) < 1e15)
    return std::to_string(static_cast<long long>(x));
  return fmt::format("{:g}", x);
}
}  // namespace

std::string Field::expectation() const {
  std::string text = type == ValueType::Component ? "a " + component_kind + " name or an inline table with 'type'"
                     : type == ValueType::ComponentTable
                         ? "a table from image size (a power of two from 4 to 1024) to a " + component_kind +
                               " name or inline table with 'type'"
                         : type_name(type);
  if (length) text += fmt::format(" of length {}", *length);
  if (min && max)
    text += fmt::format(" in [{}, {}]", number_text(*min), number_text(*max));
  else if (min)
    text += fmt::format(" >= {}", number_text(*min));
  else if (max)
    text += fmt::format(" <= {}", number_text(*max));
  if (!check_doc.empty()) text += ": " + check_doc;
  if (!choices.empty()) {
    text += " (one of:";
    for (const auto& c : choices) text += " \"" + c + "\"";
    text += ")";
  }
  return text;
}

namespace {
std::string path_kind_name(Field::PathKind kind) {
  return kind == Field::PathKind::File ? "file" : kind == Field::PathKind::Folder ? "folder" : "file or folder";
}
}  // namespace

std::string path_problem(const std::string& path, Field::PathKind kind) {
  const std::string what = path_kind_name(kind);
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (!std::filesystem::exists(status)) return fmt::format("\"{}\" does not exist (expected a {})", path, what);
  const bool folder = std::filesystem::is_directory(status);
  if ((kind == Field::PathKind::File && folder) || (kind == Field::PathKind::Folder && !folder))
    return fmt::format("\"{}\" is a {}, not a {}", path, folder ? "folder" : "file", what);
  if (::access(path.c_str(), folder ? R_OK | X_OK : R_OK) != 0)
    return fmt::format("\"{}\" cannot be read ({})", path, std::strerror(errno));
  return {};
}

Field& Field::existing_path(PathKind kind) {
  return checked_by("an existing, readable " + path_kind_name(kind),
                    [kind](const std::string& value) { return path_problem(value, kind); });
}

std::string Field::default_text() const {
  if (required) return "required";
  if (!default_value) return "none";
  return to_toml_value(*default_value);
}

Field& Schema::add(Field field) {
  if (find(field.key)) throw Error("schema declares key '" + field.key + "' twice");
  fields_.push_back(std::move(field));
  return fields_.back();
}

Field& Schema::boolean(const std::string& key, bool fallback, const std::string& doc) {
  return add({key, ValueType::Boolean, doc, false, std::make_shared<toml::value<bool>>(fallback)});
}
Field& Schema::integer(const std::string& key, std::int64_t fallback, const std::string& doc) {
  return add({key, ValueType::Integer, doc, false, std::make_shared<toml::value<std::int64_t>>(fallback)});
}
Field& Schema::real(const std::string& key, double fallback, const std::string& doc) {
  return add({key, ValueType::Float, doc, false, std::make_shared<toml::value<double>>(fallback)});
}
Field& Schema::string(const std::string& key, const std::string& fallback, const std::string& doc) {
  return add({key, ValueType::String, doc, false, std::make_shared<toml::value<std::string>>(fallback)});
}
Field& Schema::integers(const std::string& key, const std::vector<std::int64_t>& fallback,
                        const std::string& doc) {
  auto array = std::make_shared<toml::array>();
  for (auto v : fallback) array->push_back(v);
  return add({key, ValueType::IntegerArray, doc, false, array});
}
Field& Schema::reals(const std::string& key, const std::vector<double>& fallback, const std::string& doc) {
  auto array = std::make_shared<toml::array>();
  for (auto v : fallback) array->push_back(v);
  return add({key, ValueType::FloatArray, doc, false, array});
}
Field& Schema::strings(const std::string& key, const std::vector<std::string>& fallback,
                       const std::string& doc) {
  auto array = std::make_shared<toml::array>();
  for (const auto& v : fallback) array->push_back(v);
  return add({key, ValueType::StringArray, doc, false, array});
}
Field& Schema::string_table(const std::string& key, const std::string& doc) {
  return add({key, ValueType::StringTable, doc, false, std::make_shared<toml::table>()});
}
Field& Schema::integer_table(const std::string& key, const std::string& doc) {
  return add({key, ValueType::IntegerTable, doc, false, std::make_shared<toml::table>()});
}
Field& Schema::real_table(const std::string& key, const std::string& doc) {
  return add({key, ValueType::FloatTable, doc, false, std::make_shared<toml::table>()});
}
Field& Schema::component(const std::string& key, const std::string& kind, const std::string& fallback,
                         const std::string& doc) {
  Field f{key, ValueType::Component, doc, false, std::make_shared<toml::value<std::string>>(fallback)};
  f.component_kind = kind;
  return add(std::move(f));
}

Field& Schema::array_table(const std::string& key, const std::string& doc) {
  return add({key, ValueType::ArrayTable, doc, false, std::make_shared<toml::table>()});
}

Field& Schema::table_array(const std::string& key, const std::string& doc) {
  return add({key, ValueType::TableArray, doc, false, std::make_shared<toml::array>()});
}

Field& Schema::table(const std::string& key, const std::string& doc) {
  return add({key, ValueType::Table, doc, false, std::make_shared<toml::table>()});
}

Field& Schema::component_table(const std::string& key, const std::string& kind, const std::string& doc) {
  Field f{key, ValueType::ComponentTable, doc, false, std::make_shared<toml::table>()};
  f.component_kind = kind;
  return add(std::move(f));
}
Field& Schema::required(const std::string& key, ValueType type, const std::string& doc) {
  return add({key, type, doc, true, nullptr});
}

const Field* Schema::find(const std::string& key) const {
  for (const auto& f : fields_)
    if (f.key == key) return &f;
  return nullptr;
}

std::vector<std::string> Schema::keys() const {
  std::vector<std::string> out;
  for (const auto& f : fields_) out.push_back(f.key);
  return out;
}

}  // namespace ganrig
