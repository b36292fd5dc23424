#!/usr/bin/env bash
# The GPU checks of the suite (ctest label `cuda`; tools/device/run.sh runs them on a GPU machine).
# Each exits 77 (reported Skipped) where this build of ganrig or this machine has no CUDA.
# GANRIG_CHECK_DEVICE=cpu runs the same steps on the CPU (fp16 and NCCL left out; gloo instead): the
# device kit's dry run (tools/device/run.sh --cpu) uses it so that the checks themselves cannot rot.
#
#   cuda_checks.sh CHECK GANRIG SOURCE_DIR PYTHON
# CHECK: train_precisions | checkpoint_across_devices | nccl_world_of_one | generate_matches_cpu
set -uo pipefail
check=$1 G=$2 src=$3 py=$4
configs=$src/tests/cuda
# Fashion-MNIST: Debian's package here; on a GPU machine the kit's test split (GANRIG_FMNIST_DIR).
data=()
[ -n "${GANRIG_FMNIST_DIR:-}" ] && data=(--set "dataset.path=$GANRIG_FMNIST_DIR" --set dataset.split=test)
work=cuda-$check
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1

dev=${GANRIG_CHECK_DEVICE:-cuda}
# ganrig says itself whether it can use CUDA (a CPU LibTorch, or no GPU): the dry run resolves the
# device. Only that sentence skips; any other failure of the dry run fails the check.
if [ "$dev" = cuda ]; then
  probe=$("$G" train "$configs/dcgan.toml" "${data[@]}" --dry-run --set exec.device=cuda 2>&1)
  status=$?
  if [ $status -ne 0 ] && echo "$probe" | grep -q 'this LibTorch build or machine has no CUDA'; then
    echo "SKIP: $(echo "$probe" | grep -m1 'has no CUDA')"
    exit 77
  fi
  [ $status -eq 0 ] || { echo "$probe"; echo "FAILED: the dry run on CUDA (exit $status)"; exit 1; }
  other=cpu precisions="fp32 bf16 fp16" backend=nccl
else
  other=cpu precisions="fp32 bf16" backend=gloo
fi
fail() { echo "FAILED: $*"; exit 1; }
# The last tick's line of a run's stats.jsonl: losses, peak CUDA memory.
last_tick() {
  "$py" - "$1/stats.jsonl" "$dev" << 'PYEOF'
import json, math, sys
line = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
losses = {k: v for k, v in line.items() if k.lower().startswith("loss")}
bad = [k for k, v in losses.items() if not math.isfinite(v)]
print("kimg %.3f, %s, peak CUDA %.1f MiB%s" % (line["kimg"], ", ".join("%s %.4f" % kv for kv in sorted(losses.items())),
      line.get("peak_cuda_mib", 0.0), ", NON-FINITE " + ",".join(bad) if bad else ""))
sys.exit(1 if bad or (sys.argv[2] == "cuda" and line.get("peak_cuda_mib", 0.0) <= 0) or not losses else 0)
PYEOF
}

case "$check" in
train_precisions)
  # DCGAN and Projected GAN (FastGAN-lite G, projected D, DiffAugment) a few steps on the GPU in each
  # precision: fp32, bf16 (autocast) and fp16 (autocast with the gradient scaler).
  for cfg in dcgan pg; do
    for precision in $precisions; do
      "$G" train "$configs/$cfg.toml" "${data[@]}" --set exec.device=$dev --set exec.precision=$precision \
        --run-root runs --desc $precision > "$cfg-$precision.log" 2>&1 || { cat "$cfg-$precision.log"; fail "$cfg $precision"; }
      grep -q "done: " "$cfg-$precision.log" || fail "$cfg $precision did not finish"
      summary=$(last_tick runs/cuda_$cfg/*-$precision) || fail "$cfg $precision: $summary (a non-finite loss or no CUDA memory reported)"
      echo "$cfg $precision: $summary"
    done
  done
  echo "train_precisions: PASSED" ;;
checkpoint_across_devices)
  # A checkpoint written on the GPU resumes on the CPU, and the CPU's on the GPU.
  S="--set train.total_kimg=0.12"
  "$G" train "$configs/dcgan.toml" "${data[@]}" $S --set exec.device=$dev --run-root runs --desc moves --stop-after-ticks 1 > gpu.log 2>&1 ||
    { cat gpu.log; fail "first tick on the GPU"; }
  run=$(ls -d runs/cuda_dcgan/*-moves)
  "$G" train "$run" --set exec.device=$other --stop-after-ticks 1 > cpu.log 2>&1 || { cat cpu.log; fail "resume on the CPU"; }
  grep -q "resumed from .*snapshot-000000040.pt" cpu.log || { cat cpu.log; fail "the CPU did not resume the GPU's snapshot"; }
  "$G" train "$run" --set exec.device=$dev > gpu2.log 2>&1 || { cat gpu2.log; fail "resume on the GPU"; }
  grep -q "resumed from .*snapshot-000000080.pt" gpu2.log || { cat gpu2.log; fail "the GPU did not resume the CPU's snapshot"; }
  grep -q "done: 0.120 kimg" gpu2.log || fail "not finished"
  echo "GPU -> CPU: $(grep -m1 'resumed from' cpu.log)"
  echo "CPU -> GPU: $(grep -m1 'resumed from' gpu2.log)"
  echo "checkpoint_across_devices: PASSED" ;;
nccl_world_of_one)
  # A data-parallel group of one rank on the NCCL backend, started as torchrun starts a rank: the rank
  # joins the group and trains to the end.
  WORLD_SIZE=1 RANK=0 LOCAL_RANK=0 LOCAL_WORLD_SIZE=1 MASTER_ADDR=127.0.0.1 MASTER_PORT=29677 \
    "$G" train "$configs/dcgan.toml" "${data[@]}" --set exec.device=$dev --set exec.backend=$backend \
    --run-root runs > nccl.log 2>&1
  status=$?
  if [ $status -ne 0 ] && grep -q "has no NCCL" nccl.log; then
    echo "SKIP: $(grep -m1 'has no NCCL' nccl.log)"; exit 77
  fi
  cat nccl.log
  [ $status -eq 0 ] && grep -q "rank 0 of 1 .*joined" nccl.log && grep -q "done: " nccl.log || fail "$backend world of one (exit $status)"
  echo "nccl_world_of_one: PASSED" ;;
generate_matches_cpu)
  # One trained generator, the same seeds on the GPU and on the CPU: float images within 1e-4.
  "$G" train "$configs/dcgan.toml" "${data[@]}" --set exec.device=$dev --run-root runs > train.log 2>&1 ||
    { cat train.log; fail "training"; }
  run=$(ls -d runs/cuda_dcgan/*)
  for side in "checked $dev" "reference $other"; do
    set -- $side
    "$G" generate "$run" --seeds 0-15 --raw --format ppm --device $2 --out gen-$1 --batch 16 > gen-$1.log 2>&1 ||
      { cat gen-$1.log; fail "generate on $2"; }
  done
  "$py" "$src/tests/cuda/compare_npy.py" gen-checked/images.npy gen-reference/images.npy 1e-4 || fail "$dev and $other images differ"
  echo "generate_matches_cpu: PASSED" ;;
*) echo "cuda_checks.sh: unknown check $check" >&2; exit 2 ;;
esac
