#!/usr/bin/env bash
# Installs the Debian packages ganrig needs (only the missing ones; nothing when all are there),
# then configures and builds it in Release. Works on a fresh Debian 12 machine as root.
#
#   tools/setup.sh [--no-build] [--no-opencv] [--tests]
#
#   --no-opencv  a training-only build: no OpenCV (image_folder and PNG samples are left out;
#                set [exec] sample_format = "ppm"); only LibTorch and header-only libraries
#   --tests      also build the Catch2 test suite
# Environment: GANRIG_BUILD_DIR (default: build), GANRIG_JOBS (default: nproc).
set -euo pipefail
cd "$(dirname "$0")/.."

build=1 opencv=ON tests=OFF
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    --no-opencv) opencv=OFF ;;
    --tests) tests=ON ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

# Versions are those of Debian 12 (bookworm); tools/check-versions below refuses a LibTorch
# older than the one the code is tested with.
packages=(
  build-essential cmake pkg-config ccache git
  libtorch-dev                    # LibTorch 1.13.1 (CPU)
  libgloo-dev                     # headers of Gloo, c10d's CPU backend inside LibTorch (docs/distributed.md)
  libopenblas0-pthread            # BLAS for LibTorch's matrix products (the reference BLAS is ~16x slower)
  libjemalloc-dev                 # the training process's allocator (tools/bench/README.md)
  libboost-dev                    # Boost.DLL (header-only with std::filesystem)
  libtomlplusplus-dev libfmt-dev nlohmann-json3-dev libcli11-dev
  libssl-dev zlib1g-dev
  dataset-fashion-mnist           # the quick-start and test data
)
[ "$opencv" = ON ] && packages+=(libopencv-dev libzip-dev librsvg2-bin)  # librsvg2-bin: SVG datasets (ganrig data)
# node and npm fetch and convert the pretrained projector weights (tools/fetch-weights.sh).
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
# python3-torch: the PyTorch-eager peer of the speed benchmark (tools/bench/), checked by a test.
[ "$tests" = ON ] && packages+=(catch2 python3-torch clang libclang-rt-14-dev)  # clang: the libFuzzer target (tools/fuzz.sh)
# scipy, requests, psutil, pil, dill, click: what the official Projected GAN code imports (tools/twin/).
[ "$tests" = ON ] && packages+=(python3-scipy python3-requests python3-psutil python3-pil python3-dill python3-click python3-tqdm)
# chromium: the report page's browser test (headless).
[ "$tests" = ON ] && packages+=(chromium)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all Debian packages present"
fi

torch_version=$(dpkg-query -W -f='${Version}' libtorch-dev)
case "$torch_version" in
  1.13.*|2.*) ;;
  *) echo "setup: libtorch-dev $torch_version is older than 1.13; ganrig needs >= 1.13" >&2; exit 1 ;;
esac

# uPlot, inlined into the report pages (npm, pinned, sha256-checked).
tools/fetch-uplot.sh || echo "setup: no uPlot (npm registry unreachable?): report pages will have no plots" >&2

[ "$build" = 1 ] || exit 0
# ccache must accept precompiled headers.
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
build_dir=${GANRIG_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DGANRIG_WITH_OPENCV=$opencv -DGANRIG_BUILD_TESTS=$tests >/dev/null
cmake --build "$build_dir" -j"${GANRIG_JOBS:-$(nproc)}"
echo "setup: built $build_dir/bin/ganrig and the plugins in $build_dir/plugins"
