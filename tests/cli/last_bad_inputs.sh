#!/bin/sh
# The last bad inputs of the campaign (issue: data parallel across hosts, and the last bad inputs):
# each ends with a located message and a non-zero exit, and writes nothing.
#  - a 200,000-part dotted key (toml++'s parser overflowed its stack on it);
#  - --desc with a newline; --desc with '/';
#  - [train] batch = 60001 (more than one step can hold in this machine's memory);
#  - a [dataset] path that does not exist, a prepared .ganrigd path that is damaged;
#  - `ganrig eval RUN` whose newest snapshot is damaged names it and the snapshot it evaluates.
# Usage: last_bad_inputs.sh GANRIG SOURCE_DIR PYTHON
set -u
G=$1 SRC=$2 PY=$3 R=$PWD/runs-bad-inputs
rm -rf "$R" && mkdir -p "$R"
exp="$SRC/tests/fixtures/train/tiny_fmnist_eval.toml"
# expect NAME STATUS COMMAND...: runs it, prints its status and its first error line.
expect() {
  name=$1 want=$2
  shift 2
  "$@" > "$R/$name.log" 2>&1
  got=$?
  echo "$name: exit $got (expected $want): $(grep -m1 -E 'error|FAIL|warning' -A1 "$R/$name.log" | tr '\n' ' ' | cut -c1-400)"
  [ "$got" = "$want" ] || echo "$name: WRONG EXIT STATUS"
}
written() { echo "$1: folders under the run root: $(find "$R/$2" -mindepth 1 2> /dev/null | wc -l)"; }

$PY -c "import sys; open(sys.argv[1], 'w').write('[train]\nbatch = 16\n' + '.'.join(['a'] * 200000) + ' = 1\n')" "$R/long-key.toml"
expect long_key 1 "$G" validate "$R/long-key.toml"
$PY -c "import sys; open(sys.argv[1], 'w').write('x = ' + '[' * 100000 + ']' * 100000 + '\n')" "$R/deep.toml"
expect deep_brackets 1 "$G" validate "$R/deep.toml"

expect desc_newline 2 "$G" train "$exp" --desc "$(printf 'a\nb')" --run-root "$R/desc"
expect desc_slash 2 "$G" train "$exp" --desc "a/../../b" --run-root "$R/desc"
written desc desc

expect batch_60001 2 "$G" train "$exp" --set train.batch=60001 --run-root "$R/batch"
expect batch_60001_dry_run 2 "$G" train "$exp" --set train.batch=60001 --dry-run
expect batch_per_device_60001 2 "$G" train "$exp" --set train.batch=60001 --set exec.batch_per_device=60001 --run-root "$R/batch"
written batch batch
expect batch_accumulated_dry_run 0 "$G" train "$exp" --set train.batch=60001 --set exec.batch_per_device=29 --dry-run
grep -m1 "# memory:" "$R/batch_accumulated_dry_run.log"

expect missing_path 1 "$G" validate "$SRC/experiments/dcgan/dcgan_fashion-mnist32.toml" --set dataset.path=/no/such/folder
printf 'GANRIGD1\377\377\377\377\377\377\377\377' > "$R/damaged.ganrigd"
printf 'inherits = ["%s"]\n[dataset]\n_replace_ = true\ntype = "prepared"\npath = "%s"\nresolution = 64\n' \
  "$SRC/experiments/projected_gan/pg_pokemon64.toml" "$R/damaged.ganrigd" > "$R/damaged-dataset.toml"
expect damaged_prepared 1 "$G" validate "$R/damaged-dataset.toml"

# eval of a run whose newest snapshot is damaged: it says which, evaluates the previous one and
# renames nothing (eval only reads a run).
"$G" train "$exp" --set eval.metrics=[] --set train.total_kimg=0.032 --set train.snapshot_kimg=0.016 \
  --run-root "$R/eval" > "$R/eval-train.log" 2>&1 || echo "eval: training FAILED"
run=$(dirname "$(ls "$R"/eval/*/*/config.resolved.toml)")
newest=$(ls "$run"/checkpoints/snapshot-*.pt | tail -1)
printf 'X' | dd of="$newest" bs=1 seek=4000 conv=notrunc 2> /dev/null
expect eval_damaged 0 "$G" eval "$run" --metric kid16_incv3nsfw --no-append
grep -m1 "^evaluating" "$R/eval_damaged.log" | sed 's|^evaluating [^ ]*/|evaluating |'
echo "eval: snapshots after: $(ls "$run/checkpoints" | tr '\n' ' ')"
