#!/usr/bin/env bash
# Makes the checkpoint of an earlier ganrig that tests/cli/earlier_checkpoint.sh loads: builds
# commit REV (default da380fc: plugin ABI 5, before class conditions) in a worktree under the cache,
# trains tests/fixtures/earlier/config.toml with it and generates seeds 0-3 from the result.
# Writes <cache>/earlier/REV/{snapshot.pt, images.npy} (the cache is ignored by git: checkpoints are
# never committed). Needs the repository's history; about 30 minutes on 2 cores (one build).
#   tools/earlier-checkpoint.sh [REV]
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:-da380fc}
out=${GANRIG_CACHE:-$PWD/cache}/earlier/$rev
src=$out/src
mkdir -p "$out"
[ -d "$src" ] || git worktree add --detach "$src" "$rev"
cmake -S "$src" -B "$out/build" -DCMAKE_BUILD_TYPE=Release -DGANRIG_BUILD_TESTS=OFF >/dev/null
cmake --build "$out/build" -j"${GANRIG_JOBS:-$(nproc)}" --target ganrig ganrig_plugin_dcgan ganrig_plugin_fashion_mnist \
  ganrig_plugin_losses ganrig_plugin_blocks
work=$(mktemp -d)
"$out/build/bin/ganrig" train tests/fixtures/earlier/config.toml --run-root "$work/runs"
run=$(ls -d "$work"/runs/*/*)
cp "$(ls "$run"/checkpoints/snapshot-*.pt | tail -1)" "$out/snapshot.pt"
"$out/build/bin/ganrig" generate "$run" --seeds 0-3 --raw --format ppm --out "$work/gen"
cp "$work/gen/images.npy" "$out/images.npy"
rm -rf "$work"
echo "earlier-checkpoint: $out/snapshot.pt and images.npy, written by ganrig $(git -C "$src" rev-parse --short HEAD)"
