#!/usr/bin/env bash
# Installs what is missing, builds ganrig with its tests, and runs the whole suite through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh --tests
tools/fetch-weights.sh   # the pretrained projector weights the golden test compares against
build_dir=${GANRIG_BUILD_DIR:-build}
ctest --test-dir "$build_dir" --output-on-failure -j"${GANRIG_JOBS:-$(nproc)}" "$@"
