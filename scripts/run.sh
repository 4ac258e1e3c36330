#!/usr/bin/env bash
# The main job: builds the `chord` CLI and runs it. Without arguments it tells a story with the
# bundled default model; with arguments they go to `chord` (e.g. `./scripts/run.sh inspect FILE`).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
cmake --preset native >/dev/null
cmake --build --preset native --target chord >/dev/null

if [ $# -eq 0 ]; then
  set -- generate -m models/stories260K-f32.gguf -p "Once upon a time" -n 200 --seed 42
fi
exec build/native/bin/chord "$@"
