#!/usr/bin/env bash
# The committed cost tables (tables/cost*.md, quoted in the README) are what
# tools/tables/cost_at_width.py prints from the committed bench CSVs next to them.
# Usage: cost_tables_current.sh PYTHON SOURCE_DIR
set -uo pipefail
python=$1 tables=$2/experiments/faster_projected_gan/tables status=0
for pair in paper256:cost256 pokemon64:cost64_stages; do
  network=${pair%%:*} name=${pair#*:}
  if "$python" "$2/tools/tables/cost_at_width.py" --network "$network" --from-csv "$tables/$name.csv" |
    diff -u "$tables/$name.md" -; then
    echo "$name.md is $name.csv's table"
  else
    echo "$name.md is not what $name.csv gives (rerun: cost_at_width.py --network $network --from-csv $name.csv)"
    status=1
  fi
done
exit $status
