#pragma once
// Every error the framework or a plugin raises derives from ganrig::Error. The class lives in
// the shared core, so its type_info exists once per process and a plugin's exception is caught
// by the host (plugins are never unloaded, so propagating them is safe).
#include <stdexcept>
#include <string>

namespace ganrig {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bad experiment input: the message already starts with the location (file:line:col or --set #n).
class ConfigError : public Error {
 public:
  using Error::Error;
};

// A plugin file that cannot be loaded, or an ABI/permission refusal.
class PluginError : public Error {
 public:
  using Error::Error;
};

}  // namespace ganrig
