#!/usr/bin/env bash
# The web demo as a static folder: installs what is missing, builds the WebAssembly modules and the
# package's browser build, then writes web-demo/dist/, which any static host serves as it is
# (cross-origin isolation, for threads, comes from the page's service worker).
#   ./scripts/build-demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
for preset in wasm wasm-threads; do
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" >/dev/null
done
(cd bindings/js && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
node web-demo/build.mjs
