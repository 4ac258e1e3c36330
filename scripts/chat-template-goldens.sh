#!/usr/bin/env bash
# Regenerates tests/data/chat_templates/ from a llama.cpp source tree:
#   - re-copies llama.cpp's models/templates/*.jinja into templates/ and its LICENSE,
#   - builds renderer/render_goldens.cpp against llama.cpp's Jinja engine (common/jinja),
#   - renders every template x every case of cases.json into goldens/<template>.json.
# usage: scripts/chat-template-goldens.sh LLAMA_CPP_SOURCE_DIR
# The commit recorded in the goldens is $LLAMA_CPP_COMMIT if set, else `git rev-parse HEAD` of
# that dir when it is a git checkout (e.g. a tree from `git archive` has none: set the variable).
# Needs g++ (C++17). Nothing here is part of the CMake build.
set -euo pipefail

src="$(cd "${1:?usage: $0 LLAMA_CPP_SOURCE_DIR}" && pwd)"
data="$(cd "$(dirname "$0")/../tests/data/chat_templates" && pwd)"
commit="${LLAMA_CPP_COMMIT:-}"
if [[ -z "$commit" && -e "$src/.git" ]]; then commit="$(git -C "$src" rev-parse HEAD)"; fi
commit="${commit:-unknown}"
build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT

# Templates and licence, byte for byte (old ones removed so deletions carry over).
rm -f "$data"/templates/*.jinja
mkdir -p "$data/templates" "$data/goldens"
cp "$src"/models/templates/*.jinja "$data/templates/"
cp "$src/LICENSE" "$data/LICENSE-llama.cpp"

# The engine (common/jinja), common_json (common/json.cpp, over vendor/nlohmann) and
# common/unicode.cpp; ggml.h only for GGML_ASSERT (the renderer defines ggml_abort).
g++ -std=c++17 -O1 -o "$build/render_goldens" \
    -I"$src/common" -I"$src/vendor" -I"$src/ggml/include" \
    "$data/renderer/render_goldens.cpp" \
    "$src"/common/jinja/*.cpp "$src/common/json.cpp" "$src/common/unicode.cpp"

# Render with local time = UTC (strftime_now; the renderer also fixes the clock).
rm -f "$data"/goldens/*.json
TZ=UTC "$build/render_goldens" "$data/templates" "$data/cases.json" "$data/goldens" "$commit"
