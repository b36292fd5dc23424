#pragma once
#include <cstddef>
#include <filesystem>
#include <string>

namespace ganrig {
// Hex sha256 of a file's bytes (OpenSSL).
std::string sha256_file(const std::filesystem::path& file);
std::string sha256_text(const std::string& text);
std::string sha256_bytes(const void* data, std::size_t size);
}  // namespace ganrig
