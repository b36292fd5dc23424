#!/usr/bin/env bash
# ganrig generate on a conditional run (a few steps of the conditional DCGAN on 64 Fashion-MNIST
# images): --class by name and by index gives that class's images (the same for the same class),
# --grid gives one row per class, and what is refused: an unknown class, no class, --class on an
# unconditional run. Runs everywhere (the official-code check is tests/cli/conditional_pg.sh).
# Usage: generate_class.sh GANRIG SOURCE_DIR PYTHON
set -uo pipefail
ganrig=$1 src=$2 python=$3
rm -rf generate-class && mkdir -p generate-class && cd generate-class
sets=(--set dataset.limit=64 --set generator.ngf=8 --set discriminator.ndf=8 --set train.batch=16
      --set train.total_kimg=0.032 --set train.tick_kimg=0.016 --set exec.sample_format=ppm --set exec.report=false)
"$ganrig" train "$src/experiments/conditional/dcgan-cond_fmnist32.toml" "${sets[@]}" --run-root runs >train.log 2>&1 ||
  { cat train.log; exit 1; }
run=$(ls -d runs/*/*)
"$ganrig" generate "$run" --class Trouser --seeds 0-3 --raw --format ppm --out by-name || exit 1
"$ganrig" generate "$run" --class 1 --seeds 0-3 --raw --format ppm --out by-index || exit 1
"$ganrig" generate "$run" --class Bag --seeds 0-3 --raw --format ppm --out bag || exit 1
cmp by-name/images.npy by-index/images.npy && echo "--class Trouser and --class 1 give the same images"
"$python" -c "
import numpy as np
a, b = np.load('by-name/images.npy'), np.load('bag/images.npy')
print('Trouser vs Bag for the same seeds: max |diff| %.2e' % np.abs(a - b).max(), 'differ' if np.abs(a - b).max() > 1e-7 else 'SAME')"
"$ganrig" generate "$run" --grid 10x2 --seeds 0-19 --format ppm --out grid || exit 1
tr -d " \n" < grid/generate.json | grep -o '"classes":\["T-shirt/top","T-shirt/top","Trouser","Trouser","Pullover"'
echo "--- errors"
"$ganrig" generate "$run" --class Jumper --seeds 0 --out e1; echo "exit $?"
"$ganrig" generate "$run" --seeds 0 --out e2; echo "exit $?"
"$ganrig" train "$src/experiments/dcgan/dcgan_fashion-mnist32.toml" "${sets[@]}" --set train.total_kimg=0.016 \
  --run-root plain >/dev/null 2>&1 || exit 1
"$ganrig" generate "$(ls -d plain/*/*)" --class Trouser --seeds 0 --out e3; echo "exit $?"
{ ls e1 e2 e3 2>&1 || true; } | sed 's/^/after errors: /'
