#!/usr/bin/env bash
# A conditional Projected GAN run (cond = true in G and D, Fashion-MNIST's labels) exported with
# --format pg --what all loads strictly into the official conditional classes
# (GANRIG_PG_OFFICIAL's checkout; Skipped without one), and the official G_ema gives ganrig
# generate's images for a class; ganrig import of the file and export again is bit-exact, and
# training resumes from the import. The refusals: --class on a name the run does not have, no
# class for a conditional generator.
# Usage: conditional_pg.sh GANRIG SOURCE_DIR PYTHON
set -uo pipefail
ganrig=$1 src=$2 python=$3
[ -n "${GANRIG_PG_OFFICIAL:-}" ] || { echo "skipped: set GANRIG_PG_OFFICIAL to a checkout of autonomousvision/projected-gan"; exit 77; }
experiment=$src/experiments/projected_gan/pg_fmnist128.toml
rm -rf conditional-pg && mkdir -p conditional-pg && cd conditional-pg
sets=(--set generator.cond=true --set discriminator.cond=true --set generator.ngf=8 --set generator.latent_dim=32
      --set train.batch=2 --set projector.type=efficientnet_lite0 --set projector.allow_random=true
      --set train.total_kimg=0.004 --set train.tick_kimg=0.002 --set train.snapshot_kimg=0.002
      --set exec.report=false --set exec.sample_format=ppm --set exec.threads=2)
"$ganrig" train "$experiment" "${sets[@]}" --run-root runs --desc cond >train.log 2>&1 || { cat train.log; exit 1; }
run=$(ls -d runs/*/*cond*)
"$ganrig" export "$run" --format pg --what all --out all.pt || exit 1
"$python" "$src/tests/cli/cond_official.py" load all.pt "$GANRIG_PG_OFFICIAL" || exit 1
"$ganrig" generate "$run" --class Trouser --seeds 0-3 --raw --save-z --out trouser || exit 1
"$python" "$src/tests/cli/cond_official.py" images all.pt "$GANRIG_PG_OFFICIAL" trouser 1 || exit 1
"$ganrig" generate "$run" --grid 10x2 --seeds 0-19 --format ppm --out grid || exit 1
tr -d " \n" < grid/generate.json | grep -o '"classes":\["T-shirt/top","T-shirt/top","Trouser"'
"$ganrig" import all.pt "$experiment" "${sets[@]}" --format pg --out imported.pt || exit 1
"$ganrig" export imported.pt --format pg --what all --out again.pt || exit 1
"$python" "$src/tests/cli/pg_all_check.py" same all.pt again.pt || exit 1
"$ganrig" train "$experiment" "${sets[@]}" --set train.total_kimg=0.006 --run-root runs --desc resumed \
  --resume imported.pt 2>&1 | grep -E "done:" || exit 1
echo "--- errors"
"$ganrig" generate "$run" --class Jumper --seeds 0 --out e1; echo "exit $?"
"$ganrig" generate "$run" --seeds 0 --out e2; echo "exit $?"
{ ls e1 e2 2>&1 || true; } | sed 's/^/after errors: /'
