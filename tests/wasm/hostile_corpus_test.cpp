// The hostile-input corpus (../hostile_corpus.hpp) in WebAssembly: 32-bit size_t, the wasm heap's
// limit, WebAssembly exceptions. Every case must be the expected chord::Error, as in the native
// test. Prints the counts; exits 1 on any other outcome (the instance must survive them all).
//
//   node --no-experimental-fetch chord_wasm_hostile_corpus_test.js [SHARED_DIR]   (default ../shared)
#include <cstdio>
#include <exception>
#include <string>

#include "../hostile_corpus.hpp"

int main(int argc, char** argv) {
    using namespace chord::hostile;
    const std::string shared_dir = argc > 1 ? argv[1] : "../shared";
    constexpr double kCaseSeconds = 1.0;
    try {
        const BaseModels models = make_base_models(shared_dir);
        const std::vector<HostileCase> corpus = make_hostile_corpus(models);
        const CorpusResult r = run_hostile_corpus(corpus, kCaseSeconds);
        for (const std::string& failure : r.failures) std::printf("FAILED %s\n", failure.c_str());
        std::printf("[ measured ] wasm hostile corpus: %zu cases (%s), %zu as expected, in %.2f s (slowest %.1f ms: %s); "
                    "wasm heap grew %.1f MB\n",
                    r.cases, r.counts().c_str(), r.cases - r.failures.size(), r.seconds, r.slowest_seconds * 1e3,
                    r.slowest.c_str(), double(r.peak_memory_growth) / 1e6);
        return r.failures.empty() && r.cases >= 1000 ? 0 : 1;
    } catch (const std::exception& e) {
        std::printf("error: %s\n", e.what());
        return 1;
    }
}
