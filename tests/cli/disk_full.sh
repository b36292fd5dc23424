#!/bin/sh
# A disk that fills up during training: the run stops with "No space left on device" (exit 1, no
# abort), the last checkpoint stays intact, no temporary file is left; resuming while still full
# says the same; with room again, `ganrig train RUN` finishes. Runs in its own mount namespace on
# a small tmpfs; skipped where that is not allowed. Usage: disk_full.sh GANRIG SOURCE_DIR
set -u
if [ -z "${GANRIG_IN_NAMESPACE:-}" ]; then
  # Probe first: once exec'd, unshare's own failure (a chroot, no user namespaces) is the test's exit.
  unshare -rm true 2>/dev/null || { echo "SKIP: cannot make a mount namespace here"; exit 77; }
  GANRIG_IN_NAMESPACE=1 exec unshare -rm "$0" "$@"
fi
G=$1 SRC=$2 R=$(pwd)/runs-full
rm -rf "$R"; mkdir -p "$R"
mount -t tmpfs -o size=2000k tmpfs "$R" || { echo "SKIP: cannot mount a tmpfs here"; exit 77; }
train() {
  "$G" train "$@" --set dataset.limit=256 --set generator.ngf=8 --set discriminator.ndf=8 --set train.total_kimg=2 \
    --set train.tick_kimg=0.5 --set train.snapshot_kimg=0.5 --set train.sample_kimg=100 --set exec.threads=1 2>&1
  echo "exit $?"
}
train "$SRC/experiments/dcgan/dcgan_fashion-mnist32.toml" --run-root "$R"
run=$(dirname "$R"/*/*/config.resolved.toml)
echo "temporaries: $(find "$R" -name '*.tmp-*' | wc -l)"
train "$run"
echo "temporaries: $(find "$R" -name '*.tmp-*' | wc -l)"
mount -o remount,size=64m "$R"
train "$run"
