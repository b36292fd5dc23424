#!/usr/bin/env bash
# Regenerates tests/fixtures/golden/mobilenet_v2_taps.json with TensorFlow.js (installed from npm
# into the cache, pinned) running the nsfwjs model that tools/fetch-weights.sh downloaded.
set -euo pipefail
cd "$(dirname "$0")/../.."
cache=${GANRIG_CACHE:-cache}
tools/fetch-weights.sh
mkdir -p "$cache/tfjs"
(cd "$cache/tfjs" && [ -d node_modules/@tensorflow/tfjs-layers ] ||
  npm install --no-audit --no-fund --no-save @tensorflow/tfjs-core@4.22.0 @tensorflow/tfjs-layers@4.22.0 @tensorflow/tfjs-backend-cpu@4.22.0)
mkdir -p tests/fixtures/golden
NODE_PATH="$cache/tfjs/node_modules" node tools/nsfwjs/golden.js "$cache/nsfwjs-4.3.0/package/dist/models/mobilenet_v2" \
  > tests/fixtures/golden/mobilenet_v2_taps.json
echo "wrote tests/fixtures/golden/mobilenet_v2_taps.json"
