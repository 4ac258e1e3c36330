#!/usr/bin/env bash
# Issue 21's 8B run, on a GPU machine through on-device.sh (as tinyllama.sh): synthesizes a
# Llama-3.1-8B-shaped Q4_K_M (4.9 GB: GPT-2's byte-level BPE vocabulary padded to Llama 3's 128256
# tokens) and the TinyLlama-shaped Q4_0 there, then bench.mjs on each (load time from the path, the
# process's peak RSS, prefill, decode, adapter limits), each first load after dropping the page cache
# where the machine allows it. With LLAMA_CPP (llama.cpp source trees, or .tar.xz files of one with a
# top folder, separated by spaces: the first that builds is used), llama.cpp's llama-bench is built
# there for CUDA sm_90 in the background while the rest runs, then run on the same 8B file:
# `llama-bench -ngl 99 -p 128,512 -n 64 -r 3`. Results and logs go to $LOGS (default $TMPDIR/llama3-8b).
# The whole takes longer than one `run` call may (the 8B synthesis alone is minutes, on one thread),
# so start it in a session of its own and wait for it in the calls that follow (each at most 10 min):
#   setsid nohup bash -c 'LLAMA_CPP=... bash bench/webgpu/on-device.sh bash bench/webgpu/llama3-8b.sh;
#     echo $? > /tmp/llama3-8b.rc' > /tmp/llama3-8b.log 2>&1 < /dev/null &
set -euo pipefail
dir="${TMPDIR:-/tmp}"
logs="${LOGS:-$dir/llama3-8b}"
mkdir -p "$logs"
stamp() { echo "[$(date +%T)] $*"; }
# The page cache dropped, so that the first load reads the file from the disk (root only).
cold() { sync; if (echo 3 > /proc/sys/vm/drop_caches) 2>/dev/null; then stamp "page cache dropped"; else stamp "page cache NOT dropped"; fi; }

build_llama_cpp() {
  local source i=0 generator="Unix Makefiles"
  command -v ninja > /dev/null && generator=Ninja
  for source in $LLAMA_CPP; do
    i=$((i + 1))
    if [ -f "$source" ]; then
      rm -rf "$dir/llama.cpp-$i" && mkdir -p "$dir/llama.cpp-$i"
      tar -xJf "$source" -C "$dir/llama.cpp-$i" --strip-components=1
      source="$dir/llama.cpp-$i"
    fi
    stamp "building llama-bench from $source"
    if cmake -S "$source" -B "$dir/llama-build-$i" -G "$generator" -DCMAKE_BUILD_TYPE=Release -DGGML_CUDA=ON \
         -DCMAKE_CUDA_ARCHITECTURES=90 -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF &&
       cmake --build "$dir/llama-build-$i" --target llama-bench -j "$(( $(nproc) > 4 ? $(nproc) - 2 : 2 ))"; then
      ln -sfn "$dir/llama-build-$i/bin/llama-bench" "$dir/llama-bench"
      stamp "llama-bench built from $source"
      return 0
    fi
    stamp "llama-bench did not build from $source"
  done
  return 1
}

if [ -n "${LLAMA_CPP:-}" ]; then
  build_llama_cpp > "$logs/llama-build.log" 2>&1 &
  build=$!
fi

bpe=.gpucarry/shared/vocab/ggml-vocab-gpt-2.gguf
spm=.gpucarry/shared/vocab/ggml-vocab-llama-spm.gguf
tiny="$dir/tinyllama-q4_0.gguf" big="$dir/llama3-8b-q4_k_m.gguf"
stamp "synthesizing"
.gpucarry/chord synth --shape llama3-8b --type q4_k_m --vocab $bpe --vocab-size 128256 -o "$big" &
synth=$!
.gpucarry/chord synth --shape tinyllama-1.1b --type q4_0 --vocab $spm -o "$tiny"
.gpucarry/chord inspect --json "$tiny" > "$dir/tinyllama-q4_0.json"
cold
stamp "bench.mjs on $tiny"
node bench/webgpu/bench.mjs "$tiny" 64 128,440 "$dir/tinyllama-q4_0.json" > "$logs/bench-tinyllama-q4_0.json"
wait $synth
.gpucarry/chord inspect --json "$big" > "$dir/llama3-8b-q4_k_m.json"
ls -l "$tiny" "$big"
cold
stamp "bench.mjs on $big"
node bench/webgpu/bench.mjs "$big" 64 128,440 "$dir/llama3-8b-q4_k_m.json" > "$logs/bench-llama3-8b-q4_k_m.json" ||
  stamp "bench.mjs failed on $big: exit status $?"

if [ -n "${LLAMA_CPP:-}" ]; then
  stamp "waiting for the llama.cpp build"
  if wait $build; then
    stamp "llama-bench on $big"
    "$dir/llama-bench" -m "$big" -ngl 99 -p 128,512 -n 64 -r 3 | tee "$logs/llama-bench.md"
  else
    stamp "llama.cpp did not build: the end of $logs/llama-build.log:"
    tail -40 "$logs/llama-build.log"
  fi
fi
stamp "done"
