// sha256: the portable implementation (used where the build finds no OpenSSL) on FIPS 180-4's test
// vectors and, at every length around the block boundaries and in odd-sized pieces, equal to what
// the build uses (OpenSSL's when found).
#include "catch_compat.hpp"

#include <random>
#include <string>
#include <vector>

#include "ganrig/sha256.hpp"

using namespace ganrig;

TEST_CASE("the portable sha256 gives the standard's digests", "[sha256]") {
  const std::string abc = "abc", two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  CHECK(sha256_portable_hex("", 0) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_portable_hex(abc.data(), abc.size()) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_portable_hex(two_blocks.data(), two_blocks.size()) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const std::string million(1000000, 'a');
  CHECK(sha256_portable_hex(million.data(), million.size()) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("the portable sha256 equals the build's at every length and in pieces", "[sha256]") {
  INFO("the build's sha256 uses " << (sha256_uses_openssl() ? "OpenSSL" : "the portable implementation"));
  std::mt19937 random(7);
  std::vector<unsigned char> bytes(300);
  for (auto& b : bytes) b = static_cast<unsigned char>(random());
  for (std::size_t n = 0; n <= bytes.size(); ++n) {
    INFO("length " << n);
    REQUIRE(sha256_portable_hex(bytes.data(), n) == sha256_bytes(bytes.data(), n));
  }
  Sha256 pieces;
  for (std::size_t at = 0, step = 1; at < bytes.size(); at += step, step = step * 3 % 71 + 1)
    pieces.update(bytes.data() + at, std::min(step, bytes.size() - at));
  CHECK(pieces.hex() == sha256_portable_hex(bytes.data(), bytes.size()));
}
