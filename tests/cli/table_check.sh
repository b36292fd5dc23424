#!/usr/bin/env bash
# ganrig table ties a row to its run: collecting writes the run's folder, commit and config hash to
# the CSV and commits the run's record (config, stats, metrics) next to it; --check passes on that,
# fails when the experiment file changes afterwards (naming the key), when the CSV's hash is not
# the record's and when the row asks for another [exec] precision than its run's; a run in another
# precision is never taken for a row's. A short DCGAN run in a scratch tree shaped like experiments/<paper>/tables/.
# Usage: table_check.sh GANRIG SOURCE_DIR
set -uo pipefail
ganrig=$1 src=$2
rm -rf table-check && mkdir -p table-check/experiments/demo/tables && cd table-check || exit 1
cp "$src/experiments/dcgan/dcgan_fashion-mnist32.toml" experiments/demo/dcgan.toml
cat > experiments/demo/tables/short.toml <<'TOML'
title = "A short DCGAN"
readme = "../README.md"
[[rows]]
label = "DCGAN"
experiment = "../dcgan.toml"
set = ["dataset.limit=64", "generator.ngf=16", "discriminator.ndf=16", "train.total_kimg=0.064", "train.tick_kimg=0.064"]
[[columns]]
label = "sec/kimg"
source = "sec_per_kimg"
TOML
echo "# Demo" > experiments/demo/README.md
table=experiments/demo/tables/short.toml
"$ganrig" train experiments/demo/dcgan.toml --set dataset.limit=64 --set generator.ngf=16 --set discriminator.ndf=16 \
  --set train.total_kimg=0.064 --set train.tick_kimg=0.064 --set experiment.seed=0 --set exec.threads=2 >/dev/null || exit 1
"$ganrig" table "$table" >/dev/null || exit 1
sed -n 2p experiments/demo/tables/short.csv | cut -d, -f1-3
ls experiments/demo/tables/runs/short/dcgan_fashion-mnist32/*/
"$ganrig" table "$table" --check || exit 1
echo "--- a newer bf16 run of the same config: the fp32 row keeps its run; a bf16 row takes the bf16 run"
"$ganrig" train experiments/demo/dcgan.toml --set dataset.limit=64 --set generator.ngf=16 --set discriminator.ndf=16 \
  --set train.total_kimg=0.064 --set train.tick_kimg=0.064 --set experiment.seed=0 --set exec.threads=2 \
  --set 'exec.precision="bf16"' --desc bf16 >/dev/null || exit 1
"$ganrig" table "$table" >/dev/null || exit 1
sed -n 2p experiments/demo/tables/short.csv | cut -d, -f1-3
cp "$table" short.fp32
sed -i 's/^set = \[/set = ["exec.precision=\\"bf16\\"", /' "$table"
"$ganrig" table "$table" --check; echo "exit $?"
"$ganrig" table "$table" >/dev/null || exit 1
sed -n 2p experiments/demo/tables/short.csv | cut -d, -f1-3
cp short.fp32 "$table" && "$ganrig" table "$table" >/dev/null || exit 1
echo "--- the experiment changes"
sed -i 's/^lr = .*/lr = 0.0001/' experiments/demo/dcgan.toml
"$ganrig" table "$table" --check; echo "exit $?"
echo "--- the CSV's hash is edited"
git_free=$(sed -n 2p experiments/demo/tables/short.csv | cut -d, -f5)
sed -i "s/$git_free/0123456789abcdef/" experiments/demo/tables/short.csv
"$ganrig" table "$table" --check; echo "exit $?"
echo "--- empty tables (PGGAN's per-resolution maps) written either way"
cp "$src/experiments/pggan/pggan_fmnist32.toml" "$src/experiments/pggan/pggan_paper_celebahq1024.toml" experiments/demo/
cat > experiments/demo/tables/growing.toml <<'TOML'
title = "A short PGGAN"
readme = "../README.md"
[[rows]]
label = "PGGAN"
experiment = "../pggan_fmnist32.toml"
set = ["dataset.limit=64", "train.total_kimg=0.064", "train.tick_kimg=0.064", "eval.metrics=[]"]
[[columns]]
label = "sec/kimg"
source = "sec_per_kimg"
TOML
"$ganrig" train experiments/demo/pggan_fmnist32.toml --set dataset.limit=64 --set train.total_kimg=0.064 \
  --set train.tick_kimg=0.064 --set "eval.metrics=[]" --set experiment.seed=0 --set exec.threads=2 >/dev/null || exit 1
"$ganrig" table experiments/demo/tables/growing.toml >/dev/null || exit 1
sed -n 2p experiments/demo/tables/growing.csv | cut -d, -f1-2
"$ganrig" table experiments/demo/tables/growing.toml --check || exit 1
