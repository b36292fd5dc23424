#pragma once
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

namespace ganrig {
// Hex sha256 of a file's bytes (OpenSSL when the build found it, else a portable implementation).
std::string sha256_file(const std::filesystem::path& file);
std::string sha256_text(const std::string& text);
std::string sha256_bytes(const void* data, std::size_t size);

// The portable implementation, whatever the build uses (its test compares the two), and which one
// the functions here use.
std::string sha256_portable_hex(const void* data, std::size_t size);
bool sha256_uses_openssl();

// Incremental sha256: large files are hashed while they are written or read, in one pass.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, std::size_t size);
  std::string hex();  // the digest of everything given; call once

 private:
  struct State;
  std::unique_ptr<State> state_;
};
}  // namespace ganrig
