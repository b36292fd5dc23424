#!/usr/bin/env bash
# The process-level levers on config 1 (PG 64x64, ngf 32, batch 8): ganrig as built, without the
# BLAS thread limit (GANRIG_NO_CPU_TUNING=1), and with jemalloc's default page purging
# (MALLOC_CONF=dirty_decay_ms:10000,muzzy_decay_ms:0). Interleaved repetitions; one BENCH line each,
# with system time and page faults from /usr/bin/time.
#   tools/bench/runtime_levers.sh [REPS] > tools/bench/results/runtime_levers.txt
set -euo pipefail
cd "$(dirname "$0")/../.."
reps=${1:-2}
bench=(build/bin/ganrig bench --json experiments/projected_gan/pg_fmnist64.toml --warmup 2 --iterations 5
       --set dataset.resolution=64 --set generator.ngf=32 --set train.batch=8 --set exec.threads=2
       --set projector.type=efficientnet_lite0 --set projector.allow_random=true)
for rep in $(seq "$reps"); do
  for variant in "as-built" "GANRIG_NO_CPU_TUNING=1" "MALLOC_CONF=dirty_decay_ms:10000,muzzy_decay_ms:0"; do
    env_args=()
    [ "$variant" != "as-built" ] && env_args=("$variant")
    out=$(env "${env_args[@]}" /usr/bin/time -f "TIME %e s wall, %U s user, %S s sys, %R minor faults" "${bench[@]}" 2>&1)
    echo "rep $rep | $variant | $(grep -o '"sec_per_iter":[0-9.]*' <<<"$out") | $(grep -o '"peak_rss_mib":[0-9.]*' <<<"$out") | $(grep TIME <<<"$out")"
  done
done
