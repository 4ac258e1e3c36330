#!/usr/bin/env bash
# Regenerates tests/data/context_shift/*.json: llama.cpp's greedy generation through its context
# shifts (llama-completion --context-shift), token ids and all, for tests/context_shift_test.cpp.
#
# usage: scripts/context-shift-goldens.sh LLAMA_CPP_BUILD_DIR [GOLDEN_MODELS_DIR]
#   LLAMA_CPP_BUILD_DIR  a llama.cpp build (CPU backend) with bin/llama-completion
#   GOLDEN_MODELS_DIR    the synth models of tests/data/golden (`chord synth`, README.md there);
#                        default build/golden-models, where `node bindings/js/test-support/golden-models.mjs`
#                        writes them. Cases whose model is missing are skipped with a note.
# The commit recorded is $LLAMA_CPP_COMMIT, else 3f545beccee69d9975f466ec7e45fd9aacd8ba90.
#
# A quantized (q8_0) cache: llama.cpp 3f545bec's K-shift crashes on it unless the cache uses its
# Hadamard rotation (heads of a multiple of 64 values): build_rope_shift multiplies by a rotation
# matrix that is null otherwise. Those goldens come from the same build with that one function
# fixed (tests/data/context_shift/llama-kv-cache-null-rot.patch, `if (rot)` before both products):
# the script recompiles src/llama-kv-cache.cpp with it and relinks libllama beside, leaving the
# build as it is.
#
# The ids come from llama.cpp's own batch log (LLAMA_BATCH_DEBUG=1 with -v): every token it decodes,
# with its position; the shifts from its "context full, swapping" lines. The last sampled token is
# never decoded, so llama-completion is asked for one token more than the golden keeps.
set -euo pipefail

bin="$(cd "${1:?usage: $0 LLAMA_CPP_BUILD_DIR [GOLDEN_MODELS_DIR]}" && pwd)/bin"
root="$(cd "$(dirname "$0")/.." && pwd)"
synth_dir="${2:-$root/build/golden-models}"
shared="$root/../shared/models"
out="$root/tests/data/context_shift"
commit="${LLAMA_CPP_COMMIT:-3f545beccee69d9975f466ec7e45fd9aacd8ba90}"
n_ctx=256        # llama.cpp pads its context to a multiple of 256: smaller would not be what it runs
n_predict=768    # three contexts' worth: several shifts
mkdir -p "$out"
log="$(mktemp)"
patched="$(mktemp -d)"
trap 'rm -rf "$log" "$log.out" "$patched"' EXIT

# libllama with the K-shift fixed for caches without a Hadamard rotation, into $patched.
patched_libllama() {
  local build src command objects
  build="$(dirname "$bin")"
  src="$(cd "$build/.." && pwd)"
  cp "$src/src/llama-kv-cache.cpp" "$patched/llama-kv-cache.cpp"
  patch -s "$patched/llama-kv-cache.cpp" "$out/llama-kv-cache-null-rot.patch"
  command="$(python3 -c 'import json,sys; print(next(c["command"] for c in json.load(open(sys.argv[1])) if c["file"].endswith("src/llama-kv-cache.cpp")))' "$build/compile_commands.json")"
  (cd "$build" && eval "${command%% -o *} -o $patched/llama-kv-cache.o -c $patched/llama-kv-cache.cpp")
  objects="$(cd "$build" && find src/CMakeFiles/llama.dir -name '*.o' ! -name 'llama-kv-cache.cpp.o' | sed "s|^|$build/|")"
  # shellcheck disable=SC2086
  c++ -shared -fPIC -Wl,-soname,libllama.so.0 -o "$patched/libllama.so.0" $objects "$patched/llama-kv-cache.o" \
    -L"$bin" -lggml -lggml-cpu -lggml-base
}

# name | model (shared name, or synth:GOLDEN) | cache type | --keep | prompt
cases=(
  "stories260K-f32-f16|stories260K-f32|f16|3|Once upon a time"
  "stories260K-f32-f32|stories260K-f32|f32|-1|Once upon a time, in a small house"
  "synth-llama-f16-f16|synth-llama-f16|f16|0|Once upon a time"
  "synth-llama-f16-q8_0|synth-llama-f16|q8_0|5|Once upon a time, there was"
  "synth-llama-f16-f32|synth-llama-f16|f32|2|Once upon a time"
  "synth-llama-q4_0-f16|synth-llama-q4_0|f16|1|The little dog"
  "synth-qwen2-bpe-q4_k_m-f16|synth-qwen2-bpe-q4_k_m|f16|2|Hello world, this is"
  "synth-llama3-f16-f16|synth:synth-llama3-f16|f16|0|Once upon a time"
  "synth-phi3-f16-f16|synth:synth-phi3-f16|f16|0|Once upon a time"
  "synth-qwen3-yarn-q8_0-f16|synth:synth-qwen3-yarn-q8_0|f16|0|Once upon a time"
  "synth-qwen3-yarn-q8_0-q8_0|synth:synth-qwen3-yarn-q8_0|q8_0|0|Once upon a time"
  "synth-gemma2-f16-f16|synth:synth-gemma2-f16|f16|0|Once upon a time"
  "synth-gemma3-f16-f16|synth:synth-gemma3-f16|f16|0|Once upon a time"
)

for c in "${cases[@]}"; do
  IFS='|' read -r name model cache keep prompt <<<"$c"
  golden=""
  if [[ "$model" == synth:* ]]; then
    golden="${model#synth:}"
    path="$synth_dir/$golden.gguf"
  else
    path="$shared/$model.gguf"
  fi
  if [[ ! -f "$path" ]]; then echo "skip $name: no $path" >&2; continue; fi
  # llama.cpp keeps a quantized V cache only with flash attention.
  fa=off; library_path="${LD_LIBRARY_PATH:-}"
  if [[ "$cache" == q8_0 ]]; then
    fa=on
    [[ -f "$patched/libllama.so.0" ]] || patched_libllama
    library_path="$patched"
  fi
  # llama.cpp's log thread sometimes loses the end of the log at exit: run again until it is whole
  # (its last lines are the context's teardown).
  for attempt in 1 2 3 4 5; do
    LD_LIBRARY_PATH="$library_path" LLAMA_BATCH_DEBUG=1 "$bin/llama-completion" -m "$path" -p "$prompt" \
      -n $((n_predict + 1)) -c $n_ctx -b 512 -ub 512 --keep "$keep" --context-shift \
      --temp 0 --top-k 1 --ignore-eos -no-cnv --no-warmup -t 1 -ngl 0 -ctk "$cache" -ctv "$cache" -fa "$fa" \
      --seed 1 -v >"$log.out" 2>"$log" </dev/null
    if grep -q '~llama_context' "$log"; then break; fi
    [[ $attempt -lt 5 ]] || { echo "$name: llama.cpp's log is incomplete five times over" >&2; exit 1; }
  done
  NAME="$name" MODEL="${golden:-$model}" GOLDEN="$golden" CACHE="$cache" KEEP="$keep" PROMPT="$prompt" FA="$fa" \
  N_CTX=$n_ctx N_PREDICT=$n_predict COMMIT="$commit" python3 - "$log" "$log.out" "$out/$name.json" <<'EOF'
import json, os, re, sys
log, text_file, dest = sys.argv[1:4]
env = os.environ
# A token's piece may hold a newline, which breaks its log line: read the log whole. Each input
# batch's tokens come between "input batch info" and its "seq = [" summary.
token = re.compile(r"ubatch_print:\s+\d+: id =\s*(-?\d+) \((.*?)\), pos =\s*(-?\d+), n_seq_id", re.S)
shift_line = re.compile(r"context full, swapping: n_past = (\d+), n_left = (\d+), n_ctx = (\d+), n_keep = (\d+), n_discard = (\d+)")
text = open(log, encoding="utf-8", errors="replace").read()
batches = []
for chunk in text.split("init: input batch info:")[1:]:
    listed = chunk.split("seq       = [")[0]
    batches.append([(int(m.group(1)), int(m.group(3))) for m in token.finditer(listed)])
shifts = [{"n_past": int(m.group(1)), "n_keep": int(m.group(4)), "n_discard": int(m.group(5))} for m in shift_line.finditer(text)]
prompt = batches[0]
generated = [t for b in batches[1:] for t in b]
n_predict = int(env["N_PREDICT"])
assert all(len(b) == 1 for b in batches[1:]), "a generated token was decoded in a batch of several"
assert len(generated) == n_predict, f"{len(generated)} generated tokens decoded, expected {n_predict}"
golden = {
    "model": env["MODEL"],
    "kv_cache_type": env["CACHE"],
    "flash_attn": env["FA"] == "on",
    "n_ctx": int(env["N_CTX"]),
    "keep": int(env["KEEP"]),
    "prompt": env["PROMPT"],
    "prompt_tokens": [t for t, _ in prompt],
    "tokens": [t for t, _ in generated],
    "positions": [p for _, p in generated],
    "shifts": shifts,
    "text": open(text_file, encoding="utf-8", errors="replace").read(),
    "llama_cpp_commit": env["COMMIT"],
}
if env["CACHE"] == "q8_0":
    golden["llama_cpp_patch"] = "llama-kv-cache-null-rot.patch"
if env["GOLDEN"]:
    golden["golden"] = env["GOLDEN"]  # tests/data/golden/<golden>.json says how to write the model
with open(dest, "w") as f:  # a key a line, each value on its line
    f.write("{\n" + ",\n".join(f" {json.dumps(k)}: {json.dumps(v)}" for k, v in golden.items()) + "\n}\n")
print(f"{dest}: {len(prompt)} prompt tokens, {len(generated)} generated, {len(shifts)} shifts")
EOF
done
rm -f "$log.out"
