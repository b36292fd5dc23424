#!/usr/bin/env bash
# Trains the same short runs with two ganrig builds and compares what they wrote: the sample grids
# byte for byte and every loss in stats.jsonl. Used to check that a refactor of the loop changed
# no science (issue 13). Usage: refactor_equivalence.sh OLD_GANRIG NEW_GANRIG [OUT_FOLDER]
set -euo pipefail
old=$1 new=$2 out=${3:-/tmp/ganrig-equivalence}
root=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$out" && mkdir -p "$out"
runs=(
  "dcgan|$root/experiments/dcgan/dcgan_fashion-mnist32.toml|--set train.total_kimg=0.768 --set train.tick_kimg=0.256 --set train.sample_kimg=0.256 --set train.snapshot_kimg=0.768 --set dataset.limit=512 --set generator.ngf=16 --set discriminator.ndf=16"
  "pg|$root/experiments/projected_gan/pg_fmnist64.toml|--set train.total_kimg=0.064 --set train.tick_kimg=0.032 --set train.sample_kimg=0.032 --set train.snapshot_kimg=0.064 --set train.batch=8 --set dataset.limit=64 --set dataset.resolution=32 --set generator.ngf=8"
  "pggan|$root/experiments/pggan/pggan_fmnist32.toml|--set train.total_kimg=0.4 --set train.tick_kimg=0.1 --set train.sample_kimg=0.1 --set train.snapshot_kimg=0.4 --set dataset.limit=256"
)
for entry in "${runs[@]}"; do
  IFS='|' read -r name experiment sets <<<"$entry"
  [ -f "$experiment" ] || { echo "skip $name: $experiment missing"; continue; }
  for build in old new; do
    binary=$old; [ $build = new ] && binary=$new
    # shellcheck disable=SC2086
    "$binary" train "$experiment" $sets --set exec.threads=1 --set exec.sample_format=ppm --set exec.progress=lines \
      --run-root "$out/$build-$name" > "$out/$build-$name.log" 2>&1
  done
  a=$(ls -d "$out"/old-"$name"/*/*) b=$(ls -d "$out"/new-"$name"/*/*)
  grids=0 same=0
  for f in "$a"/samples/*; do
    grids=$((grids + 1))
    cmp -s "$f" "$b/samples/$(basename "$f")" && same=$((same + 1))
  done
  losses_old=$(python3 -c "import json,sys; print([{k:v for k,v in json.loads(l).items() if k.startswith('loss/')} for l in open(sys.argv[1])])" "$a/stats.jsonl")
  losses_new=$(python3 -c "import json,sys; print([{k:v for k,v in json.loads(l).items() if k.startswith('loss/')} for l in open(sys.argv[1])])" "$b/stats.jsonl")
  [ "$losses_old" = "$losses_new" ] && losses=identical || losses=DIFFERENT
  echo "$name: sample grids identical $same/$grids, losses in stats.jsonl $losses"
done
