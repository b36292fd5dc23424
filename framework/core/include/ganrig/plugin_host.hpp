#pragma once
// Loads plugin .so files through Boost.DLL from explicit places only, in sorted order, on the
// calling thread, and never unloads them (dlclose would crash libtorch's static registrations).
#include <filesystem>
#include <string>
#include <vector>

#include "ganrig/registry.hpp"

namespace ganrig {

// The plugin folder of the build tree this binary belongs to.
std::filesystem::path build_plugin_dir();

// Plugin files from a list of places (a .so file or a folder of them), plus GANRIG_PLUGIN_PATH
// (colon-separated) when `include_env` is set. Folders contribute their *.so files, sorted;
// a place that does not exist is an error.
std::vector<std::filesystem::path> plugin_files(const std::vector<std::filesystem::path>& places,
                                                bool include_env = true);

// Loads one plugin into the registry after the ABI handshake and the permission check.
// A file already loaded is skipped.
void load_plugin(const std::filesystem::path& file, Registry& registry);

void load_plugins(const std::vector<std::filesystem::path>& files, Registry& registry);

}  // namespace ganrig
