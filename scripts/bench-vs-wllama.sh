#!/usr/bin/env bash
# wasm-chord against wllama (llama.cpp in wasm) in the same headless Chromium, on one GGUF file,
# per thread count: prefill and decode tok/s, their ratios, and decode as a fraction of the memory
# bandwidth that wasm measures on this machine (bench/browser/bandwidth.html).
#   scripts/bench-vs-wllama.sh MODEL.gguf [threads...]      (threads: 1 2 unless given)
# Environment: DECODE_TOKENS (64), PREFILL_WORDS (128), PREFILL_TOKENS (1), SHARED (../shared,
# whose peer/ holds run.mjs and wllama.html). The JSON of every run is left in build/bench-vs-wllama/.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 MODEL.gguf [threads...]" >&2; exit 2; }
model="$(realpath "$1")"
shift
threads=("$@")
[ ${#threads[@]} -gt 0 ] || threads=(1 2)
cd "$(dirname "$0")/.."
root="$PWD"
peer="$(realpath "${SHARED:-$root/../shared}")/peer"
out="$root/build/bench-vs-wllama"

./scripts/install-deps.sh
echo "== build: chord CLI (for inspect), wasm modules, npm packages" >&2
cmake --preset native >/dev/null
cmake --build --preset native --target chord >/dev/null
# run.mjs serves the pages cross-origin isolated, so they load the threaded builds only.
cmake --preset wasm-threads >/dev/null
cmake --build --preset wasm-threads --target chord_wasm chord_bandwidth >/dev/null
# npm ci only where the lockfile changed since the last install (npm keeps a copy in node_modules).
for dir in bindings/js bench/browser; do
  [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ] ||
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
done

rm -rf "$out" && mkdir -p "$out"
build/native/bin/chord inspect --json "$model" >"$out/inspect.json"

# run PAGE THREADS N WORDS > JSON: one page in headless Chromium. playwright-core and wllama come
# from bench/browser/node_modules; the chord pages reach the repository under /chord/.
run() {
  (cd bench/browser && WLLAMA_DIR="$PWD/node_modules/@wllama/wllama/esm" CHORD_DIR="$root" \
    node "$peer/run.mjs" "$1" "$(dirname "$model")" "$(basename "$model")" "$2" "$3" "$4")
}
for t in "${threads[@]}"; do
  # other work on the machine slows some runs more than others: say how busy it is
  echo "== $t thread(s): bandwidth, wllama, chord (load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  run chord/bench/browser/bandwidth.html "$t" 0 0 >"$out/bandwidth-t$t.json"
  for engine in wllama chord; do
    if [ "$engine" = chord ]; then page=chord/bench/browser/chord.html; else page=wllama.html; fi
    run "$page" "$t" "${DECODE_TOKENS:-64}" 0 >"$out/$engine-t$t-decode.json"
    run "$page" "$t" "${PREFILL_TOKENS:-1}" "${PREFILL_WORDS:-128}" >"$out/$engine-t$t-prefill.json"
  done
done

echo "== results (JSON of every run in $out)" >&2
node bench/browser/compare.mjs "$out" "${threads[@]}"
