#!/usr/bin/env bash
# The main job: builds the `chord` CLI and runs it. Without arguments it inspects the bundled
# default model; with arguments they go to `chord` (e.g. `./scripts/run.sh inspect --json FILE`).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
cmake --preset native >/dev/null
cmake --build --preset native --target chord >/dev/null

if [ $# -eq 0 ]; then
  set -- inspect models/stories260K-f32.gguf
fi
exec build/native/bin/chord "$@"
