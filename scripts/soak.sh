#!/usr/bin/env bash
# Soak test of the wasm build: CYCLES (default 1000) load/generate/unload cycles of the bundled
# model in Node, printing the wasm heap, the bytes in use in it and the process's RSS after the
# first cycle and after the last. Run scripts/test.sh (or its wasm and npm steps) first.
set -euo pipefail
cd "$(dirname "$0")/../bindings/js"
node --expose-gc test-support/soak.mjs "${1:-1000}"
