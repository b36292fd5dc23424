#!/usr/bin/env bash
# A checkpoint written by an earlier ganrig (commit da380fc, plugin ABI 5, before class conditions;
# made by tools/earlier-checkpoint.sh into the cache, never committed) still works: ganrig generate
# gives the images that commit gave for the same seeds, export --format state-dict reads it, and
# training resumes from it. Skipped (77) where the cache does not hold it.
# Usage: earlier_checkpoint.sh GANRIG SOURCE_DIR PYTHON
set -uo pipefail
ganrig=$1 src=$2 python=$3
fixture=$src/tests/fixtures/earlier
made=${GANRIG_CACHE:-$src/cache}/earlier/da380fc
[ -f "$made/snapshot.pt" ] && [ -f "$made/images.npy" ] ||
  { echo "skipped: no $made/snapshot.pt; make it with tools/earlier-checkpoint.sh da380fc (one build, ~30 min)"; exit 77; }
rm -rf earlier && mkdir -p earlier && cd earlier
"$ganrig" generate "$made/snapshot.pt" --seeds 0-3 --raw --format ppm --out gen || exit 1
"$python" - "$made/images.npy" gen/images.npy <<'PY' || exit 1
import sys
import numpy as np
then, now = np.load(sys.argv[1]), np.load(sys.argv[2])
diff = float(np.abs(then - now).max())
print(f"images of seeds 0-3: shape {now.shape}, max |now - da380fc| = {diff:.1e}:",
      "bitwise equal" if np.array_equal(then, now) else ("equal to 1e-6" if diff < 1e-6 else "DIFFERENT"))
PY
"$ganrig" export "$made/snapshot.pt" --format state-dict --out G.pt | sed 's/ in .*//' || exit 1
cp "$made/snapshot.pt" resume-from.pt
# The same experiment resumes without --force (keys added since, such as cond, take their defaults);
# longer, the one difference named is the one made.
"$ganrig" train "$fixture/config.toml" --run-root runs --desc same --resume resume-from.pt 2>&1 | grep -E "refusing|done:"
"$ganrig" train "$fixture/config.toml" --set train.total_kimg=0.064 --force --run-root runs --desc longer \
  --resume resume-from.pt 2>&1 | grep -E "changed configuration|done:" || exit 1
