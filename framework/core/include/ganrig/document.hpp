#pragma once
// TOML files that are not experiments (sweep files, paper tables, dataset recipes) described by the
// same Schema as experiment tables, so they get the same checks and located errors (unknown key
// with "did you mean", wrong type, out of range, not one of the choices, missing required key, each
// at file:line:col), defaults filled in, typed reads through ConfigView, and generated docs.
#include <filesystem>
#include <string>

#include <toml++/toml.h>

#include "ganrig/config.hpp"
#include "ganrig/config_view.hpp"
#include "ganrig/schema.hpp"

namespace ganrig {

// A checked table of a document: a Config (the table with the origin of every key) and a view of it.
class CheckedTable {
 public:
  // `table` was read from `file` (source positions intact); `owner` names the schema in messages
  // ("sweep", "table column"); `path` is where the table sits in the file ("source" for [source]).
  CheckedTable(const std::filesystem::path& file, const toml::table& table, const Schema& schema,
               const std::string& owner, const std::string& path = "");
  CheckedTable(const CheckedTable&) = delete;  // the view points into this object
  CheckedTable& operator=(const CheckedTable&) = delete;
  const ConfigView& view() const { return view_; }
  // file:line:col of a key (of the table itself for "").
  std::string where(const std::string& key) const { return config_.origin(join_path(path_, key)).location(); }

 private:
  std::string path_;
  Config config_;
  ConfigView view_;
};

}  // namespace ganrig
