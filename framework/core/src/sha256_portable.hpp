#pragma once
// SHA-256 without OpenSSL (sha256_portable.cpp). Internal to the core: sha256.hpp is the interface.
#include <array>
#include <cstddef>
#include <cstdint>

namespace ganrig {

class PortableSha256 {
 public:
  void update(const void* data, std::size_t size);
  std::array<std::uint8_t, 32> finish();  // once, after the last update

 private:
  void compress(const std::uint8_t* block);
  std::uint32_t h_[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::uint8_t block_[64] = {};
  std::size_t filled_ = 0;
  std::uint64_t length_ = 0;
};

}  // namespace ganrig
