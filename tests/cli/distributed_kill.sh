#!/bin/sh
# A rank killed mid-run (SIGKILL): the launcher stops the other rank and exits non-zero naming the
# dead one; `ganrig train RUN --nproc 2` resumes from the last checkpoint and finishes; the result
# equals an uninterrupted 2-process run.
# Usage: distributed_kill.sh GANRIG SOURCE_DIR PYTHON
set -u
G=$1 SRC=$2 PY=$3 R=runs-ddp-kill
rm -rf $R
exp="$SRC/tests/fixtures/train/tiny_fmnist_eval.toml"
settings="--set eval.metrics=[] --set train.batch=16 --set train.total_kimg=1.6 --set train.tick_kimg=0.16
  --set train.snapshot_kimg=0.16 --set train.sample_kimg=1.6 --set exec.threads=1"

$G train "$exp" $settings --nproc 2 --run-root $R/straight > $R-straight.log 2>&1 || { echo "straight run FAILED"; tail $R-straight.log; }

$G train "$exp" $settings --nproc 2 --run-root $R/killed > $R-killed.log 2>&1 &
launcher=$!
for i in $(seq 1 1200); do ls $R/killed/*/*/checkpoints/snapshot-*.pt > /dev/null 2>&1 && break; sleep 0.05; done
rank1=$(pgrep -P $launcher | sort -n | tail -1)  # rank 1 is started after rank 0
kill -9 "$rank1"
wait $launcher
echo "launcher exit $?"
grep "^error: rank 1 of 2 (pid" $R-killed.log | head -1
run=$(dirname "$(ls $R/killed/*/*/config.resolved.toml)")
echo "checkpoints before resuming: $(ls "$run/checkpoints" | grep -c snapshot)"
$G train "$run" --nproc 2 > $R-resumed.log 2>&1
echo "resumed exit $?"
grep -o "resumed from [^ ]*" "$run/logs/rank-0.log" | tail -1 | sed 's|.*/||; s|^|resumed from |'
$PY "$SRC/tests/cli/compare_checkpoints.py" "$(ls $R/straight/*/*/checkpoints/snapshot-*.pt | tail -1)" \
  "$(ls "$run"/checkpoints/snapshot-*.pt | tail -1)" --bitwise
