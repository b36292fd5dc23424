#!/usr/bin/env bash
# Regenerates docs/config-reference.md from the schemas of the host and the built plugins.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${GANRIG_BUILD_DIR:-build}
"$build_dir/bin/ganrig" docs > docs/config-reference.md
echo "wrote docs/config-reference.md"
