#!/usr/bin/env bash
# The TinyLlama-1.1B-shaped models in Q4_0 and Q4_K_M synthesized where they run (600 MB each),
# then bench.mjs on each: prefill of 128- and 440-word prompts (~150 and ~512 tokens) and 64 decoded
# tokens on WebGPU.
set -euo pipefail
vocab=.gpucarry/shared/vocab/ggml-vocab-llama-spm.gguf
dir="${TMPDIR:-/tmp}"
for type in q4_0 q4_k_m; do
  (.gpucarry/chord synth --shape tinyllama-1.1b --type $type --vocab $vocab -o "$dir/tinyllama-$type.gguf" >/dev/null &&
   .gpucarry/chord inspect --json "$dir/tinyllama-$type.gguf" > "$dir/tinyllama-$type.json") &
done
wait
for type in q4_0 q4_k_m; do
  node bench/webgpu/bench.mjs "$dir/tinyllama-$type.gguf" 64 128,440 "$dir/tinyllama-$type.json"
done
