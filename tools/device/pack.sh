#!/usr/bin/env bash
# Gathers what the device kit (tools/device/run.sh) needs on a GPU machine without network or Debian's
# packages into one ignored folder: the header-only dependencies from this machine's Debian packages
# (toml++, fmt, nlohmann-json, CLI11, Catch2 v2, zlib's two headers, and the part of Boost that
# Boost.DLL includes), Catch2's CMake test discovery, and Fashion-MNIST's test split (4.4 MB) for the
# GPU tests. Prints its size; refuses to pass 20 MiB of headers. Copy the folder whole.
#
#   tools/device/pack.sh [OUT]          (default: cache/device-kit; MANIFEST lists every file's sha256)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-cache/device-kit}
limit_mib=20
for p in libtomlplusplus-dev libfmt-dev nlohmann-json3-dev libcli11-dev libboost-dev catch2 zlib1g-dev dataset-fashion-mnist; do
  dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q "install ok installed" ||
    { echo "pack: Debian package $p is not installed (tools/setup.sh --tests installs it)" >&2; exit 1; }
done
[ -e /usr/include/catch2/catch.hpp ] || { echo "pack: no Catch2 v2 single header (/usr/include/catch2/catch.hpp): make the kit on Debian 12" >&2; exit 1; }
rm -rf "$out" && mkdir -p "$out/include" "$out/cmake" "$out/data/fashion-mnist"

# Whole folders of the small libraries (fmt header-only needs format-inl.h, which the system's
# compiled fmt never includes; toml++'s implementation files likewise).
for d in toml++ fmt nlohmann CLI; do cp -r "/usr/include/$d" "$out/include/"; done
mkdir -p "$out/include/catch2" && cp /usr/include/catch2/catch.hpp "$out/include/catch2/"
cp /usr/include/zlib.h /usr/include/zconf.h "$out/include/"
cp /usr/lib/cmake/Catch2/Catch.cmake /usr/lib/cmake/Catch2/CatchAddTests.cmake "$out/cmake/"

# Boost: the headers that the Boost.DLL includes of ganrig's sources pull in (as g++ and, when
# installed, clang++ preprocess them with ganrig's definitions), and Boost's compiler and library
# configuration whole (another compiler version picks other files there).
probe=$(mktemp --suffix=.cpp)
trap 'rm -f "$probe"' EXIT
grep -rhoE '#include <boost/[^>]+>' framework plugins | sort -u > "$probe"
boost_headers() { "$1" -std=c++17 -DBOOST_DLL_USE_STD_FS -M "$probe" | tr ' \\' '\n\n' | grep '^/usr/include/boost/' || true; }
{ boost_headers g++; command -v clang++ > /dev/null && boost_headers clang++; find /usr/include/boost/config -type f; \
  echo /usr/include/boost/version.hpp; } | sort -u | while read -r f; do
  mkdir -p "$out/include/$(dirname "${f#/usr/include/}")" && cp "$f" "$out/include/${f#/usr/include/}"
done
cp /usr/share/datasets/fashion-mnist/t10k-*.gz "$out/data/fashion-mnist/"

{
  echo "# ganrig device kit, made $(date -u +%FT%TZ) on $(. /etc/os-release; echo "$PRETTY_NAME") by tools/device/pack.sh"
  dpkg-query -W libtomlplusplus-dev libfmt-dev nlohmann-json3-dev libcli11-dev libboost-dev catch2 zlib1g-dev dataset-fashion-mnist
  (cd "$out" && find include cmake data -type f | sort | xargs sha256sum)
} > "$out/MANIFEST"
headers_kib=$(du -sk "$out/include" "$out/cmake" | awk '{ s += $1 } END { print s }')
echo "pack: $out: headers and CMake files $((headers_kib / 1024)).$(((headers_kib % 1024) * 10 / 1024)) MiB" \
     "($(find "$out/include" -type f | wc -l) files), data $(du -sh "$out/data" | cut -f1), in all $(du -sh "$out" | cut -f1)"
[ "$headers_kib" -le $((limit_mib * 1024)) ] || { echo "pack: the headers exceed $limit_mib MiB" >&2; exit 1; }
