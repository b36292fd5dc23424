#include "ganrig/plugin_host.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/dll/library_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <cstdlib>
#include <fmt/format.h>
#include <mutex>

#include "ganrig/error.hpp"
#include "ganrig/plugin_api.hpp"
#include "ganrig/sha256.hpp"

namespace fs = std::filesystem;

namespace ganrig {

PluginInfo host_build_info() {
  return {"ganrig", GANRIG_VERSION, GANRIG_ABI_VERSION, GANRIG_TORCH_VERSION_STRING, GANRIG_COMPILER_STRING,
          GANRIG_CXX11_ABI};
}

fs::path build_plugin_dir() { return fs::path(GANRIG_BUILD_PLUGIN_DIR); }

std::vector<fs::path> plugin_files(const std::vector<fs::path>& places, bool include_env) {
  std::vector<fs::path> all = places;
  if (include_env) {
    if (const char* env = std::getenv("GANRIG_PLUGIN_PATH")) {
      std::string list = env, item;
      for (std::size_t i = 0; i <= list.size(); ++i) {
        if (i == list.size() || list[i] == ':') {
          if (!item.empty()) all.emplace_back(item);
          item.clear();
        } else {
          item += list[i];
        }
      }
    }
  }
  std::vector<fs::path> files;
  for (const auto& place : all) {
    if (fs::is_directory(place)) {
      std::vector<fs::path> found;
      for (const auto& e : fs::directory_iterator(place))
        if (e.is_regular_file() && e.path().extension() == ".so") found.push_back(e.path());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(place)) {
      files.push_back(place);
    } else {
      throw PluginError(fmt::format("plugin path '{}' does not exist (from --plugin-path, [plugins] paths or "
                                    "GANRIG_PLUGIN_PATH)",
                                    place.string()));
    }
  }
  return files;
}

namespace {

// Libraries are deliberately leaked: unloading a library that links libtorch crashes at exit.
std::vector<boost::dll::shared_library*>& loaded_libraries() {
  static auto* libraries = new std::vector<boost::dll::shared_library*>();
  return *libraries;
}

// The file and its folder: writable only by their owner (whoever can write the folder can put a
// plugin there), owned by this user or root.
void check_permissions(const fs::path& file) {
  for (const fs::path& path : {file, file.parent_path()}) {
    const bool folder = path != file;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw PluginError(fmt::format("cannot stat plugin {}", path.string()));
    if (st.st_mode & (S_IWGRP | S_IWOTH))
      throw PluginError(fmt::format("refusing plugin {}: {}{} is writable by group or others (mode {:o}); run: "
                                    "chmod go-w {}",
                                    file.string(), folder ? "its folder " : "it", folder ? path.string() : "",
                                    st.st_mode & 0777, path.string()));
    if (st.st_uid != ::getuid() && st.st_uid != 0)
      throw PluginError(fmt::format("refusing plugin {}: {} belongs to another user (uid {})", file.string(),
                                    path.string(), st.st_uid));
  }
}

// What can be checked without running any of the plugin's code: it is a shared library of this
// system's format and exports the ABI symbol of this build (plugin_api.hpp).
void check_before_loading(const fs::path& file) {
  static const std::string ours = GANRIG_STRINGIFY(GANRIG_ABI_SYMBOL(GANRIG_ABI_VERSION));
  std::vector<std::string> symbols;
  try {
    symbols = boost::dll::library_info(file).symbols("boostdll");
  } catch (const std::exception& e) {
    throw PluginError(fmt::format("cannot load plugin {}: not a shared library for this system ({})", file.string(),
                                  e.what()));
  }
  if (std::find(symbols.begin(), symbols.end(), ours) != symbols.end()) return;
  for (const auto& theirs : symbols)
    if (theirs.rfind("ganrig_abi_", 0) == 0)
      throw PluginError(fmt::format("refusing plugin {} before loading it: it was built for {}, this host is {} "
                                    "(framework ABI, libtorch version, C++11 ABI flag); rebuild the plugin against "
                                    "this ganrig build",
                                    file.string(), theirs, ours));
  const bool older = std::find(symbols.begin(), symbols.end(), "ganrig_plugin_info_v1") != symbols.end();
  throw PluginError(older ? fmt::format("refusing plugin {} before loading it: it was built for a ganrig older than "
                                        "framework ABI 3; rebuild it against this ganrig build",
                                        file.string())
                          : fmt::format("{} is not a ganrig plugin: it exports no {} (see GANRIG_PLUGIN in "
                                        "plugin_api.hpp)",
                                        file.string(), ours));
}

void check_compatible(const fs::path& file, const PluginInfo& plugin) {
  const PluginInfo host = host_build_info();
  auto refuse = [&](const char* what, const std::string& theirs, const std::string& ours) {
    throw PluginError(fmt::format("refusing plugin {} ('{}'): {} differs: plugin {}, host {}; rebuild the plugin "
                                  "against this ganrig build",
                                  file.string(), plugin.name ? plugin.name : "?", what, theirs, ours));
  };
  if (plugin.abi_version != host.abi_version)
    refuse("framework ABI version", std::to_string(plugin.abi_version), std::to_string(host.abi_version));
  if (std::string(plugin.torch_version) != host.torch_version)
    refuse("libtorch version", plugin.torch_version, host.torch_version);
  if (plugin.cxx11_abi != host.cxx11_abi)
    refuse("C++11 ABI flag (_GLIBCXX_USE_CXX11_ABI)", std::to_string(plugin.cxx11_abi), std::to_string(host.cxx11_abi));
}

}  // namespace

void load_plugin(const fs::path& path, Registry& registry) {
  static std::mutex one_at_a_time;  // loading is meant for one thread at start-up; be safe anyway
  std::lock_guard<std::mutex> lock(one_at_a_time);
  const fs::path file = fs::weakly_canonical(path);
  for (const auto& p : registry.plugins())
    if (p.file == file.string()) return;
  check_permissions(file);
  check_before_loading(file);
  boost::dll::shared_library* library = nullptr;
  try {
    library = new boost::dll::shared_library(file, boost::dll::load_mode::rtld_now);
  } catch (const std::exception& e) {
    throw PluginError(fmt::format("cannot load plugin {}: {}", file.string(), e.what()));
  }
  loaded_libraries().push_back(library);
  if (!library->has("ganrig_plugin_info_v1") || !library->has("ganrig_plugin_register_v1"))
    throw PluginError(fmt::format("{} is not a ganrig plugin: it exports no ganrig_plugin_info_v1 / "
                                  "ganrig_plugin_register_v1 (see GANRIG_PLUGIN in plugin_api.hpp)",
                                  file.string()));
  const PluginInfo info = library->get_alias<PluginInfoFn>("ganrig_plugin_info_v1")();
  check_compatible(file, info);
  auto& register_fn = library->get_alias<PluginRegisterFn>("ganrig_plugin_register_v1");
  registry.set_current_plugin(file.string());
  try {
    register_fn(registry);
  } catch (...) {
    registry.set_current_plugin("<core>");
    throw;
  }
  registry.set_current_plugin("<core>");
  registry.add_plugin({info.name, info.version, file.string(), sha256_file(file), info.compiler, info.torch_version});
}

void load_plugins(const std::vector<fs::path>& files, Registry& registry) {
  for (const auto& f : files) load_plugin(f, registry);
}

}  // namespace ganrig
