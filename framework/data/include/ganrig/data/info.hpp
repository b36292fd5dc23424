#pragma once
// `ganrig data info PATH`: what a folder or zip of images holds (count, sizes, channels,
// problems) before preparing it, or what a prepared file holds.
#include <filesystem>
#include <string>

namespace ganrig::data {

std::string describe_images(const std::filesystem::path& path);

}  // namespace ganrig::data
