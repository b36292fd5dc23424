#pragma once
// Where a configuration value came from: a file position, a command-line --set, or a default.
#include <string>

namespace ganrig {

struct Origin {
  enum class Kind { File, CommandLine, Default, Derived };
  Kind kind = Kind::Default;
  std::string source;  // file path, "--set #n", or the schema owner for defaults
  int line = 0;
  int column = 0;

  static Origin file(std::string path, int line, int column) {
    return {Kind::File, std::move(path), line, column};
  }
  static Origin command_line(int index, int column) {
    return {Kind::CommandLine, "--set #" + std::to_string(index), 0, column};
  }
  static Origin default_of(std::string owner) { return {Kind::Default, std::move(owner), 0, 0}; }
  static Origin derived(std::string why) { return {Kind::Derived, std::move(why), 0, 0}; }

  // "file:line:col", "--set #2", "default (generator 'dcgan')".
  std::string location() const;
  // Short form for provenance comments: "file:line", "--set #2", "default".
  std::string provenance() const;
  bool operator==(const Origin& o) const {
    return kind == o.kind && source == o.source && line == o.line && column == o.column;
  }
};

}  // namespace ganrig
