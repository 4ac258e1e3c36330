#!/usr/bin/env bash
# Runs the libFuzzer targets (fuzz/, the `fuzz` preset: clang 19 with ASan + UBSan) for SECONDS
# each (default 60; the test command's short run), or only the targets named:
#   ./scripts/fuzz.sh [SECONDS] [gguf|tokenizer|chat_template|jinja|sampler|generate_options|grammar|json_schema ...]
# Long runs: ./scripts/fuzz.sh 3600. Corpora grow in build/fuzz/corpus/<target> (seeded from
# ../shared on the first run); a crash leaves its input in build/fuzz/artifacts/ and fails the run.
# Reproduce one with: build/fuzz/bin/chord_fuzz_<target> FILE (the tokenizer needs CHORD_FUZZ_VOCABS).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(gguf tokenizer chat_template jinja sampler generate_options grammar json_schema)
shared="$(cd "${CHORD_SHARED_DIR:-../shared}" && pwd)"

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)" >/dev/null

corpus=build/fuzz/corpus
artifacts=build/fuzz/artifacts
mkdir -p "$artifacts"
CHORD_FUZZ_VOCABS="$(ls "$shared"/vocab/*.gguf | tr '\n' ':')"
export CHORD_FUZZ_VOCABS

# First seeds, from the shared test data.
seed() {
  local target=$1 dir="$corpus/$1"
  [ -d "$dir" ] && return
  mkdir -p "$dir"
  case $target in
    gguf)  # the small models whole, and the start of each vocabulary (its header and metadata)
      for f in "$shared"/models/stories260K-f32.gguf "$shared"/models/synth-llama-q*.gguf; do cp "$f" "$dir/"; done
      for f in "$shared"/vocab/*.gguf; do head -c 65536 "$f" > "$dir/$(basename "$f").head"; done ;;
    tokenizer)  # each vocabulary's conformance texts: byte 0 picks the vocabulary, byte 1 the flags
      local i=0
      for f in "$shared"/vocab/*.gguf; do
        for flags in 0 3; do printf "\\x$(printf %02x $i)\\x$(printf %02x $flags)" | cat - "$f.inp" | head -c 4096 > "$dir/v$i-f$flags"; done
        i=$((i + 1))
      done ;;
    chat_template)  # template index, add_generation_prompt, a source, then role/content pairs
      for i in 0 1 2 3 4 5 6 7 8 9; do
        printf "\\x$(printf %02x $i)\\x01{{ bos_token }}<|im_start|>\\0system\\0Be brief.\\0user\\0Hi!\\0assistant\\0Hello.\\0user\\0Bye\\0" > "$dir/t$i"
      done ;;
    jinja)  # the real chat templates of tests/data/chat_templates
      cp tests/data/chat_templates/templates/*.jinja "$dir/" ;;
    sampler)  # llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, penalties off
      printf '\xcd\xcc\x4c\x3f\x28\x00\x00\x00\x33\x33\x73\x3f\xcd\xcc\x4c\x3d\x00\x00\x80\x3f\x00\x00\x00\x00\x00\x00\x00\x00\x40\x00\x2a\x00\x00\x00\x00\x00\x00\x00\x07\x00\x00\x80\x3f\x00\x00\x00\x40\x00\x00\x40\x40\x00\x00\x80\x40' > "$dir/defaults" ;;
    generate_options)  # the JS package's defaults, greedy with stops, and penalties
      echo '{"maxTokens":256,"temperature":0.8,"topK":40,"topP":0.95,"minP":0.05,"repeatPenalty":1}' > "$dir/defaults"
      echo '{"maxTokens":16,"temperature":0,"stop":["\n\n","User:"],"stopAtEndOfGeneration":false}' > "$dir/greedy"
      echo '{"frequencyPenalty":0.5,"presencePenalty":0.2,"penaltyLastN":-1,"seed":42,"stop":"."}' > "$dir/penalties" ;;
    grammar)  # llama.cpp's example grammars, each followed by a NUL and a short text
      for f in tests/data/grammar/examples/*.gbnf; do printf '\0{"a": [1, "b"]}' | cat "$f" - > "$dir/$(basename "$f")"; done ;;
    json_schema)  # the schemas of the conversion cases
      node -e 'const fs = require("fs"); const [cases, dir] = process.argv.slice(1); JSON.parse(fs.readFileSync(cases, "utf8")).forEach((c, i) => fs.writeFileSync(`${dir}/s${i}`, JSON.stringify(c.schema)))' \
        tests/data/grammar/schema_conversions.json "$dir" ;;
  esac
}

# One target's run: its report into build/fuzz/<target>.report, its status into <target>.status.
fuzz_one() {
  local target=$1 log="build/fuzz/$1.log" report="build/fuzz/$1.report" dict=()
  [ -f "fuzz/$target.dict" ] && dict=(-dict="fuzz/$target.dict")
  echo "== fuzz $target: ${seconds} s" > "$report"
  if build/fuzz/bin/chord_fuzz_"$target" "${dict[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=1300000 \
       -print_final_stats=1 -artifact_prefix="$artifacts/$target-" "$corpus/$target" > "$log" 2>&1; then
    { grep -E "^stat::number_of_executed_units|^Done" "$log" | tail -1 || true; echo "   corpus: $(ls "$corpus/$target" | wc -l) inputs"; } >> "$report"
    echo 0 > "build/fuzz/$target.status"
  else
    { echo "   FAILED: see $log and $artifacts/"; grep -E "ERROR|invariant|SUMMARY|runtime error" "$log" | head -5 || true; } >> "$report"
    echo 1 > "build/fuzz/$target.status"
  fi
}

# The targets side by side, one a core (each still gets its SECONDS of a whole core).
for target in "${targets[@]}"; do seed "$target"; done
for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$(nproc)" ]; do wait -n || true; done
  fuzz_one "$target" &
done
wait
status=0
for target in "${targets[@]}"; do
  cat "build/fuzz/$target.report"
  [ "$(cat "build/fuzz/$target.status" 2>/dev/null)" = 0 ] || status=1
done
exit $status
