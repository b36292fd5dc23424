#!/bin/sh
# A flipped byte in the newest snapshot: `ganrig train RUN` says so, sets it aside and resumes
# from the previous intact snapshot. Usage: corrupt_checkpoint.sh GANRIG SOURCE_DIR
set -eu
G=$1 SRC=$2 R=runs-corrupt
rm -rf $R
$G train "$SRC/experiments/dcgan/dcgan_fashion-mnist32.toml" --run-root $R --set dataset.limit=256 \
  --set generator.ngf=16 --set discriminator.ndf=16 --set train.total_kimg=1 --set train.tick_kimg=0.5 \
  --set train.snapshot_kimg=0.5 --set exec.threads=1 --stop-after-ticks 2 > /dev/null
run=$(dirname $R/*/*/config.resolved.toml)
newest=$(ls "$run"/checkpoints/snapshot-*.pt | tail -1)
printf 'X' | dd of="$newest" bs=1 seek=4000 conv=notrunc 2>/dev/null
$G train "$run" 2>&1
ls "$run/checkpoints"
