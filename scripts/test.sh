#!/usr/bin/env bash
# Every test: installs what is missing, builds the `native` and `native-asan` (ASan + UBSan)
# presets, and runs the whole GoogleTest suite under both. Needs ../shared (the test data).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
jobs="$(nproc)"

for preset in native native-asan; do
  echo "== $preset: build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  echo "== $preset: test"
  ctest --preset "$preset" -j "$jobs"
done
