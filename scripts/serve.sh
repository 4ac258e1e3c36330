#!/usr/bin/env bash
# The web demo: builds web-demo/dist/ (scripts/build-demo.sh), then serves it on 127.0.0.1 with the
# cross-origin isolation headers and prints its URL (--static: without them, as a plain static host).
#   ./scripts/serve.sh [port] [--static]   (default 8080)
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/build-demo.sh >/dev/null
exec node web-demo/serve.mjs "${1:-8080}" "${@:2}"
