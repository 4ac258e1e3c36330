#!/usr/bin/env bash
# Regenerates tests/data/embeddings/ with llama.cpp's llama-embedding: for each model below, each
# text of texts.txt and each pooling (mean, last, cls), the tokens llama.cpp read and its unit
# vector (--embd-normalize 2), one NAME.json per model.
# usage: scripts/embedding-goldens.sh LLAMA_CPP_BUILD_DIR [CHORD_BINARY]
#   LLAMA_CPP_BUILD_DIR: a CMake build of llama.cpp with bin/llama-embedding.
#   CHORD_BINARY: `chord`, to write the synth models of the newer architectures from the
#   synth_args of tests/data/golden/NAME.json; without it only the models of ../shared are done
#   (the other files are left as they are).
# The commit recorded is $LLAMA_CPP_COMMIT if set, else 3f545bec… (the one the goldens were made with).
# Needs python3. Nothing here is part of the CMake build.
set -euo pipefail

build="$(cd "${1:?usage: $0 LLAMA_CPP_BUILD_DIR [CHORD_BINARY]}" && pwd)"
chord="${2:-}"
root="$(cd "$(dirname "$0")/.." && pwd)"
shared="$(cd "$root/../shared" && pwd)"
data="$root/tests/data/embeddings"
commit="${LLAMA_CPP_COMMIT:-3f545beccee69d9975f466ec7e45fd9aacd8ba90}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

models=(stories260K-f32 synth-qwen2-bpe-q4_k_m)
for type in f16 bf16 q4_0 q4_1 q5_0 q5_1 q8_0 q2_k q3_k q4_k q5_k q6_k; do models+=("synth-llama-$type"); done
synth_models=()
for arch in llama3 phi3 qwen3 gemma2 gemma3; do synth_models+=("synth-$arch-f16" "synth-$arch-q8_0"); done

# The model file of NAME: a shared one, or `chord synth` with the generation golden's arguments.
model_file() {
  local name="$1"
  if [[ -f "$shared/models/$name.gguf" ]]; then echo "$shared/models/$name.gguf"; return; fi
  python3 - "$root/tests/data/golden/$name.json" "$shared/models" "$work/$name.gguf" <<'EOF' > "$work/$name.args"
import json, sys
golden = json.load(open(sys.argv[1]))
print("\0".join(["synth", *golden["synth_args"], "--vocab", sys.argv[2] + "/" + golden["synth_vocab"], "-o", sys.argv[3]]), end="")
EOF
  xargs -0 -a "$work/$name.args" "$chord" >/dev/null
  echo "$work/$name.gguf"
}

# The case of one run as a line of JSON, from the verbose prompt (the tokens) and the JSON vector;
# exits non-zero if either is missing or cut short.
parse_run() {
  python3 - "$@" <<'EOF'
import json, re, sys
pooling, text, base = sys.argv[1:4]
out = open(base + ".stdout", encoding="utf-8").read()
log = out + open(base + ".stderr", encoding="utf-8").read()
count = re.search(r"number of tokens in prompt = (\d+)", log)
tokens = [int(t) for t in re.findall(r"^ *(-?\d+) -> '", out, re.M)]
if not count or len(tokens) != int(count.group(1)) or '{\n  "object"' not in out:
    sys.exit(1)
try:
    document = json.loads(out[out.index('{\n  "object"'):out.rindex("}") + 1])
except ValueError:
    sys.exit(1)
embedding = document["data"][0]["embedding"]
print(json.dumps({"pooling": pooling, "text": text, "tokens": tokens, "embedding": embedding}, ensure_ascii=False))
EOF
}

# One case: one thread, no flash attention, no weight repacking, F16 KV cache (the default), the
# text taken literally. llama.cpp's logger may lose the end of its output at exit (common/log.cpp
# says so): a run whose output is cut short is run again.
run_case() {
  local file="$1" pooling="$2" text="$3" base="$work/run"
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    "$build/bin/llama-embedding" -m "$file" -p "$text" --pooling "$pooling" --embd-normalize 2 --embd-output-format json \
      -t 1 -ngl 0 -c 256 -fa off --no-repack --no-escape --verbose-prompt </dev/null >"$base.stdout" 2>"$base.stderr"
    if parse_run "$pooling" "$text" "$base"; then return; fi
  done
  echo "llama-embedding failed 10 times on $file ($pooling, '$text'):" >&2
  tail -5 "$base.stderr" >&2
  exit 1
}

names=("${models[@]}")
if [[ -n "$chord" ]]; then names+=("${synth_models[@]}"); fi
for name in "${names[@]}"; do
  file="$(model_file "$name")"
  cases="$work/$name.cases"
  : >"$cases"
  while IFS= read -r text; do
    for pooling in mean last cls; do run_case "$file" "$pooling" "$text" >>"$cases"; done
  done <"$data/texts.txt"
  python3 - "$name" "$commit" "$cases" >"$data/$name.json" <<'EOF'
import json, sys
name, commit, cases = sys.argv[1:4]
head = {"model": name, "llama_cpp_commit": commit,
        "settings": {"threads": 1, "n_ctx": 256, "flash_attn": "off", "repack": False, "kv_cache_type": "f16", "embd_normalize": 2}}
lines = open(cases, encoding="utf-8").read().splitlines()
print(json.dumps(head)[:-1] + ', "cases": [\n' + ",\n".join(lines) + "\n]}")
EOF
  echo "$name: $(wc -l <"$cases") cases"
done
