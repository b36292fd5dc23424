#pragma once
// The bytes of a checkpoint file. A checkpoint is a LibTorch archive (a zip of stored records);
// LibTorch does not check the records' CRCs when it reads, so a flipped byte would load silently.
// ganrig therefore writes the sha256 of every byte before it into the zip's archive comment
// ("ganrig-sha256:<hex>", which zip readers, Python's torch.load included, ignore) and checks it
// before reading. Files written before checksums existed load with a warning.
#include <filesystem>
#include <functional>
#include <string>

#include <torch/torch.h>

#include "ganrig/error.hpp"

namespace ganrig {

// A checkpoint that is damaged (a flipped byte, truncated), or a file that is not one; names the file.
class CheckpointError : public Error {
 public:
  using Error::Error;
};

// Writes `archive` to `file` (the temporary of an atomic write) with the checksum, in one pass
// while LibTorch serializes. A full disk or any other write error is an Error with its reason.
void save_checksummed(torch::serialize::OutputArchive& archive, const std::filesystem::path& file);

enum class Integrity { verified, no_checksum };

// Checks a checkpoint's checksum; CheckpointError when it fails or the file is no checkpoint, Error
// when the file cannot be read at all (missing, permissions).
Integrity verify_checkpoint_file(const std::filesystem::path& file);

}  // namespace ganrig
