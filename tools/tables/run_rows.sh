#!/usr/bin/env bash
# Runs a table's training runs one after another, interleaved by seed (row A seed 0, row B seed 0,
# row A seed 1, ...), so a partial set of runs still compares the rows on the same seeds.
# Usage: tools/tables/run_rows.sh "SEEDS" EXPERIMENT.toml [EXPERIMENT.toml ...]
#   e.g. tools/tables/run_rows.sh "0 1 2" experiments/projected_gan/pg_pokemon64.toml \
#          experiments/faster_projected_gan/fpg_pokemon64.toml
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
ganrig="${GANRIG:-$here/build/bin/ganrig}"
seeds="$1"; shift
for seed in $seeds; do
  for experiment in "$@"; do
    echo "== $(date -u +%FT%TZ) $experiment seed $seed"
    # shellcheck disable=SC2086
    "$ganrig" train "$experiment" --set "experiment.seed=$seed" --desc "seed$seed" ${GANRIG_TRAIN_ARGS:-}
  done
done
