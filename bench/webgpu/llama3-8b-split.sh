#!/usr/bin/env bash
# Issue 21's split weights at the 8B shape, on a GPU machine through on-device.sh: synthesizes the
# Llama-3.1-8B-shaped Q4_K_M (as llama3-8b.sh does), drops the page cache where it may, then
# split.mjs: the model whole, then as on an adapter that binds MAX_BINDING bytes (default 128 MiB:
# the embedding table, 282 MB in Q4_K, and the output matrix, 431 MB in Q6_K, go in parts).
# Results go to $LOGS (default $TMPDIR/llama3-8b). Longer than one `run` call: start it in a
# session of its own as llama3-8b.sh says, and wait for it.
set -euo pipefail
dir="${TMPDIR:-/tmp}"
logs="${LOGS:-$dir/llama3-8b}"
mkdir -p "$logs"
stamp() { echo "[$(date +%T)] $*"; }
big="$dir/llama3-8b-q4_k_m.gguf"
if [ ! -f "$big" ]; then
  stamp "synthesizing"
  .gpucarry/chord synth --shape llama3-8b --type q4_k_m --vocab .gpucarry/shared/vocab/ggml-vocab-gpt-2.gguf --vocab-size 128256 -o "$big"
fi
ls -l "$big"
sync; if (echo 3 > /proc/sys/vm/drop_caches) 2>/dev/null; then stamp "page cache dropped"; else stamp "page cache NOT dropped"; fi
stamp "split.mjs on $big"
node bench/webgpu/split.mjs "$big" "${MAX_BINDING:-134217728}" 64 > "$logs/split-llama3-8b-q4_k_m.json"
cat "$logs/split-llama3-8b-q4_k_m.json"
stamp "done"
