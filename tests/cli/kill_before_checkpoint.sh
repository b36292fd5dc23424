#!/bin/sh
# A run killed with SIGKILL before its first checkpoint restarts in place with `ganrig train RUN`;
# while it runs, a second `ganrig train RUN` is refused naming the process that holds the folder.
# Usage: kill_before_checkpoint.sh GANRIG SOURCE_DIR
set -u
G=$1 SRC=$2 R=runs-kill
rm -rf $R
$G train "$SRC/experiments/dcgan/dcgan_fashion-mnist32.toml" --run-root $R --set dataset.limit=256 \
  --set generator.ngf=16 --set discriminator.ndf=16 --set train.total_kimg=4 --set train.tick_kimg=2 \
  --set train.snapshot_kimg=2 --set exec.threads=1 > /dev/null 2>&1 &
pid=$!
for i in $(seq 1 600); do [ -f $R/*/*/config.resolved.toml ] && break; sleep 0.05; done
run=$(dirname $R/*/*/config.resolved.toml)
$G train "$run" 2>&1 | tail -1   # the second writer
kill -9 $pid
wait $pid
echo "killed with $(ls "$run/checkpoints" 2>/dev/null | wc -l) checkpoints"
$G train "$run" 2>&1
echo "exit $?"
