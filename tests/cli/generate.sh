#!/usr/bin/env bash
# ganrig generate from a short DCGAN run: per-seed images, a grid, a walk with its video, latents
# saved and read back, the raw output reproducible; ganrig export --format state-dict and import
# give the same images and a checkpoint that `train --resume` fine-tunes; bad input is refused
# with a message and writes nothing.
# And the example program of docs/inference.md gives the images `ganrig generate --raw` gives.
# Usage: generate.sh GANRIG SOURCE_DIR EXAMPLE_PROGRAM
set -uo pipefail
ganrig=$1 src=$2 example=$3
experiment=$src/experiments/dcgan/dcgan_fashion-mnist32.toml
sets=(--set dataset.limit=64 --set generator.ngf=16 --set discriminator.ndf=16 --set exec.threads=2)
rm -rf generate-runs gen && mkdir gen
"$ganrig" train "$experiment" "${sets[@]}" --set train.total_kimg=0.128 --set train.tick_kimg=0.064 \
  --run-root generate-runs >/dev/null || exit 1
run=$(ls -d generate-runs/*/*)
"$ganrig" generate "$run" --seeds 0-3 --save-z --raw --out gen/seeds || exit 1
example_line=$("$example" "$run" 0 1 2 3) || exit 1
echo "$example_line"
generate_mean=$(/usr/bin/python3 -c "import numpy as np; print('%.6f' % np.load('gen/seeds/images.npy').mean(dtype=np.float64))")
[ "${example_line##* mean }" = "$generate_mean" ] && echo "the example program's images are ganrig generate's (mean $generate_mean)"
"$ganrig" generate "$run" --z-file gen/seeds/z.npy --raw --out gen/zfile || exit 1
cmp gen/seeds/images.npy gen/zfile/images.npy && echo "z-file reproduces the seeds' images"
"$ganrig" generate "$run" --seeds 0-3 --grid 2x2 --weights raw --out gen/grid || exit 1
"$ganrig" generate "$run" --interp 3,7,11 --frames 5 --slerp --loop --fps 10 --out gen/walk || exit 1
echo "walk: $(ls gen/walk | grep -c '^frame') frames, $(ls gen/walk | grep -c '^video.mp4$') video, $(ls gen/grid)"
tr -d " \n" < gen/seeds/generate.json | grep -o "\"seeds\":\[[^]]*\]"
grep -q '"checkpoint_sha256": "[0-9a-f]\{64\}"' gen/seeds/generate.json && echo "sidecar has the checkpoint sha256"

"$ganrig" export "$run" --format state-dict --out gen/G.pt || exit 1
"$ganrig" import gen/G.pt "$experiment" "${sets[@]}" --format state-dict --out gen/imported.pt || exit 1
"$ganrig" generate gen/imported.pt --seeds 0-3 --raw --out gen/imported || exit 1
cmp gen/seeds/images.npy gen/imported/images.npy && echo "export -> import gives the same images"
"$ganrig" train "$experiment" "${sets[@]}" --set train.total_kimg=0.064 --set train.tick_kimg=0.064 \
  --run-root generate-runs --resume gen/imported.pt 2>&1 | grep -E "fine-tuning|done:"

echo "--- errors"
"$ganrig" generate "$run" --seeds 4294967296 --out gen/e1; echo "exit $?"
"$ganrig" generate "$run" --seeds 9-3 --out gen/e2; echo "exit $?"
"$ganrig" generate "$run" --seeds 0-3 --grid 3x3 --out gen/e3; echo "exit $?"
example_line=$("$example" "$run" 0 1 2 3) || exit 1
echo "$example_line"
generate_mean=$(/usr/bin/python3 -c "import numpy as np; print('%.6f' % np.load('gen/seeds/images.npy').mean(dtype=np.float64))")
[ "${example_line##* mean }" = "$generate_mean" ] && echo "the example program's images are ganrig generate's (mean $generate_mean)"
"$ganrig" generate "$run" --z-file gen/seeds/images.npy --out gen/e4; echo "exit $?"
"$ganrig" generate "$run" --seeds 0 --out gen/seeds; echo "exit $?"
"$ganrig" generate generate-runs/none --seeds 0 --out gen/e5; echo "exit $?"
"$ganrig" export "$run" --format pg --out gen/e6.pt; echo "exit $?"
ls gen/e1 gen/e2 gen/e3 gen/e4 gen/e5 gen/e6.pt 2>&1 | grep -c "No such file" | sed 's/^/nothing written: /'
echo "seeds folder still has $(ls gen/seeds | wc -l) files"
echo "--- report"
"$ganrig" report "$run" | sed 's|.*/generate-runs/|report of generate-runs/|'
"$ganrig" report gen/seeds; echo "exit $?"
