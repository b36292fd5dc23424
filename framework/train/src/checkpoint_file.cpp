#include "ganrig/train/checkpoint_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <fstream>

#include "ganrig/atomic_file.hpp"
#include "ganrig/sha256.hpp"

namespace fs = std::filesystem;

namespace ganrig {

namespace {

constexpr std::size_t kEndRecordSize = 22;       // zip "end of central directory" without comment
constexpr char kEndSignature[] = "PK\x05\x06";
constexpr char kChecksumTag[] = "ganrig-sha256:";
constexpr std::size_t kCommentSize = sizeof(kChecksumTag) - 1 + 64;
constexpr std::size_t kChunk = std::size_t(4) << 20;

// LibTorch's archive writer, streamed to the file and hashed on the way. The last bytes (the end
// record, whose comment length must change) are held back until the archive is complete. Errors
// are kept and thrown after LibTorch returns: an exception inside its writer would abort.
class ChecksummingWriter {
 public:
  explicit ChecksummingWriter(const fs::path& file) : out_(file) {}

  std::size_t operator()(const void* data, std::size_t size) {
    pending_.append(static_cast<const char*>(data), size);
    if (pending_.size() > kChunk + kEndRecordSize) emit(pending_.size() - kEndRecordSize);
    return size;
  }

  void finish(const fs::path& file) {
    if (error_.empty()) {
      std::string tail = pending_.substr(pending_.size() - std::min(pending_.size(), kEndRecordSize));
      if (tail.size() != kEndRecordSize || tail.compare(0, 4, kEndSignature, 4) != 0 || tail[20] || tail[21])
        throw Error(fmt::format("internal: the archive written to {} does not end in a zip end record", file.string()));
      emit(pending_.size() - kEndRecordSize);
      tail[20] = static_cast<char>(kCommentSize & 0xff);
      tail[21] = static_cast<char>(kCommentSize >> 8);
      emit_bytes(tail);
      if (error_.empty()) write_raw(std::string(kChecksumTag) + hash_.hex());
    }
    if (!error_.empty()) throw Error(error_);
    out_.close();
  }

 private:
  void emit(std::size_t count) {
    emit_bytes(pending_.substr(0, count));
    pending_.erase(0, count);
  }
  void emit_bytes(const std::string& bytes) {
    hash_.update(bytes.data(), bytes.size());
    write_raw(bytes);
  }
  void write_raw(const std::string& bytes) {
    if (!error_.empty()) return;
    try {
      out_.write(bytes.data(), bytes.size());
    } catch (const std::exception& e) {
      error_ = e.what();  // the first failure, with its reason (e.g. No space left on device)
    }
  }

  PosixFile out_;
  Sha256 hash_;
  std::string pending_;
  std::string error_;
};

[[noreturn]] void damaged(const fs::path& file, const std::string& why) {
  throw CheckpointError(fmt::format("checkpoint {} is damaged: {}", file.string(), why));
}

std::string read_at(std::ifstream& in, std::uint64_t offset, std::size_t size) {
  std::string bytes(size, '\0');
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  return in ? bytes : std::string();
}

std::string hash_prefix(std::ifstream& in, std::uint64_t size) {
  Sha256 hash;
  std::string buffer(kChunk, '\0');
  in.seekg(0);
  for (std::uint64_t left = size; left > 0;) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer.size()));
    if (!in.read(buffer.data(), static_cast<std::streamsize>(n))) return {};
    hash.update(buffer.data(), n);
    left -= n;
  }
  return hash.hex();
}

}  // namespace

void save_checksummed(torch::serialize::OutputArchive& archive, const fs::path& file) {
  ChecksummingWriter writer(file);
  archive.save_to([&writer](const void* data, std::size_t size) { return writer(data, size); });
  writer.finish(file);
}

Integrity verify_checkpoint_file(const fs::path& file) {
  std::error_code error;
  const std::uint64_t size = fs::file_size(file, error);
  // Not being able to read a file says nothing of its content: an Error, never set aside as damaged.
  if (error) throw Error(fmt::format("cannot read checkpoint {}: {}", file.string(), error.message()));
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(fmt::format("cannot read checkpoint {}: {}", file.string(), std::strerror(errno)));
  if (read_at(in, 0, 4) != std::string("PK\x03\x04", 4))
    throw CheckpointError(fmt::format("{} is not a checkpoint (not a LibTorch archive)", file.string()));
  const std::size_t trailer = kEndRecordSize + kCommentSize;
  if (size >= trailer) {
    const std::string end = read_at(in, size - trailer, trailer);
    const std::string comment = end.substr(kEndRecordSize);
    if (end.compare(0, 4, kEndSignature, 4) == 0 && comment.rfind(kChecksumTag, 0) == 0) {
      const std::string expected = comment.substr(sizeof(kChecksumTag) - 1);
      const std::string actual = hash_prefix(in, size - kCommentSize);
      if (actual != expected)
        damaged(file, fmt::format("its content does not match the checksum it was written with (sha256 {}, now {})",
                                  expected.substr(0, 12), actual.empty() ? "unreadable" : actual.substr(0, 12)));
      return Integrity::verified;
    }
  }
  const std::string end = size >= kEndRecordSize ? read_at(in, size - kEndRecordSize, kEndRecordSize) : "";
  if (end.size() == kEndRecordSize && end.compare(0, 4, kEndSignature, 4) == 0 && !end[20] && !end[21])
    return Integrity::no_checksum;  // complete, written before checksums
  damaged(file, fmt::format("it is truncated ({} bytes, no end of archive)", size));
}

}  // namespace ganrig
