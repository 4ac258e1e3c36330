// Embeddings (embeddings.hpp) against llama.cpp's llama-embedding (tests/data/embeddings): for
// every golden, our tokens are llama.cpp's and our vector points where its does. Then what an
// embedding must not break or blur: the direction without normalizing, the pooling choice, the
// file's default pooling, batches, the KV cache a session on the same model holds, and the errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "chord/embeddings.hpp"
#include "chord/session.hpp"
#include "golden_models.hpp"
#include "hostile/gguf_surgery.hpp"
#include "forwarding_backend.hpp"
#include "test_support.hpp"

namespace chord {
namespace {

// How close our unit vectors stay to llama.cpp's (printed with 7 decimals), by the model's weights
// (tests/data/embeddings/README.md has the worst values measured per model). With float weights
// only the order of float sums differs: measured worst cosine 0.9999975, max difference 4.0e-4.
// With quantized weights a float sum that differs in its last bit can flip an 8-bit activation
// rounding or a half-precision softmax weight, and random weights amplify that: our own kernel
// kinds differ from each other by as much as from llama.cpp (q4_0: 3.2e-3), and llama.cpp is
// measured at worst cosine 0.99979, max difference 5.8e-3 away.
struct Tolerance {
    double min_cosine, max_abs_diff;
};
constexpr Tolerance kFloatWeights{0.999995, 5e-4};
constexpr Tolerance kQuantizedWeights{0.9997, 7e-3};

Tolerance tolerance_for(const Model& model) {
    const bool float_weights = model.file().find_tensor("blk.0.ffn_down.weight")->traits().block_elements == 1;
    return float_weights ? kFloatWeights : kQuantizedWeights;
}

std::filesystem::path embeddings_dir() { return std::filesystem::path(CHORD_TEST_DATA_DIR) / "embeddings"; }

std::vector<std::string> golden_files() {
    std::vector<std::string> names;
    if (std::filesystem::is_directory(embeddings_dir()))
        for (const auto& entry : std::filesystem::directory_iterator(embeddings_dir()))
            if (entry.path().extension() == ".json") names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

double dot(const std::vector<float>& a, const std::vector<float>& b) {
    double s = 0.0;
    for (size_t i = 0; i < a.size(); ++i) s += double(a[i]) * b[i];
    return s;
}
double norm(const std::vector<float>& a) { return std::sqrt(dot(a, a)); }
double cosine(const std::vector<float>& a, const std::vector<float>& b) { return dot(a, b) / (norm(a) * norm(b)); }
double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
    double most = 0.0;
    for (size_t i = 0; i < a.size(); ++i) most = std::max(most, std::fabs(double(a[i]) - b[i]));
    return most;
}

std::string stories_path() { return (test::shared_dir() / "models" / "stories260K-f32.gguf").string(); }

std::unique_ptr<Model> load_stories(uint32_t n_ctx = 128, uint32_t batch_size = 0) {
    ModelOptions options;
    options.n_ctx = n_ctx;
    options.batch_size = batch_size;
    return Model::load(stories_path(), options);
}

const std::string kStory = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park.";

// Every golden file with every kind of CPU kernel: fast (AVX2 where the CPU has it, threaded), plain
// C++, reference.
struct GoldenCase {
    std::string file;
    CpuKernels kernels;
};

std::vector<GoldenCase> golden_cases() {
    std::vector<GoldenCase> cases;
    for (const std::string& file : golden_files())
        for (CpuKernels k : {CpuKernels::Fast, CpuKernels::Plain, CpuKernels::Reference}) cases.push_back({file, k});
    return cases;
}

const char* kernels_name(CpuKernels k) { return k == CpuKernels::Fast ? "fast" : k == CpuKernels::Plain ? "plain" : "reference"; }

class EmbeddingGolden : public testing::TestWithParam<GoldenCase> {};

TEST_P(EmbeddingGolden, TokensAreLlamaCppsAndVectorsPointTheSameWay) {
    const nlohmann::json golden = nlohmann::json::parse(std::ifstream(embeddings_dir() / GetParam().file));
    const std::string model_name = golden["model"].get<std::string>();
    const std::filesystem::path path = test::golden_model_path(model_name, test::read_golden(model_name));
    ModelOptions options;
    options.kernels = GetParam().kernels;
    auto model = Model::load(path.string(), options);
    const Tolerance tolerance = tolerance_for(*model);
    double worst_cosine = 1.0, worst_diff = 0.0;
    for (const auto& c : golden["cases"]) {
        const std::string text = c["text"].get<std::string>(), pooling = c["pooling"].get<std::string>();
        SCOPED_TRACE(pooling + " pooling of '" + text + "'");
        const std::vector<TokenId> tokens = embedding_tokens(model->tokenizer(), text);
        EXPECT_EQ(tokens, c["tokens"].get<std::vector<TokenId>>());
        const std::vector<float> expected = c["embedding"].get<std::vector<float>>();
        const std::vector<float> ours = embed(*model, c["tokens"].get<std::vector<TokenId>>(), {pooling_from_name(pooling), true});
        ASSERT_EQ(ours.size(), expected.size());
        const double cos = cosine(ours, expected), diff = max_abs_diff(ours, expected);
        EXPECT_GE(cos, tolerance.min_cosine);
        EXPECT_LE(diff, tolerance.max_abs_diff);
        worst_cosine = std::min(worst_cosine, cos);
        worst_diff = std::max(worst_diff, diff);
    }
    std::printf("%s (%s kernels): worst cosine %.8f, worst max abs diff %.2e over %zu cases\n", model_name.c_str(),
                kernels_name(GetParam().kernels), worst_cosine, worst_diff, golden["cases"].size());
}

INSTANTIATE_TEST_SUITE_P(LlamaCpp, EmbeddingGolden, testing::ValuesIn(golden_cases()), [](const auto& param_info) {
    return test::parameter_name(param_info.param.file + "_" + kernels_name(param_info.param.kernels));
});

TEST(Embeddings, WithoutNormalizingTheLengthIsTheModelsAndTheDirectionTheSame) {
    auto model = load_stories();
    for (Pooling pooling : {Pooling::Mean, Pooling::Last, Pooling::Cls}) {
        const std::vector<float> unit = embed(*model, kStory, {pooling, true});
        const std::vector<float> raw = embed(*model, kStory, {pooling, false});
        EXPECT_NEAR(norm(unit), 1.0, 1e-6);
        EXPECT_GT(std::fabs(norm(raw) - 1.0), 0.1) << pooling_name(pooling);
        EXPECT_GT(cosine(unit, raw), 1.0 - 1e-6) << pooling_name(pooling);
    }
}

TEST(Embeddings, PoolingChoicesGiveDifferentVectors) {
    auto model = load_stories();
    const std::vector<float> mean = embed(*model, kStory, {Pooling::Mean, true});
    const std::vector<float> last = embed(*model, kStory, {Pooling::Last, true});
    const std::vector<float> cls = embed(*model, kStory, {Pooling::Cls, true});
    EXPECT_LT(cosine(mean, last), 0.99);
    EXPECT_LT(cosine(mean, cls), 0.99);
    EXPECT_LT(cosine(last, cls), 0.99);
    // A causal model's first token (BOS) sees nothing after it: Cls is the same for every text.
    EXPECT_EQ(embed(*model, "A dog ran.", {Pooling::Cls, true}), cls);
    EXPECT_NE(embed(*model, "A dog ran.", {Pooling::Mean, true}), mean);
}

// Last pooling (not normalized) is the state the logits are made from: times the output matrix it
// gives forward()'s logits. And over a one-token text, the mean is that token's state.
TEST(Embeddings, TheLastStateTimesTheOutputMatrixIsTheLogits) {
    auto model = load_stories();
    const std::vector<TokenId> tokens = embedding_tokens(model->tokenizer(), kStory);
    const std::vector<float> last = embed(*model, tokens, {Pooling::Last, false});
    const std::vector<float> logits = model->forward(tokens.data(), tokens.size(), 0);
    const GgufFile& file = model->file();
    const TensorInfo* output = file.find_tensor("output.weight");
    const std::vector<float> w = file.tensor(output ? *output : *file.find_tensor("token_embd.weight")).to_floats();
    ASSERT_EQ(w.size(), logits.size() * last.size());
    double worst = 0.0;
    for (size_t v = 0; v < logits.size(); ++v) {
        double sum = 0.0;
        for (size_t i = 0; i < last.size(); ++i) sum += double(w[v * last.size() + i]) * last[i];
        worst = std::max(worst, std::fabs(sum - logits[v]));
    }
    EXPECT_LT(worst, 1e-4);

    const std::vector<TokenId> one = {tokens[0]};
    EXPECT_EQ(embed(*model, one, {Pooling::Mean, false}), embed(*model, one, {Pooling::Last, false}));
}

TEST(Embeddings, TheFilesPoolingTypeIsTheDefaultElseMean) {
    auto model = load_stories();
    EXPECT_EQ(embed(*model, kStory), embed(*model, kStory, {Pooling::Mean, true}));

    hostile::Recipe recipe = hostile::Recipe::of(test::read_file(stories_path()));
    for (const auto& [type, pooling] : {std::pair{1u, Pooling::Mean}, std::pair{2u, Pooling::Cls}, std::pair{3u, Pooling::Last},
                                        std::pair{0u, Pooling::Mean}}) {
        recipe.set("llama.pooling_type", GgufValue::u32(type));
        ModelOptions options;
        options.n_ctx = 128;
        auto with_type = Model::load(GgufFile::from_buffer(recipe.bytes()), options);  // the key is accepted
        EXPECT_EQ(with_type->config().pooling_type, int64_t(type));
        EXPECT_EQ(embed(*with_type, kStory), embed(*model, kStory, {pooling, true})) << type;
    }
}

TEST(Embeddings, ManyBatchesGiveTheVectorOfOne) {
    auto one_batch = load_stories(128, 128);
    auto small_batches = load_stories(128, 5);
    const std::vector<TokenId> tokens = embedding_tokens(one_batch->tokenizer(), kStory);
    ASSERT_GT(tokens.size(), 10u);
    for (Pooling pooling : {Pooling::Mean, Pooling::Last, Pooling::Cls}) {
        const std::vector<float> a = embed(*one_batch, tokens, {pooling, true});
        const std::vector<float> b = embed(*small_batches, tokens, {pooling, true});
        EXPECT_LT(max_abs_diff(a, b), 1e-5) << pooling_name(pooling);
    }
}

TEST(Embeddings, ASessionOnTheSameModelForgetsItsCacheAndGeneratesTheSame) {
    auto model = load_stories();
    auto fresh = load_stories();
    GenerateOptions greedy;
    greedy.max_tokens = 16;
    greedy.sampling.temperature = 0.0f;
    const std::vector<TokenId> expected = Session(*fresh).generate("Once upon a time", greedy).tokens;

    Session session(*model);
    EXPECT_EQ(session.generate("Once upon a time", greedy).tokens, expected);
    embed(*model, "Tom had a big red ball.");  // over a cache it thinks it still holds, the session would go "to go to the park"
    const GenerateResult again = session.generate("Once upon a time", greedy);
    EXPECT_EQ(again.tokens, expected);
    EXPECT_EQ(again.prompt_tokens_computed, again.prompt_tokens);  // nothing reused from the overwritten cache
    // The next turn reuses the cache again.
    EXPECT_LT(session.generate("Once upon a time", greedy).prompt_tokens_computed, again.prompt_tokens);
}

TEST(Embeddings, AnEmbeddingDuringAGenerationFailsItsNextStepNotSilently) {
    auto model = load_stories();
    GenerateOptions greedy;
    greedy.max_tokens = 8;
    greedy.sampling.temperature = 0.0f;
    Session session(*model);
    const std::vector<TokenId> expected = session.generate("Once upon a time", greedy).tokens;
    session.begin(model->tokenizer().encode("Once upon a time"), greedy);
    session.step();
    embed(*model, "A dog ran.");
    try {
        session.step();
        FAIL() << "the generation went on over an overwritten cache";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
        EXPECT_NE(std::string(e.what()).find("embedding"), std::string::npos) << e.what();
    }
    EXPECT_EQ(session.generate("Once upon a time", greedy).tokens, expected);
}

TEST(Embeddings, EmptyOrTooLongInputIsAnError) {
    auto model = load_stories(16);
    const auto code_of = [&](const std::vector<TokenId>& tokens) {
        try {
            embed(*model, tokens);
        } catch (const Error& e) {
            return e.code();
        }
        ADD_FAILURE() << "no error for " << tokens.size() << " tokens";
        return ErrorCode::Cancelled;
    };
    EXPECT_EQ(code_of({}), ErrorCode::InvalidArgument);
    EXPECT_EQ(code_of(std::vector<TokenId>(17, 300)), ErrorCode::ContextFull);
    EXPECT_EQ(code_of({1, 100000}), ErrorCode::InvalidArgument);  // not in the vocabulary
    EXPECT_EQ(embed(*model, std::vector<TokenId>(16, 300)).size(), 64u);  // the whole context is fine
    try {
        pooling_from_name("max");
        ADD_FAILURE();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    }
    EXPECT_EQ(pooling_from_name("cls"), Pooling::Cls);
}

// A backend whose reads are asynchronous (WebGPU in the browser) hands a batch's rows back only
// after the caller has returned to the event loop: embed(), which cannot, is a clear Unsupported,
// not a wrong vector; an EmbeddingRun stops after each batch (here the rows are there at once) and
// gives the vector embed() gives where reads are synchronous.
class AsynchronousCpu final : public test::ForwardingBackend {
public:
    std::string name() const override { return "asynchronous"; }
    bool reads_asynchronously() const override { return true; }
};

TEST(Embeddings, ABackendThatReadsAsynchronouslyGoesABatchAtATime) {
    ModelOptions options;
    options.n_ctx = 64;
    options.batch_size = 8;
    auto model = Model::load(stories_path(), options, std::make_unique<AsynchronousCpu>());
    try {
        embed(*model, kStory);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Unsupported);
        EXPECT_NE(std::string(e.what()).find("asynchronously"), std::string::npos) << e.what();
    }
    const std::vector<TokenId> tokens = embedding_tokens(model->tokenizer(), kStory);
    ASSERT_GT(tokens.size(), 16u);
    for (Pooling pooling : {Pooling::Mean, Pooling::Last, Pooling::Cls}) {
        EmbeddingRun run(*model, tokens, {pooling, true});
        size_t awaits = 0;
        while (!run.advance()) ++awaits;
        EXPECT_EQ(awaits, (tokens.size() + 7) / 8) << pooling_name(pooling);
        EXPECT_EQ(run.result(), embed(*load_stories(64, 8), tokens, {pooling, true})) << pooling_name(pooling);
    }
    // Another run's batch between a batch and its rows: an error, not a vector of the other's rows.
    EmbeddingRun first(*model, tokens), second(*model, tokens);
    EXPECT_FALSE(first.advance());
    EXPECT_FALSE(second.advance());
    try {
        first.advance();
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidArgument) << e.what();
    }
}

}  // namespace
}  // namespace chord
