#!/usr/bin/env bash
# Builds the libFuzzer target over the config loader and validator (fuzz/config_fuzzer.cpp) with
# clang in build-fuzz/, and runs it from the committed seed corpus (fuzz/corpus, left unchanged:
# new inputs go to build-fuzz/corpus). A finding is saved as build-fuzz/crash-* and fails the run.
#
#   tools/fuzz.sh [--seconds N] [--runs N] [--jobs N]
# --seconds: wall time (default 60); --runs: stop after N executions instead (-1: no limit);
# --jobs: parallel fuzzing processes (default 1). Inputs up to 512 KiB: the corpus holds a
# 200,000-part dotted key (400 KB) that once overflowed the parser's stack.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=60 runs=-1 jobs=1
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --runs) runs=$2; seconds=0; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    *) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz.sh: SKIPPED: clang++ is not installed (tools/setup.sh --tests installs clang and libclang-rt-14-dev)"
  exit 77
fi
build=${GANRIG_FUZZ_BUILD_DIR:-build-fuzz}
cmake -S . -B "$build" -DGANRIG_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"${GANRIG_JOBS:-$(nproc)}" >/dev/null
mkdir -p "$build/corpus"
flags=(-max_len=524288 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -dict=fuzz/toml.dict
       -artifact_prefix="$build/")
[ "$seconds" != 0 ] && flags+=(-max_total_time="$seconds")
[ "$runs" != -1 ] && flags+=(-runs="$runs")
if [ "$jobs" -gt 1 ]; then flags+=(-jobs="$jobs" -workers="$jobs"); fi
exec "$build/fuzz/config_fuzzer" "${flags[@]}" "$build/corpus" fuzz/corpus
