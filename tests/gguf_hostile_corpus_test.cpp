// The hostile-input corpus (hostile_corpus.hpp): every case must be the expected chord::Error,
// with a message that says what was wrong and where, quickly, and the whole corpus within bounded
// memory. Under ASan + UBSan any read past a buffer, any undefined behaviour and any giant
// allocation also fails the run.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <set>

#include "hostile_corpus.hpp"
#include "test_support.hpp"

namespace chord::hostile {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr double kCaseSeconds = 2.0;  // ASan + UBSan at -O1
// ASan's quarantine keeps freed blocks (256 MB by default) out of reuse: they count too.
constexpr uint64_t kMemoryGrowthLimit = uint64_t(768) << 20;
#else
constexpr double kCaseSeconds = 0.5;
constexpr uint64_t kMemoryGrowthLimit = uint64_t(256) << 20;
#endif

const BaseModels& base_models() {
    static const BaseModels models = make_base_models(test::shared_dir().string());
    return models;
}

TEST(HostileCorpus, BaseModelsLoadAndRun) {
    for (const std::vector<uint8_t>* bytes : {&base_models().small, &base_models().bpe, &base_models().every_type}) {
        ModelOptions options = quick_load_options();
        options.n_ctx = 64;
        auto model = Model::load(GgufFile::from_memory(bytes->data(), bytes->size()), options);
        const std::vector<TokenId> tokens = model->tokenizer().encode("Once upon a time");
        const std::vector<float>& logits = model->forward(tokens.data(), tokens.size(), 0);
        for (float v : logits) ASSERT_TRUE(std::isfinite(v));
    }
}

TEST(HostileCorpus, EveryCaseIsTheExpectedError) {
    const std::vector<HostileCase> corpus = make_hostile_corpus(base_models());
    std::set<std::string> names;
    size_t bytes = 0;
    for (const HostileCase& c : corpus) {
        EXPECT_TRUE(names.insert(c.name).second) << "two cases named " << c.name;
        bytes += c.bytes.size();
    }
    const CorpusResult r = run_hostile_corpus(corpus, kCaseSeconds);
    for (const std::string& failure : r.failures) ADD_FAILURE() << failure;
    std::printf("[ measured ] hostile corpus: %zu cases (%s), %zu as expected, in %.2f s (slowest %.1f ms: %s); "
                "%.1f MB of files; peak memory grew %.1f MB\n",
                r.cases, r.counts().c_str(), r.cases - r.failures.size(), r.seconds, r.slowest_seconds * 1e3, r.slowest.c_str(),
                double(bytes) / 1e6, double(r.peak_memory_growth) / 1e6);
    EXPECT_GE(r.cases, 1000u);
    EXPECT_LT(r.peak_memory_growth, kMemoryGrowthLimit);
}

}  // namespace
}  // namespace chord::hostile
