#!/usr/bin/env bash
# Fetches uPlot (the report page's plotting library, MIT) from the npm registry into the ignored
# cache: the pinned version, checked by sha256. The build inlines its two dist files into every
# report.html, so pages work offline from file://. Run by tools/setup.sh before the build.
set -euo pipefail
cd "$(dirname "$0")/.."
version=1.6.32
sha256=4b8a8191e425658e3ea8c8c1314b0fc679c861ee3a1af2b20c7b16ba50b5133d
target=cache/npm/uplot-$version
[ -f "$target/dist/uPlot.iife.min.js" ] && [ -f "$target/dist/uPlot.min.css" ] && exit 0
mkdir -p cache/downloads "$target"
tarball=cache/downloads/uplot-$version.tgz
if [ ! -f "$tarball" ] || ! echo "$sha256  $tarball" | sha256sum -c --quiet 2>/dev/null; then
  echo "fetch-uplot: npm pack uplot@$version"
  (cd cache/downloads && npm pack --silent "uplot@$version" >/dev/null)
fi
if ! echo "$sha256  $tarball" | sha256sum -c --quiet; then
  echo "fetch-uplot: $tarball does not have the expected sha256 $sha256" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$target" --strip-components=1 package/dist/uPlot.iife.min.js package/dist/uPlot.min.css package/LICENSE
echo "fetch-uplot: uPlot $version in $target"
