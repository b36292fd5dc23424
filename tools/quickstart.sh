#!/usr/bin/env bash
# Installs, builds, and trains the kind of ablation ganrig is for: DCGAN on Fashion-MNIST 32x32 with
# standard and with depthwise-separable convolutions in the generator, a config change
# (experiments/dcgan/sweeps/quickstart.toml: two runs side by side, a few minutes on 2 CPU cores,
# KID at the end against the offline Inception stand-in). Then it writes their comparison page and
# prints one line per run (parameters, sec/kimg, KID with its real-vs-real noise floor) and the
# page's path. Arguments go to `ganrig sweep` (e.g. --run-root).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/fetch-weights.sh   # the detector KID is measured with (npm, sha256-checked, into cache/)
ganrig=${GANRIG_BUILD_DIR:-build}/bin/ganrig
sweep=experiments/dcgan/sweeps/quickstart.toml
"$ganrig" sweep "$sweep" --jobs 2 "$@"
"$ganrig" report "$sweep" "$@"
