#!/usr/bin/env bash
# The web demo: installs what is missing, builds the WebAssembly modules and the npm package's
# worker bundle, then serves web-demo/ on 127.0.0.1 (cross-origin isolated) and prints its URL.
#   ./scripts/serve.sh [port]   (default 8080)
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
for preset in wasm wasm-threads; do
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" >/dev/null
done
(cd bindings/js && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
exec node web-demo/serve.mjs "${1:-8080}"
