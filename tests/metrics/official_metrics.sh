#!/usr/bin/env bash
# FID and KID against the official Projected GAN metric code (issue 24): tools/twin/official_metrics.py
# runs the official compute_fid / compute_kid of the checkout named by GANRIG_PG_OFFICIAL on fixed
# features, then the hidden Catch test compares ganrig's values on the same features and subsets.
# Without a checkout it exits 77, which ctest reports as Skipped.
# Usage: official_metrics.sh GANRIG_TESTS SOURCE_DIR PYTHON
set -uo pipefail
tests=$1 src=$2 python=$3
if [ -z "${GANRIG_PG_OFFICIAL:-}" ]; then
  echo "SKIP: GANRIG_PG_OFFICIAL names no checkout of autonomousvision/projected-gan"
  exit 77
fi
"$python" "$src/tools/twin/official_metrics.py" --official "$GANRIG_PG_OFFICIAL" --out official-metrics.json || exit 1
GANRIG_OFFICIAL_METRICS_JSON=$PWD/official-metrics.json "$tests" "[.official]"
