// The cost of a grammar's token mask per generated token, per shared vocabulary, for llama.cpp's
// JSON grammar at three points of a document: the start (few tokens allowed), inside a string
// (nearly every token allowed: the walk visits most of the vocabulary) and inside a number.
// "cold" builds the constraint anew each time (a state's first mask); "warm" repeats a state, as a
// generation does once the state recurs (the mask comes from the cache).
//   build/native/bin/chord_bench_grammar
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "chord/grammar/gbnf_parser.hpp"
#include "chord/grammar/grammar_constraint.hpp"

namespace {

using namespace chord;

// llama.cpp's JSON grammar (grammars/json.gbnf, kept in the tests' data).
std::string json_grammar() {
    std::ifstream in(std::string(CHORD_TEST_DATA_DIR) + "/grammar/examples/json.gbnf", std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

struct Vocab {
    Tokenizer tokenizer;
    std::shared_ptr<const grammar::SortedPieces> pieces;
    explicit Vocab(const std::string& name)
        : tokenizer(Tokenizer::from_gguf(GgufFile::open(
              (std::filesystem::path(CHORD_SHARED_DIR) / "vocab" / ("ggml-vocab-" + name + ".gguf")).string()))),
          pieces(std::make_shared<const grammar::SortedPieces>(tokenizer)) {}
};

const Vocab& vocab(const std::string& name) {
    static std::map<std::string, std::unique_ptr<Vocab>> cache;
    auto& v = cache[name];
    if (!v) v = std::make_unique<Vocab>(name);
    return *v;
}

// Feeds `prefix` one byte-or-character token at a time (single-character pieces exist in every vocabulary).
void feed(grammar::GrammarConstraint& c, const Vocab& v, const std::string& prefix) {
    for (char ch : prefix) {
        const std::string one(1, ch);
        for (chord::TokenId id = 0; id < chord::TokenId(v.pieces->n_vocab); ++id)
            if (v.pieces->pieces[size_t(id)] == one) {
                c.accept(id);
                break;
            }
    }
}

void BM_Mask(benchmark::State& state, const char* vocab_name, const char* prefix, bool warm) {
    const Vocab& v = vocab(vocab_name);
    const grammar::Grammar g = grammar::parse_gbnf(json_grammar());
    std::vector<float> logits(v.pieces->n_vocab, 0.0f);
    auto constraint = std::make_unique<grammar::GrammarConstraint>(g, v.pieces);
    feed(*constraint, v, prefix);
    size_t allowed = 0;
    for (auto _ : state) {
        if (!warm) {
            state.PauseTiming();
            constraint = std::make_unique<grammar::GrammarConstraint>(g, v.pieces);
            feed(*constraint, v, prefix);
            state.ResumeTiming();
        }
        constraint->mask(logits.data(), logits.size());
        benchmark::DoNotOptimize(logits.data());
    }
    for (float l : logits) allowed += l == 0.0f;
    state.counters["allowed"] = double(allowed);
    state.counters["vocab"] = double(v.pieces->n_vocab);
}



}  // namespace

BENCHMARK_CAPTURE(BM_Mask, llama_spm_start_cold, "llama-spm", "", false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Mask, llama_spm_string_cold, "llama-spm", "{\"ab", false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Mask, llama_spm_string_warm, "llama-spm", "{\"ab", true)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Mask, llama_spm_number_cold, "llama-spm", "{\"a\": 12", false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Mask, gpt2_string_cold, "gpt-2", "{\"ab", false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Mask, gpt2_string_warm, "gpt-2", "{\"ab", true)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Mask, falcon_string_cold, "falcon", "{\"ab", false)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
