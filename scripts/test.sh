#!/usr/bin/env bash
# Every test: installs what is missing, builds the `native` and `native-asan` (ASan + UBSan)
# presets and runs the GoogleTest suite under both, runs each fuzz target for 35 s, then
# builds the WebAssembly modules (wasm32, threads, Memory64) and runs the wasm kernel test, the hostile-input corpus in wasm,
# the WebGPU backend's parity test (Node + Dawn) and the npm package's tests in Node and headless
# Chromium (the web demo's and a 100-cycle soak among them).
# Needs ../shared (the test data).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
jobs="$(nproc)"
# Each phase's heading with the time since the start: where the suite's minutes go.
phase() { printf '== [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }

for preset in native native-asan; do
  phase "$preset: build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  phase "$preset: test"
  ctest --preset "$preset" -j "$jobs"
done

phase "fuzz: each libFuzzer target for 35 s (ASan + UBSan)"
./scripts/fuzz.sh 35

for preset in wasm wasm-threads; do
  phase "$preset: build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
done
phase "wasm64: Debian trixie's Emscripten 3.1.69 (scripts/install-emscripten-memory64.sh) and the Memory64 module"
./scripts/install-emscripten-memory64.sh
cmake --preset wasm64 >/dev/null
cmake --build --preset wasm64 -j "$jobs" --target chord_wasm  # the package's third module; its tests run in Chromium
phase "wasm: fast kernels against the reference kernels (Node: SIMD128; Chromium runs the relaxed-SIMD ones below)"
node --no-experimental-fetch build/wasm/bin/chord_wasm_kernels_test.js simd128 "${CHORD_SHARED_DIR:-../shared}"/models/synth-*-q*.gguf
phase "wasm: the hostile-input corpus (tests/hostile_corpus.hpp): every case the expected chord::Error in wasm32 too"
node --no-experimental-fetch build/wasm/bin/chord_wasm_hostile_corpus_test.js "${CHORD_SHARED_DIR:-../shared}"
phase "npm package: install"
(cd bindings/js && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)  # + the prebuilt browser build
phase "wasm: the WebGPU backend against the CPU reference (Node, Dawn on SwiftShader)"
# Two processes side by side (SwiftShader keeps about one core busy), of about the same length: the
# operation checks and most shared models; the other shared models (five weight types) and the
# synth models of tests/data/golden (the other architectures).
swiftshader=(env VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}")
first_half=() second_half=($(node bindings/js/test-support/golden-models.mjs | grep /build/golden-models/))
for model in "${CHORD_SHARED_DIR:-../shared}"/models/*.gguf; do
  case "$(basename "$model")" in
    synth-llama-q5_* | synth-llama-q6_k.gguf | synth-llama-q8_0.gguf) second_half+=("$model") ;;
    *) first_half+=("$model") ;;
  esac
done
"${swiftshader[@]}" node tests/wasm/webgpu_test.mjs "${first_half[@]}" > build/webgpu-parity-1.log 2>&1 &
first_parity=$!
"${swiftshader[@]}" node tests/wasm/webgpu_test.mjs --models-only "${second_half[@]}" > build/webgpu-parity-2.log 2>&1 &
second_parity=$!
parity=0
wait $first_parity || parity=1
wait $second_parity || parity=1
cat build/webgpu-parity-1.log build/webgpu-parity-2.log
[ $parity = 0 ] || { echo "the WebGPU parity test FAILED"; exit 1; }
phase "npm package: type check and tests (node --test)"
cd bindings/js
npx tsc --noEmit -p .
node --test test/*.test.mjs
phase "all passed"
