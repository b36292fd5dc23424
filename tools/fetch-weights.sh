#!/usr/bin/env bash
# Fetches the pretrained CNN weights ganrig uses offline and converts them once into the cache
# (never committed): the npm package nsfwjs@4.3.0 (checked by sha256), whose Keras MobileNetV2
# becomes <cache>/weights/mobilenet_v2-nsfwjs-4.3.0.bin for the `mobilenet_v2` projector and whose
# Keras InceptionV3 becomes <cache>/weights/inception_v3-nsfwjs-4.3.0.bin for the metric detectors
# `incv3nsfw` / `incv3nsfw_m5`.
# Needs node and npm (tools/setup.sh installs them when missing). Training never needs npm.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${GANRIG_CACHE:-$PWD/cache}
package=nsfwjs version=4.3.0
sha256=4496790efc9bdc6f3e85a826a8e482c1fa1e9db4b3d18c095e98cc0c73cfb12f
tarball="$cache/downloads/$package-$version.tgz"
output="$cache/weights/mobilenet_v2-$package-$version.bin"
inception="$cache/weights/inception_v3-$package-$version.bin"
if [ -f "$output" ] && [ "$output" -nt tools/nsfwjs/convert.js ] && [ -f "$inception" ] && [ "$inception" -nt tools/nsfwjs/convert.js ]; then
  echo "fetch-weights: $output and $inception are there"
  exit 0
fi
mkdir -p "$cache/downloads" "$cache/weights"
if [ ! -f "$tarball" ] || ! echo "$sha256  $tarball" | sha256sum -c --quiet 2>/dev/null; then
  echo "fetch-weights: npm pack $package@$version"
  (cd "$cache/downloads" && npm pack --silent "$package@$version" >/dev/null)
fi
if ! echo "$sha256  $tarball" | sha256sum -c --quiet; then
  echo "fetch-weights: $tarball does not have the expected sha256 $sha256" >&2
  exit 1
fi
rm -rf "$cache/$package-$version"
mkdir -p "$cache/$package-$version"
tar xzf "$tarball" -C "$cache/$package-$version" package/dist/models/mobilenet_v2 package/dist/models/inception_v3 package/LICENSE
node tools/nsfwjs/convert.js "$cache/$package-$version/package/dist/models/mobilenet_v2" "$output" \
  "{\"package\": \"$package\", \"version\": \"$version\", \"tarball_sha256\": \"$sha256\", \"model\": \"dist/models/mobilenet_v2\", \"layout\": \"keras\"}"
node tools/nsfwjs/convert.js "$cache/$package-$version/package/dist/models/inception_v3" "$inception" \
  "{\"package\": \"$package\", \"version\": \"$version\", \"tarball_sha256\": \"$sha256\", \"model\": \"dist/models/inception_v3\", \"layout\": \"keras\"}"
