#pragma once
// A component's declared configuration keys. The host validates each table against its schema
// before calling the builder: unknown keys, wrong types, out-of-range values and missing required
// keys are errors with the key's position; absent keys take the declared default, which is written
// into the resolved config.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <toml++/toml.h>

namespace ganrig {

enum class ValueType {
  Boolean,
  Integer,
  Float,
  String,
  IntegerArray,
  FloatArray,
  StringArray,
  StringTable,  // a table of string values, e.g. per-resolution block names { 8 = "conv" }
  IntegerTable, // a table of integers, e.g. per-resolution batch sizes { 4 = 128, 8 = 64 }
  FloatTable,   // a table of floats, e.g. per-resolution learning rates { 1024 = 1.5e-3 }
  Component,    // a component of another kind: a type name or an inline table with `type`
  ComponentTable,  // components by image size, e.g. blocks = { 16 = "dsc", 32 = { type = "ghost", ratio = 2 } }
  ArrayTable,      // a table of non-empty arrays of values, e.g. sweep axes { "train.batch" = [16, 32] }
  TableArray,      // an array of tables ([[rows]]), each checked by its reader against its own schema
  Table,           // a sub-table ([source]), checked by its reader against its own schema
};

std::string type_name(ValueType type);

struct Field {
  std::string key;
  ValueType type = ValueType::String;
  std::string doc;
  bool required = false;
  std::shared_ptr<toml::node> default_value;  // null when required or when "no default"
  std::optional<double> min, max;             // numeric bounds (inclusive), also per array item
  std::vector<std::string> choices;           // allowed strings
  std::optional<std::size_t> length;          // exact array length
  std::string component_kind;                 // for ValueType::Component
  // For a component whose default comes from an optional plugin (png: OpenCV): the built-in one used
  // when that plugin is not in this build and the key was not given. Given explicitly, it is an error.
  std::string fallback_when_not_built;
  // A cheap check of a non-empty string value at validate time (a path exists, a file's header
  // reads): empty when fine, else what is wrong ("does not exist"). Described by `check_doc`.
  std::function<std::string(const std::string&)> check;
  std::string check_doc;

  Field& range(double lo, double hi) { min = lo; max = hi; return *this; }
  Field& at_least(double lo) { min = lo; return *this; }
  Field& one_of(std::vector<std::string> allowed) { choices = std::move(allowed); return *this; }
  Field& exactly(std::size_t n) { length = n; return *this; }
  Field& checked_by(std::string what, std::function<std::string(const std::string&)> fn) {
    check_doc = std::move(what);
    check = std::move(fn);
    return *this;
  }
  // The value (when not empty) names an existing, readable file, folder, or either.
  enum class PathKind { File, Folder, FileOrFolder };
  Field& existing_path(PathKind kind);
  Field& or_when_not_built(std::string builtin) { fallback_when_not_built = std::move(builtin); return *this; }

  // Human-readable description of what is expected: "integer in [1, 4096]".
  std::string expectation() const;
  std::string default_text() const;  // inline TOML of the default, or "required"
};

// What is wrong with `path` as an existing, readable file/folder (empty when nothing is): the check
// behind Field::existing_path, for plugins that check more than the path.
std::string path_problem(const std::string& path, Field::PathKind kind);

class Schema {
 public:
  Field& boolean(const std::string& key, bool fallback, const std::string& doc);
  Field& integer(const std::string& key, std::int64_t fallback, const std::string& doc);
  Field& real(const std::string& key, double fallback, const std::string& doc);
  Field& string(const std::string& key, const std::string& fallback, const std::string& doc);
  Field& integers(const std::string& key, const std::vector<std::int64_t>& fallback, const std::string& doc);
  Field& reals(const std::string& key, const std::vector<double>& fallback, const std::string& doc);
  Field& strings(const std::string& key, const std::vector<std::string>& fallback, const std::string& doc);
  Field& string_table(const std::string& key, const std::string& doc);  // default: empty table
  Field& integer_table(const std::string& key, const std::string& doc);  // default: empty table
  Field& real_table(const std::string& key, const std::string& doc);     // default: empty table
  Field& component(const std::string& key, const std::string& kind, const std::string& fallback,
                   const std::string& doc);
  // Keys are image sizes (powers of two from 4 to 1024), values components of `kind`; default empty.
  Field& component_table(const std::string& key, const std::string& kind, const std::string& doc);
  Field& array_table(const std::string& key, const std::string& doc);  // default: empty table
  Field& table_array(const std::string& key, const std::string& doc);  // default: empty array
  Field& table(const std::string& key, const std::string& doc);        // default: empty table
  Field& required(const std::string& key, ValueType type, const std::string& doc);

  const Field* find(const std::string& key) const;
  const std::vector<Field>& fields() const { return fields_; }
  std::vector<std::string> keys() const;
  bool empty() const { return fields_.empty(); }

 private:
  Field& add(Field field);
  std::vector<Field> fields_;
};

}  // namespace ganrig
