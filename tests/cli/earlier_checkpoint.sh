#!/usr/bin/env bash
# A checkpoint written by an earlier ganrig (tests/fixtures/earlier/: commit da380fc, plugin ABI 5,
# before class conditions; how it was made is in its README) still works: ganrig generate gives the
# images that commit gave for the same seeds, export --format state-dict reads it, and training
# resumes from it.
# Usage: earlier_checkpoint.sh GANRIG SOURCE_DIR PYTHON
set -uo pipefail
ganrig=$1 src=$2 python=$3
fixture=$src/tests/fixtures/earlier
rm -rf earlier && mkdir -p earlier && cd earlier
"$ganrig" generate "$fixture/snapshot-da380fc.pt" --seeds 0-3 --raw --format ppm --out gen || exit 1
"$python" - "$fixture/images-da380fc.npy" gen/images.npy <<'PY' || exit 1
import sys
import numpy as np
then, now = np.load(sys.argv[1]), np.load(sys.argv[2])
diff = float(np.abs(then - now).max())
print(f"images of seeds 0-3: shape {now.shape}, max |now - da380fc| = {diff:.1e}:",
      "bitwise equal" if np.array_equal(then, now) else ("equal to 1e-6" if diff < 1e-6 else "DIFFERENT"))
PY
"$ganrig" export "$fixture/snapshot-da380fc.pt" --format state-dict --out G.pt | sed 's/ in .*//' || exit 1
cp "$fixture/snapshot-da380fc.pt" resume-from.pt
# The same experiment resumes without --force (keys added since, such as cond, take their defaults);
# longer, the one difference named is the one made.
"$ganrig" train "$fixture/config.toml" --run-root runs --desc same --resume resume-from.pt 2>&1 | grep -E "refusing|done:"
"$ganrig" train "$fixture/config.toml" --set train.total_kimg=0.064 --force --run-root runs --desc longer \
  --resume resume-from.pt 2>&1 | grep -E "changed configuration|done:" || exit 1
