// sha256 through OpenSSL when the build found it (GANRIG_WITH_OPENSSL), else the portable one.
#include "ganrig/sha256.hpp"

#ifdef GANRIG_WITH_OPENSSL
#include <openssl/evp.h>
#endif

#include <fstream>
#include <memory>
#include <vector>

#include "ganrig/error.hpp"
#include "sha256_portable.hpp"

namespace ganrig {

namespace {

std::string hex_of(const unsigned char* bytes, std::size_t size) {
  static const char* digits = "0123456789abcdef";
  std::string text;
  for (std::size_t i = 0; i < size; ++i) {
    text += digits[bytes[i] >> 4];
    text += digits[bytes[i] & 15];
  }
  return text;
}

#ifdef GANRIG_WITH_OPENSSL
class Digest {
 public:
  Digest() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) { EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr); }
  void update(const void* data, std::size_t size) { EVP_DigestUpdate(ctx_.get(), data, size); }
  std::string hex() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(ctx_.get(), out, &size);
    return hex_of(out, size);
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};
#else
class Digest {
 public:
  void update(const void* data, std::size_t size) { portable_.update(data, size); }
  std::string hex() {
    const auto out = portable_.finish();
    return hex_of(out.data(), out.size());
  }

 private:
  PortableSha256 portable_;
};
#endif

}  // namespace

std::string sha256_portable_hex(const void* data, std::size_t size) {
  PortableSha256 portable;
  portable.update(data, size);
  const auto out = portable.finish();
  return hex_of(out.data(), out.size());
}

bool sha256_uses_openssl() {
#ifdef GANRIG_WITH_OPENSSL
  return true;
#else
  return false;
#endif
}

std::string sha256_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("cannot read " + file.string() + " to hash it");
  Digest digest;
  std::vector<char> buffer(1 << 16);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    digest.update(buffer.data(), static_cast<std::size_t>(in.gcount()));
  }
  return digest.hex();
}

struct Sha256::State {
  Digest digest;
};
Sha256::Sha256() : state_(std::make_unique<State>()) {}
Sha256::~Sha256() = default;
void Sha256::update(const void* data, std::size_t size) { state_->digest.update(data, size); }
std::string Sha256::hex() { return state_->digest.hex(); }

std::string sha256_text(const std::string& text) { return sha256_bytes(text.data(), text.size()); }

std::string sha256_bytes(const void* data, std::size_t size) {
  Digest digest;
  digest.update(data, size);
  return digest.hex();
}

}  // namespace ganrig
