#!/usr/bin/env bash
# The device kit: on a machine with an NVIDIA GPU, a Python PyTorch 2.x with CUDA, CMake, ninja (or
# make) and a C++17 compiler, and no network, run from the repository root with the folder of
# tools/device/pack.sh present. Builds ganrig against the Python's LibTorch without OpenCV, runs the
# GPU checks of the suite (ctest label `cuda`), benchmarks the 256x256 Projected GAN recipe against
# the PyTorch-eager peer in fp32 and AMP, and writes everything under one folder. Prints each stage's time.
#
#   tools/device/run.sh [--kit cache/device-kit] [--out tools/device/results/<date>] [--python python3]
#                       [--reps 2] [--cpu] [--build DIR]
# --cpu: the dry run on a machine without a GPU, against the LibTorch CMake finds (Debian's): the CUDA
#        checks are reported Skipped and their steps are run on the CPU instead; a small benchmark.
# --build DIR: use an existing build of ganrig instead of building one (the kit is still configured
#        against, into a scratch folder, to check it).
set -uo pipefail
cd "$(dirname "$0")/../.."
src=$PWD
kit=cache/device-kit out="" python=python3 reps=2 cpu=0 build=""
while [ $# -gt 0 ]; do
  case "$1" in
    --kit) kit=$2; shift ;;
    --out) out=$2; shift ;;
    --python) python=$2; shift ;;
    --reps) reps=$2; shift ;;
    --cpu) cpu=1 ;;
    --build) build=$2; shift ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[ "$cpu" = 1 ] && [ "$python" = python3 ] && python=/usr/bin/python3
out=${out:-tools/device/results/$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$out" && out=$(cd "$out" && pwd)
# The dry run makes the kit when it is missing, from Debian 12's packages: Catch2 v2's single header
# among them (Debian 13's Catch2 3 is a compiled library: there the dry run is Skipped, exit 77).
if [ "$cpu" = 1 ] && [ ! -e "$kit/MANIFEST" ]; then
  [ -e /usr/include/catch2/catch.hpp ] ||
    { echo "SKIP: the kit is made from Debian 12's packages; this machine has no Catch2 v2 single header"; exit 77; }
  tools/device/pack.sh "$kit" || exit 1
fi
kit=$(cd "$kit" 2> /dev/null && pwd) || { echo "run.sh: no kit folder; make it with tools/device/pack.sh and copy it here" >&2; exit 2; }
jobs=$(nproc)
log=$out/run.log
exec > >(tee "$log") 2>&1
start_all=$(date +%s) stage_start=$(date +%s) stage_name=""
stage() {
  local now; now=$(date +%s)
  [ -n "$stage_name" ] && printf '== %-28s %4d s\n' "$stage_name" $((now - stage_start)) | tee -a "$out/stages.txt"
  stage_name=$1 stage_start=$now
  [ -n "$1" ] && echo "== $(date -u +%T) $1"
}
die() { echo "run.sh: FAILED: $*"; exit 1; }

stage "environment"
{
  echo "date: $(date -u +%FT%TZ)  host: $(hostname)  cores: $jobs"
  command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  "$python" -c 'import torch, sys; print("python", sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda,
    "available", torch.cuda.is_available(), "cxx11 abi", torch.compiled_with_cxx11_abi())' 2>&1
  cmake --version | head -1; (ninja --version 2> /dev/null | sed 's/^/ninja /') || true; c++ --version | head -1
  head -1 "$kit/MANIFEST"
} | tee "$out/environment.txt"

stage "kit headers alone"
# Every header-only include of the sources compiles from the kit, with the system's own copies hidden
# where this process may hide them (root: a private mount namespace), so nothing falls back to them.
probe=$out/deps_probe.cpp
grep -rhoE '#include <(boost|toml\+\+|fmt|nlohmann|CLI|catch2/catch\.hpp|zlib)[^>]*>' framework plugins tests examples | sort -u > "$probe"
echo 'int main() { return 0; }' >> "$probe"
compile="c++ -std=c++17 -fsyntax-only -DBOOST_DLL_USE_STD_FS -DFMT_HEADER_ONLY=1 -DTOML_HEADER_ONLY=1 -isystem $kit/include $probe"
hide="empty=\$(mktemp -d); for d in boost toml++ fmt nlohmann CLI catch2; do [ -d /usr/include/\$d ] && mount --bind \$empty /usr/include/\$d; done;
  [ -e /usr/include/zlib.h ] && mount --bind /dev/null /usr/include/zlib.h;"
if [ "$(id -u)" = 0 ] && unshare -m true 2> /dev/null; then
  unshare -m bash -c "$hide $compile" || die "the kit's headers do not compile alone"
  echo "deps compile from the kit alone (system copies hidden)"
else
  $compile || die "the kit's headers do not compile"
  echo "deps compile from the kit (system copies not hidden: not root)"
fi

# Where this Python's LibTorch is (on the GPU machine), zlib when its headers are missing, NCCL's header.
cmake_args=(-DCMAKE_BUILD_TYPE=Release -DGANRIG_WITH_OPENCV=OFF -DGANRIG_BUILD_TESTS=ON -DGANRIG_DEPS_DIR="$kit")
command -v ninja > /dev/null && cmake_args+=(-G Ninja)
if [ "$cpu" = 0 ]; then
  prefix=$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)') || die "$python has no torch"
  cmake_args+=(-DCMAKE_PREFIX_PATH="$prefix" -DPython3_EXECUTABLE="$(command -v "$python")")
  nccl=$("$python" -c 'import nvidia.nccl, os; print(os.path.join(list(nvidia.nccl.__path__)[0], "include"))' 2> /dev/null) &&
    [ -e "$nccl/nccl.h" ] && cmake_args+=(-DGANRIG_NCCL_INCLUDE_DIR="$nccl")
fi
if [ ! -s /usr/include/zlib.h ]; then  # missing (or hidden, empty)
  libz=$(ldconfig -p 2> /dev/null | awk '/libz\.so\.1 .*x86-64/ { print $NF; exit }')
  [ -n "$libz" ] && cmake_args+=(-DZLIB_INCLUDE_DIR="$kit/include" -DZLIB_LIBRARY="$libz")
fi

stage "configure"
if [ -n "$build" ]; then
  build=$(cd "$build" && pwd) || die "no build folder $build"
  scratch=$out/configure-check
  if [ "$(id -u)" = 0 ] && unshare -m true 2> /dev/null; then
    unshare -m bash -c "$hide cmake -S . -B '$scratch' ${cmake_args[*]} > '$out/configure.log' 2>&1" || { tail -20 "$out/configure.log"; die "configure against the kit"; }
  else
    cmake -S . -B "$scratch" "${cmake_args[@]}" > "$out/configure.log" 2>&1 || { tail -20 "$out/configure.log"; die "configure against the kit"; }
  fi
  rm -rf "$scratch"
  echo "configure against the kit: ok (building nothing: --build $build)"
else
  build=$out/build
  cmake -S . -B "$build" "${cmake_args[@]}" > "$out/configure.log" 2>&1 || { tail -30 "$out/configure.log"; die "configure"; }
  echo "configure against the kit: ok"
fi
grep -E "LibTorch|Header-only|NCCL|zlib|C\+\+ ABI" "$out/configure.log" | sed 's/^-- //'

stage "build"
if [ -z "${scratch:-}" ]; then
  cmake --build "$build" -j"$jobs" --target ganrig_runtime > "$out/build.log" 2>&1 || { tail -40 "$out/build.log"; die "build"; }
  echo "built $build/bin/ganrig and its plugins"
fi
ganrig=$build/bin/ganrig
"$ganrig" --help > /dev/null || die "$ganrig does not start"

stage "cuda tests"
[ "$cpu" = 0 ] && export GANRIG_FMNIST_DIR=$kit/data/fashion-mnist
ctest --test-dir "$build" -L cuda --output-on-failure > "$out/cuda-tests.log" 2>&1
grep -E "^ *[0-9]+/[0-9]+ Test|tests passed|SKIP:|: PASSED|FAILED" "$out/cuda-tests.log"
results=$(grep -E "^ *[0-9]+/[0-9]+ Test" "$out/cuda-tests.log")
count() { [ -z "$results" ] && echo 0 || echo "$results" | grep -cE "$1"; }
echo "$(count .) cuda tests: $(count ' Passed ') passed, $(count 'Skipped') skipped, $(count 'Failed|Timeout|Not Run|Exception') failed"
[ "$(count 'Failed|Timeout|Not Run|Exception')" = 0 ] || die "cuda tests"
if [ "$cpu" = 1 ]; then
  # The checks' own steps, on the CPU: what the GPU machine will run, minus fp16 and NCCL.
  mkdir -p "$out/cpu-checks"
  for check in train_precisions checkpoint_across_devices nccl_world_of_one generate_matches_cpu; do
    (cd "$out/cpu-checks" && GANRIG_CHECK_DEVICE=cpu "$src/tests/cuda/cuda_checks.sh" $check "$ganrig" "$src" "$python") \
      > "$out/cpu-checks/$check.log" 2>&1 || { cat "$out/cpu-checks/$check.log"; die "$check on the CPU"; }
    tail -3 "$out/cpu-checks/$check.log"
  done
fi

stage "benchmark"
if [ "$cpu" = 1 ]; then
  bench=(--device cpu --precisions fp32 --reps 1 --warmup 0 --iterations 1 --small)
else
  bench=(--device cuda --precisions fp32,fp16 --reps "$reps")
fi
"$python" tools/device/bench.py --ganrig "$ganrig" --data "$kit/data/fashion-mnist" --out "$out" "${bench[@]}" ||
  die "benchmark"

stage ""
echo "device kit: done in $(($(date +%s) - start_all)) s; everything is in $out"
