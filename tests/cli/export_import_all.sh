#!/usr/bin/env bash
# ganrig export --format pg --what all: G, G_ema and D of a Projected GAN run in the official names,
# loaded strictly by the official classes (GANRIG_PG_OFFICIAL's checkout, else tools/twin/rewrite);
# imported and exported again bit-exact; `train --resume` of the import trains on from all three.
# Then the refusals: a projector the official code does not have, a generator-only checkpoint.
# Usage: export_import_all.sh GANRIG SOURCE_DIR PYTHON
set -uo pipefail
ganrig=$1 src=$2 python=$3
code=${GANRIG_PG_OFFICIAL:-$src/tools/twin/rewrite}
experiment=$src/experiments/projected_gan/pg_fmnist128.toml
rm -rf export-all && mkdir -p export-all && cd export-all
sets=(--set generator.ngf=8 --set generator.latent_dim=32 --set train.batch=2 --set projector.type=efficientnet_lite0
      --set projector.allow_random=true --set train.total_kimg=0.002 --set train.tick_kimg=0.002
      --set train.snapshot_kimg=0.002 --set exec.report=false --set exec.sample_format=ppm --set exec.threads=2)
"$ganrig" train "$experiment" "${sets[@]}" --run-root runs --desc all >train.log 2>&1 || { cat train.log; exit 1; }
run=$(ls -d runs/*/*all*)
"$ganrig" export "$run" --format pg --what all --out all.pt || exit 1
"$python" "$src/tests/cli/pg_all_check.py" load all.pt "$code" || exit 1
"$ganrig" import all.pt "$experiment" "${sets[@]}" --format pg --out imported.pt || exit 1
"$ganrig" export imported.pt --format pg --what all --out again.pt || exit 1
"$python" "$src/tests/cli/pg_all_check.py" same all.pt again.pt || exit 1
"$ganrig" train "$experiment" "${sets[@]}" --set train.total_kimg=0.004 --run-root runs --desc resumed \
  --resume imported.pt || exit 1
echo "--- errors"
"$ganrig" train "$experiment" "${sets[@]}" --set projector.type=mobilenet_v2 --run-root runs --desc mobilenet \
  >/dev/null 2>&1 || exit 1
"$ganrig" export "$(ls -d runs/*/*mobilenet*)" --format pg --what all --out mobilenet.pt; echo "exit $?"
"$ganrig" import "$src/tests/cli/pg_all_check.py" "$experiment" --format pg --out x.pt; echo "exit $?"
"$ganrig" export all.pt --format pg --what all --out x.pt; echo "exit $?"
{ ls mobilenet.pt x.pt 2>&1 || true; } | sed 's/^/after errors: /'  # none of them may exist
