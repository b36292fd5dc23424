#!/bin/sh
# One model, however many processes (docs/distributed.md): 2 processes with 1 thread each at a
# global batch B train the same parameters as 1 process at micro-batch B/2 with gradient
# accumulation over 2, after 10 iterations of DCGAN (with a metric evaluated by both ranks), of a
# tiny Projected GAN, and of a tiny progressive PGGAN across a fade.
# Usage: distributed_equivalence.sh GANRIG SOURCE_DIR PYTHON
set -u
G=$1 SRC=$2 PY=$3 R=runs-ddp-equal
rm -rf $R
status=0

# case NAME EXPERIMENT BATCH TOTAL_KIMG [--set ...]: trains both ways and compares the last snapshots.
case_() {
  name=$1 exp=$2 batch=$3 kimg=$4
  shift 4
  if ! $G train "$SRC/$exp" "$@" --set train.batch=$batch --set train.total_kimg=$kimg --set exec.threads=1 \
      --nproc 2 --run-root $R/$name-two > $R-$name-two.log 2>&1; then
    echo "$name: 2 processes FAILED"; tail -20 $R-$name-two.log; status=1; return
  fi
  if ! $G train "$SRC/$exp" "$@" --set train.batch=$batch --set train.total_kimg=$kimg --set exec.threads=1 \
      --set exec.batch_per_device=$((batch / 2)) --run-root $R/$name-one > $R-$name-one.log 2>&1; then
    echo "$name: 1 process FAILED"; tail -20 $R-$name-one.log; status=1; return
  fi
  two=$(ls $R/$name-two/*/*/checkpoints/snapshot-*.pt | tail -1)
  one=$(ls $R/$name-one/*/*/checkpoints/snapshot-*.pt | tail -1)
  printf "%s: %s vs %s: " "$name" "$(basename "$two")" "$(basename "$one")"
  $PY "$SRC/tests/cli/compare_checkpoints.py" "$two" "$one" --bitwise --bn-statistics-may-differ || status=1
}

mkdir -p $R
# DCGAN, 10 iterations of 16; KID and FID at the end, each rank generating half of the images.
case_ dcgan tests/fixtures/train/tiny_fmnist_eval.toml 16 0.16 --set train.tick_kimg=0.08 \
  --set train.snapshot_kimg=0.08 --set train.sample_kimg=0.16
# The metric logged by the 2-process run equals `ganrig eval` of its checkpoint in one process.
run=$(dirname "$(ls $R/dcgan-two/*/*/config.resolved.toml)")
logged=$($PY -c "import json,sys; print([l['value'] for l in map(json.loads, open(sys.argv[1])) if l['metric'] == 'kid16_incv3nsfw'][-1])" "$run/metrics.jsonl")
$G eval "$run" --metric kid16_incv3nsfw --no-append > $R-eval.log 2>&1
evaluated=$(grep -o 'kid16_incv3nsfw = [0-9.e+-]*' $R-eval.log | head -1 | sed 's/.*= //')
if awk -v a="$logged" -v b="$evaluated" 'BEGIN { d = a - b; if (d < 0) d = -d; s = a < 0 ? -a : a; exit !(b != "" && d <= 1e-3 * s + 1e-9) }'; then
  echo "dcgan metric: equal (2 ranks sharing the generation logged $logged; one process evaluates $evaluated)"
else
  echo "dcgan metric: DIFFERENT (2 ranks logged $logged; one process evaluates $evaluated)"; status=1
fi

# Projected GAN in miniature: FastGAN-lite G, projected D on a random MobileNetV2, DiffAugment.
# per_phase: with the official per_forward, 1 process accumulating 2 micro-batches iterates spectral
# norm twice per phase and 2 processes once each (docs/distributed.md).
case_ projected experiments/projected_gan/pg_fmnist64.toml 8 0.08 --set dataset.limit=64 \
  --set train.spectral_norm_update=per_phase \
  --set generator.ngf=8 --set projector.weights=\"/nonexistent.bin\" --set projector.allow_random=true \
  --set train.tick_kimg=0.04 --set train.snapshot_kimg=0.04 --set train.sample_kimg=0.08

# PGGAN growing 4x4 -> 8x8: 5 iterations stable, 5 fading, 2 at 8x8 (WGAN-GP's penalty phase too).
case_ progressive experiments/pggan/pggan_fmnist32.toml 8 0.096 --set dataset.limit=64 \
  --set schedule.stabilize_kimg=0.04 --set schedule.fade_kimg=0.04 --set eval.metrics=[] \
  --set train.tick_kimg=0.048 --set train.snapshot_kimg=0.048 --set train.sample_kimg=0.096

echo "status $status"
