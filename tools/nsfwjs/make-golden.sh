#!/usr/bin/env bash
# Regenerates tests/fixtures/golden/{mobilenet_v2,inception_v3}_taps.json with TensorFlow.js
# (installed from npm into the cache, pinned) running the nsfwjs models that
# tools/fetch-weights.sh downloaded. Pure-JS inference: the Inception run takes minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
cache=${GANRIG_CACHE:-cache}
tools/fetch-weights.sh
mkdir -p "$cache/tfjs"
(cd "$cache/tfjs" && [ -d node_modules/@tensorflow/tfjs-layers ] ||
  npm install --no-audit --no-fund --no-save @tensorflow/tfjs-core@4.22.0 @tensorflow/tfjs-layers@4.22.0 @tensorflow/tfjs-backend-cpu@4.22.0)
mkdir -p tests/fixtures/golden
for model in "${@:-mobilenet_v2 inception_v3}"; do
  for m in $model; do
    NODE_PATH="$cache/tfjs/node_modules" node tools/nsfwjs/golden.js "$cache/nsfwjs-4.3.0/package/dist/models/$m" "$m" \
      > "tests/fixtures/golden/${m}_taps.json.tmp"
    mv "tests/fixtures/golden/${m}_taps.json.tmp" "tests/fixtures/golden/${m}_taps.json"
    echo "wrote tests/fixtures/golden/${m}_taps.json"
  done
done
