#pragma once
#include <filesystem>

namespace ganrig {

// The folder for prepared weights, datasets and metric statistics: $GANRIG_CACHE, else
// <source tree>/cache (git-ignored).
std::filesystem::path cache_dir();

}  // namespace ganrig
