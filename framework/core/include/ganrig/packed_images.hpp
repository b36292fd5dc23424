#pragma once
// A prepared dataset at one resolution, in one file that training reads at once: "GANRIGD1", a
// uint64 little-endian header length, a JSON header {count, channels, resolution, names, manifest},
// then count * channels * resolution^2 uint8 values in [N, C, H, W] order. Written by
// `ganrig data prepare` (temporary file + rename), read by the `prepared` dataset plugin.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ganrig/error.hpp"

namespace ganrig {

struct PackedImagesHeader {
  nlohmann::json json;        // count, channels, resolution, names, manifest (source, steps, problems)
  std::uint64_t data_offset = 0;
  std::int64_t count() const { return json.at("count").get<std::int64_t>(); }
  std::int64_t channels() const { return json.at("channels").get<std::int64_t>(); }
  std::int64_t resolution() const { return json.at("resolution").get<std::int64_t>(); }
  std::uint64_t data_bytes() const {
    return static_cast<std::uint64_t>(count() * channels() * resolution() * resolution());
  }
};

inline constexpr char kPackedImagesMagic[9] = "GANRIGD1";

inline PackedImagesHeader read_packed_images_header(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("cannot read " + file.string());
  char magic[8];
  std::uint64_t length = 0;
  in.read(magic, 8);
  in.read(reinterpret_cast<char*>(&length), 8);
  if (!in || std::string(magic, 8) != kPackedImagesMagic || length > (1u << 30))
    throw Error(file.string() + ": not a ganrig prepared dataset (expected the GANRIGD1 format)");
  std::string text(length, '\0');
  in.read(text.data(), static_cast<std::streamsize>(length));
  PackedImagesHeader header;
  header.json = nlohmann::json::parse(text, nullptr, false);
  if (!in || header.json.is_discarded() || !header.json.contains("count"))
    throw Error(file.string() + ": damaged header");
  header.data_offset = 16 + length;
  const auto size = std::filesystem::file_size(file);
  if (size != header.data_offset + header.data_bytes())
    throw Error(file.string() + ": truncated or damaged (" + std::to_string(size) + " bytes, expected " +
                std::to_string(header.data_offset + header.data_bytes()) + ")");
  return header;
}

}  // namespace ganrig
