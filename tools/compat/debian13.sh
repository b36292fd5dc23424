#!/usr/bin/env bash
# Builds ganrig against LibTorch 2.6 (Debian 13's libtorch-dev) and runs its suite, in a Debian 13
# (trixie) root made with debootstrap from Debian's own packages. The root lives in an ignored
# folder and is reused when present; the source is the working tree's tracked files, copied in.
# Needs root (debootstrap, chroot, mount) and Debian's mirror. Far too long for CI.
#
#   tools/compat/debian13.sh [--build-only | --root-only]     (log: stdout; stages timed)
# --build-only: no test suite; instead a smoke run (validate the DCGAN and Projected GAN experiments, train the tiny
# DCGAN in 1 process and in 2, resume) of the built binary. --root-only: make the root and install its packages, no more.
# Environment: GANRIG_DEBIAN13_ROOT (default: cache/compat/debian13), GANRIG_JOBS (default: nproc).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=${GANRIG_DEBIAN13_ROOT:-$PWD/cache/compat/debian13}
jobs=${GANRIG_JOBS:-$(nproc)}
tests=ON root_only=0
[ "${1:-}" = --build-only ] && tests=OFF
[ "${1:-}" = --root-only ] && root_only=1
mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
stage() { echo "== $(date -u +%T) $*"; }

# What tools/setup.sh --tests installs, by Debian 13's names; clang's fuzzing runtime, Chromium and
# npm are left out (their tests report Skipped).
packages=(build-essential cmake pkg-config git libtorch-dev libgloo-dev libopenblas0-pthread libjemalloc-dev
  libboost-dev libtomlplusplus-dev libfmt-dev nlohmann-json3-dev libcli11-dev libssl-dev zlib1g-dev
  dataset-fashion-mnist catch2 python3-torch python3-numpy python3-scipy python3-pil python3-tqdm
  libopencv-dev libzip-dev librsvg2-bin)

if [ ! -e "$root/.ganrig-packages" ]; then
  command -v debootstrap > /dev/null || apt-get install -y -q debootstrap
  if [ ! -x "$root/usr/bin/apt-get" ]; then
    stage "debootstrap trixie into $root from $mirror"
    mkdir -p "$root"
    debootstrap --variant=minbase trixie "$root" "$mirror"
  fi
fi
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
trap 'umount "$root/proc" 2> /dev/null || true' EXIT
cp /etc/resolv.conf "$root/etc/resolv.conf"
in_root() { chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 bash -c "$1"; }
if [ "$(cat "$root/.ganrig-packages" 2> /dev/null)" != "${packages[*]}" ]; then
  stage "installing ${packages[*]}"
  in_root "apt-get update -q && apt-get install -y -q --no-install-recommends ${packages[*]}"
  echo "${packages[*]}" > "$root/.ganrig-packages"
fi
in_root "dpkg-query -W libtorch-dev python3-torch catch2 g++ cmake libfmt-dev"
[ "$root_only" = 1 ] && exit 0

echo "source: commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ', with uncommitted changes')"
stage "copying the working tree's tracked files to /src/ganrig (its build/ kept), and cache/weights and cache/npm"
# Only files whose content changed are written (with the time of the copy): tar keeps the working
# tree's times, older than objects the kept build made since, and make would skip those sources.
incoming=$root/src/.ganrig-incoming
rm -rf "$incoming" && mkdir -p "$incoming" "$root/src/ganrig"
git ls-files -z | tar --null -T - -c | tar -x -C "$incoming"
(cd "$root/src/ganrig" && find . -path ./build -prune -o -path ./cache -prune -o -type f -print) | while read -r f; do
  [ -e "$incoming/$f" ] || rm -f "$root/src/ganrig/$f"
done
(cd "$incoming" && find . -type f -print) | while read -r f; do
  cmp -s "$incoming/$f" "$root/src/ganrig/$f" ||
    { mkdir -p "$(dirname "$root/src/ganrig/$f")" && cp "$incoming/$f" "$root/src/ganrig/$f"; }
done
rm -rf "$incoming"
# The pretrained weights and uPlot that tools/test.sh fetches here (the root has no npm).
for d in weights npm; do [ -d "cache/$d" ] && mkdir -p "$root/src/ganrig/cache" && cp -r "cache/$d" "$root/src/ganrig/cache/"; done
stage "configure and build (tests $tests, OpenCV as tools/setup.sh)"
in_root "cd /src/ganrig && cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DGANRIG_WITH_OPENCV=ON \
  -DGANRIG_BUILD_TESTS=$tests > /dev/null && cmake --build build -j$jobs"
if [ "$tests" = OFF ]; then
  stage "smoke run of the built binary"
  in_root "set -o pipefail; cd /src/ganrig && G=build/bin/ganrig && rm -rf runs-smoke && \$G --help | head -1 &&
    \$G validate experiments/dcgan/*.toml experiments/projected_gan/*.toml --set exec.sample_format=ppm | tail -3 &&
    S='--set eval.metrics=[] --set exec.sample_format=ppm --set train.total_kimg=0.064' &&
    \$G train tests/fixtures/train/tiny_fmnist_eval.toml \$S --run-root runs-smoke --desc one --stop-after-ticks 2 | tail -3 &&
    \$G train runs-smoke/tiny_fmnist_eval/00000-one | tail -4 &&
    \$G train tests/fixtures/train/tiny_fmnist_eval.toml \$S --nproc 2 --run-root runs-smoke --desc two | tail -4"
  stage "done"
  exit 0
fi
stage "ctest"
in_root "cd /src/ganrig && ctest --test-dir build -j$jobs --output-on-failure"
stage "done"
