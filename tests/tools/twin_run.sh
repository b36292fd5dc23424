#!/usr/bin/env bash
# The twin run (tools/twin/twin_run.py, docs/fidelity.md).
#   rewrite:  against tools/twin/rewrite, our own rewrite of the official step laid out as the
#             official repository: keeps the harness (recording, export, replay, comparison)
#             working where no checkout is at hand. Not the proof.
#   official: against the checkout GANRIG_PG_OFFICIAL names, at the two configurations,
#             20 iterations each; exit 77 (Skipped) without one.
# Both in float64 (--fp64): in float32, Adam's first steps (beta1 = 0: a step of lr times the sign
# of each gradient element) and the GAN game amplify rounding differences between any two
# implementations past the tolerances within a few iterations (docs/fidelity.md measures it).
# Usage: twin_run.sh rewrite|official GANRIG SOURCE_DIR PYTHON
set -uo pipefail
mode=$1 ganrig=$2 src=$3 python=$4
twin=("$python" "$src/tools/twin/twin_run.py" --ganrig "$ganrig" --threads 2)
case $mode in
  rewrite)
    # fastgan (big blocks: noise replayed) at 128, tiny widths, 3 iterations
    "${twin[@]}" --official "$src/tools/twin/rewrite" --work twin-rewrite --cfg fastgan --res 128 --ngf 16 \
      --batch 2 --iters 3 --fp64 ;;
  official)
    if [ -z "${GANRIG_PG_OFFICIAL:-}" ]; then
      echo "SKIP: GANRIG_PG_OFFICIAL names no checkout of autonomousvision/projected-gan"
      exit 77
    fi
    # About 15 and 30 minutes on 2 cores; each recording keeps a float64 checkpoint per iteration
    # (up to 10 GB at 256), removed when its comparison passes and kept for a look when it fails.
    "${twin[@]}" --official "$GANRIG_PG_OFFICIAL" --work twin-lite128 --cfg fastgan_lite --res 128 --ngf 64 \
      --batch 4 --iters 20 --fp64 || exit 1
    rm -rf twin-lite128
    "${twin[@]}" --official "$GANRIG_PG_OFFICIAL" --work twin-big256 --cfg fastgan --res 256 --ngf 32 \
      --batch 2 --iters 20 --fp64 || exit 1
    rm -rf twin-big256 ;;
esac
