// Tokenization throughput (MB/s of UTF-8 input) per shared vocabulary, on about 1 MB of text made
// of the vocabularies' conformance texts (English, code, CJK, emoji, whitespace runs) repeated.
//   build/native/bin/chord_bench_tokenize
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "chord/tokenizer.hpp"

namespace {

const std::filesystem::path kVocabDir = std::filesystem::path(CHORD_SHARED_DIR) / "vocab";

const std::string& sample_text() {
    static const std::string text = [] {
        std::string unique;
        for (const char* name : {"gpt-2", "llama-spm", "deepseek-coder"}) {
            std::ifstream in(kVocabDir / (std::string("ggml-vocab-") + name + ".gguf.inp"), std::ios::binary);
            std::string cases((std::istreambuf_iterator<char>(in)), {});
            for (size_t at; (at = cases.find("__ggml_vocab_test__")) != std::string::npos;) cases.erase(at, 19);
            unique += cases;
        }
        std::string repeated;
        while (!unique.empty() && repeated.size() < (1u << 20)) repeated += unique;
        return repeated;
    }();
    return text;
}

void BM_Encode(benchmark::State& state, const char* vocab) {
    const chord::Tokenizer tokenizer = chord::Tokenizer::from_gguf(
        chord::GgufFile::open((kVocabDir / (std::string("ggml-vocab-") + vocab + ".gguf")).string()));
    const std::string& text = sample_text();
    size_t tokens = 0;
    for (auto _ : state) {
        const std::vector<chord::TokenId> ids = tokenizer.encode(text, {false, false});
        tokens = ids.size();
        benchmark::DoNotOptimize(ids.data());
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(text.size()));
    state.counters["tokens"] = double(tokens);
}

}  // namespace

BENCHMARK_CAPTURE(BM_Encode, spm_llama, "llama-spm")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, spm_phi3, "phi-3")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, bpe_gpt2, "gpt-2")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, bpe_deepseek_coder, "deepseek-coder")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, bpe_falcon, "falcon")->Unit(benchmark::kMillisecond);
