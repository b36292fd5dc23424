#!/usr/bin/env bash
# ganrig import / generate / export against the official Projected GAN generator, in the official
# names (tests/cli/fastgan_official.py), for fastgan_lite and fastgan: an official state dict
# imported, exported again, must be bit-exact; ganrig's images from the import must equal the
# official code's on the export to 1e-5. Then the errors: unknown format, a generator the format
# cannot express, a file that is no state dict, an existing --out.
# Usage: export_import.sh GANRIG SOURCE_DIR PYTHON
set -uo pipefail
ganrig=$1 src=$2 python=$3
experiment=$src/experiments/projected_gan/pg_fmnist128.toml
rm -rf export-import && mkdir -p export-import
# fastgan_lite at 256 (every official tensor used), fastgan (big blocks, noise) at 128.
for case in "1 256" "0 128"; do
  read -r lite res <<<"$case"
  dir=export-import/lite$lite && mkdir -p $dir
  sets=(--set generator.ngf=8 --set generator.latent_dim=32 --set dataset.resolution=$res
        --set generator.lite=$([ $lite = 1 ] && echo true || echo false))
  "$python" "$src/tests/cli/fastgan_official.py" make $dir --lite $lite --resolution $res || exit 1
  "$ganrig" import $dir/official.pt "$experiment" "${sets[@]}" --format pg --out $dir/imported.pt || exit 1
  "$ganrig" generate $dir/imported.pt --seeds 0-3 --raw --format ppm --out $dir/generated || exit 1
  "$ganrig" export $dir/imported.pt --format pg --out $dir/exported.pt || exit 1
  echo "lite=$lite resolution=$res:"
  "$python" "$src/tests/cli/fastgan_official.py" check $dir || exit 1
done
dir=export-import/lite1
echo "--- errors"
"$ganrig" export $dir/imported.pt --format onnx --out $dir/x.pt; echo "exit $?"
"$ganrig" export $dir/imported.pt --format pg --out $dir/exported.pt; echo "exit $?"
"$ganrig" import $dir/kwargs.json "$experiment" --format pg --out $dir/y.pt; echo "exit $?"
"$ganrig" import $dir/official.pt "$experiment" --set dataset.resolution=256 --set generator.ngf=16 --set generator.latent_dim=32 --format pg --out $dir/y.pt; echo "exit $?"
"$ganrig" import $dir/official.pt "$experiment" --set dataset.resolution=256 --set generator.ngf=8 --set generator.latent_dim=32 --set generator.block=dsc --format pg --out $dir/y.pt; echo "exit $?"
"$ganrig" export $dir/imported.pt --format pg --set generator.block=dsc --out $dir/z.pt; echo "exit $?"
{ ls $dir/y.pt $dir/z.pt $dir/x.pt 2>&1 || true; } | sed 's/^/after errors: /'  # none of them may exist
