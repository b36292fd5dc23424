#!/usr/bin/env bash
# Installs, builds, and trains DCGAN on Fashion-MNIST 32x32 for 30 kimg (about 3 minutes on 2 CPU
# cores), writing sample grids, stats and a checkpoint under runs/.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
build_dir=${GANRIG_BUILD_DIR:-build}
"$build_dir/bin/ganrig" train experiments/dcgan/dcgan_fashion-mnist32.toml --set train.total_kimg=30 "$@"
