// The C ABI, called as a C program would.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "chord/chord.h"
#include "test_support.hpp"

namespace {

const std::string kStories = (chord::test::shared_dir() / "models" / "stories260K-f32.gguf").string();

struct ModelDeleter {
    void operator()(chord_model* m) const { chord_free(m); }
};
using ModelPtr = std::unique_ptr<chord_model, ModelDeleter>;

ModelPtr load_stories() {
    char error[256];
    ModelPtr m(chord_load(kStories.c_str(), nullptr, error, sizeof error));
    EXPECT_NE(m, nullptr) << error;
    return m;
}

int collect(const char* text, size_t length, int32_t token, void* user_data) {
    auto* out = static_cast<std::pair<std::string, std::vector<int32_t>>*>(user_data);
    out->first.append(text, length);
    out->second.push_back(token);
    return 1;
}

TEST(CApi, LoadFailureReportsTheMessage) {
    char error[64];
    EXPECT_EQ(chord_load("/nonexistent.gguf", nullptr, error, sizeof error), nullptr);
    EXPECT_NE(std::string(error).find("/nonexistent.gguf"), std::string::npos);
    char tiny[8];
    EXPECT_EQ(chord_load("/nonexistent.gguf", nullptr, tiny, sizeof tiny), nullptr);
    EXPECT_EQ(std::string(tiny).size(), 7u);  // truncated, terminated
    EXPECT_EQ(chord_load(nullptr, nullptr, nullptr, 0), nullptr);
}

TEST(CApi, AMemoryBudgetTooSmallIsALoadErrorThatSaysWhatTheModelNeeds) {
    chord_load_params params = chord_load_default_params();
    params.max_memory = 1 << 20;
    char error[256];
    EXPECT_EQ(chord_load(kStories.c_str(), &params, error, sizeof error), nullptr);
    EXPECT_NE(std::string(error).find("the memory budget (maxMemory) is 1.0 MiB"), std::string::npos) << error;
    params.max_memory = 64 << 20;
    ModelPtr m(chord_load(kStories.c_str(), &params, error, sizeof error));
    EXPECT_NE(m.get(), nullptr) << error;
}

TEST(CApi, TheKvCacheTypeIsALoadParameterAndTheInfoReportsItsSize) {
    const std::string synth = (chord::test::shared_dir() / "models" / "synth-llama-q4_0.gguf").string();
    chord_load_params params = chord_load_default_params();
    EXPECT_EQ(params.kv_cache_type, CHORD_KV_CACHE_F16);
    params.n_ctx = 64;
    char error[256];
    // synth-llama: 2 layers, keys and values of 4 heads x 32 values
    const std::pair<int32_t, uint64_t> expected[] = {
        {CHORD_KV_CACHE_F16, 2 * 2 * 64 * 128 * 2}, {CHORD_KV_CACHE_Q8_0, 2 * 2 * 64 * 4 * 34}, {CHORD_KV_CACHE_F32, 2 * 2 * 64 * 128 * 4}};
    for (const auto& [type, bytes] : expected) {
        params.kv_cache_type = type;
        ModelPtr m(chord_load(synth.c_str(), &params, error, sizeof error));
        ASSERT_NE(m.get(), nullptr) << error;
        chord_model_info info{};
        ASSERT_EQ(chord_get_model_info(m.get(), &info), CHORD_OK);
        EXPECT_EQ(info.n_ctx, 64u);
        EXPECT_EQ(info.kv_cache_type, type);
        EXPECT_EQ(info.kv_cache_bytes, bytes) << chord_kv_cache_type_name(type);
        EXPECT_EQ(chord_get_model_info(m.get(), nullptr), CHORD_ERR_INVALID_ARGUMENT);
    }
    EXPECT_STREQ(chord_kv_cache_type_name(CHORD_KV_CACHE_Q8_0), "q8_0");
    EXPECT_EQ(chord_kv_cache_type_name(3), nullptr);
    for (int32_t bad : {3, -1, 1000}) {
        params.kv_cache_type = bad;
        EXPECT_EQ(chord_load(synth.c_str(), &params, error, sizeof error), nullptr);
        EXPECT_NE(std::string(error).find("kv_cache_type"), std::string::npos) << error;
    }
    // Q8_0 with heads of 8 values (stories260K) is refused by name.
    params.kv_cache_type = CHORD_KV_CACHE_Q8_0;
    EXPECT_EQ(chord_load(kStories.c_str(), &params, error, sizeof error), nullptr);
    EXPECT_NE(std::string(error).find("q8_0 KV cache"), std::string::npos) << error;
}

TEST(CApi, TokenizeReportsTheCountAndNeverOverflows) {
    ModelPtr m = load_stories();
    int32_t ids[3] = {-1, -1, -1};
    const char* text = "Once upon a time";
    EXPECT_EQ(chord_tokenize(m.get(), text, 16, 1, ids, 2), 5);  // needs 5, wrote 2
    EXPECT_EQ(ids[0], 1);
    EXPECT_EQ(ids[1], 403);
    EXPECT_EQ(ids[2], -1);
    int32_t all[8];
    EXPECT_EQ(chord_tokenize(m.get(), text, 16, 0, all, 8), 4);
    EXPECT_EQ(chord_tokenize(m.get(), text, 16, 1, nullptr, -1), CHORD_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(chord_last_error(m.get())), "");
}

TEST(CApi, GreedyGenerationMatchesLlamaCpp) {
    ModelPtr m = load_stories();
    const nlohmann::json golden =
        nlohmann::json::parse(std::ifstream(chord::test::shared_dir() / "golden" / "stories260K-f32.json"));
    chord_generate_params p = chord_generate_default_params();
    p.temperature = 0.0f;
    p.max_tokens = 16;
    std::pair<std::string, std::vector<int32_t>> out;
    EXPECT_EQ(chord_generate(m.get(), "Once upon a time", &p, collect, &out), CHORD_FINISH_LENGTH);
    EXPECT_EQ(out.first, golden["cases"][0]["text"].get<std::string>());
    EXPECT_EQ(std::string(chord_last_error(m.get())), "");
}

TEST(CApi, StopStringsCancellationAndErrorsLeaveTheModelUsable) {
    ModelPtr m = load_stories();
    chord_generate_params p = chord_generate_default_params();
    p.temperature = 0.0f;
    p.max_tokens = 32;
    const char* stops[] = {"little"};
    p.stop = stops;
    p.n_stop = 1;
    std::pair<std::string, std::vector<int32_t>> out;
    EXPECT_EQ(chord_generate(m.get(), "Once upon a time", &p, collect, &out), CHORD_FINISH_STOP);
    EXPECT_EQ(out.first, ", there was a ");

    const auto stop_at_once = [](const char*, size_t, int32_t, void*) { return 0; };
    EXPECT_EQ(chord_generate(m.get(), "Once upon a time", &p, stop_at_once, nullptr), CHORD_FINISH_CANCELLED);

    p.top_p = 0.0f;
    EXPECT_EQ(chord_generate(m.get(), "Once", &p, nullptr, nullptr), CHORD_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(chord_last_error(m.get())).find("top_p"), std::string::npos);
    EXPECT_EQ(chord_generate(m.get(), nullptr, nullptr, nullptr, nullptr), CHORD_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(chord_generate(nullptr, "x", nullptr, nullptr, nullptr), CHORD_ERR_INVALID_ARGUMENT);

    p = chord_generate_default_params();
    p.max_tokens = 3;
    EXPECT_EQ(chord_generate(m.get(), "Once", &p, nullptr, nullptr), CHORD_FINISH_LENGTH);
}

}  // namespace

TEST(CApi, AGrammarOrAJsonSchemaConstrainsTheText) {
    ModelPtr m = load_stories();
    chord_generate_params p = chord_generate_default_params();
    p.temperature = 1.0f;
    p.max_tokens = 64;
    p.grammar = "root ::= \"The \" (\"cat\" | \"dog\") \" sat.\"\n";
    std::pair<std::string, std::vector<int32_t>> out;
    EXPECT_EQ(chord_generate(m.get(), "Once upon a time", &p, collect, &out), CHORD_FINISH_STOP);
    EXPECT_TRUE(out.first == "The cat sat." || out.first == "The dog sat.") << out.first;

    p.grammar = nullptr;
    p.json_schema = R"({"type": "object", "properties": {"n": {"type": "integer", "minimum": 1, "maximum": 9}}, "required": ["n"]})";
    out = {};
    EXPECT_EQ(chord_generate(m.get(), "Once upon a time", &p, collect, &out), CHORD_FINISH_STOP);
    const nlohmann::json value = nlohmann::json::parse(out.first);
    EXPECT_GE(value.at("n").get<int>(), 1) << out.first;
    EXPECT_LE(value.at("n").get<int>(), 9) << out.first;

    p.json_schema = "{not json";
    EXPECT_EQ(chord_generate(m.get(), "Once", &p, nullptr, nullptr), CHORD_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(chord_last_error(m.get())).find("json schema"), std::string::npos) << chord_last_error(m.get());
    p.json_schema = nullptr;
    p.grammar = "root ::= (\n";
    EXPECT_EQ(chord_generate(m.get(), "Once", &p, nullptr, nullptr), CHORD_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(chord_last_error(m.get())).find("grammar line 2, column 1: expecting ')'"), std::string::npos) << chord_last_error(m.get());
}

TEST(CApi, EmbedWritesLlamaCppsVectorAndLeavesGenerationAsItWas) {
    ModelPtr m = load_stories();
    const int dimension = chord_embed(m.get(), nullptr, CHORD_POOLING_DEFAULT, 1, nullptr, 0);
    ASSERT_EQ(dimension, 64);
    const nlohmann::json golden =
        nlohmann::json::parse(std::ifstream(std::filesystem::path(CHORD_TEST_DATA_DIR) / "embeddings" / "stories260K-f32.json"));
    for (const auto& c : golden["cases"]) {
        const std::string pooling = c["pooling"].get<std::string>();
        const int code = pooling == "mean" ? CHORD_POOLING_MEAN : pooling == "cls" ? CHORD_POOLING_CLS : CHORD_POOLING_LAST;
        std::vector<float> out(size_t(dimension) + 1, -7.0f);
        EXPECT_EQ(chord_embed(m.get(), c["text"].get<std::string>().c_str(), code, 1, out.data(), out.size()), dimension);
        const std::vector<float> expected = c["embedding"].get<std::vector<float>>();
        for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(out[i], expected[i], 5e-4) << pooling << " " << i;
        EXPECT_EQ(out.back(), -7.0f);  // nothing past the dimension
    }

    // The model's session forgets the cache the embeddings overwrote: the greedy text is llama.cpp's.
    chord_generate_params p = chord_generate_default_params();
    p.temperature = 0.0f;
    p.max_tokens = 16;
    std::pair<std::string, std::vector<int32_t>> first, second;
    EXPECT_EQ(chord_generate(m.get(), "Once upon a time", &p, collect, &first), CHORD_FINISH_LENGTH);
    std::vector<float> out(64);
    EXPECT_EQ(chord_embed(m.get(), "Tom had a big red ball.", CHORD_POOLING_DEFAULT, 0, out.data(), 64), 64);
    EXPECT_EQ(chord_generate(m.get(), "Once upon a time", &p, collect, &second), CHORD_FINISH_LENGTH);
    EXPECT_EQ(second.first, first.first);
    const nlohmann::json generation =
        nlohmann::json::parse(std::ifstream(chord::test::shared_dir() / "golden" / "stories260K-f32.json"));
    EXPECT_EQ(second.first, generation["cases"][0]["text"].get<std::string>());
}

TEST(CApi, EmbedErrorsAreStatusesWithAMessage) {
    ModelPtr m = load_stories();
    std::vector<float> out(64);
    EXPECT_EQ(chord_embed(nullptr, "x", CHORD_POOLING_MEAN, 1, out.data(), 64), CHORD_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(chord_embed(m.get(), nullptr, CHORD_POOLING_MEAN, 1, out.data(), 64), CHORD_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(chord_embed(m.get(), "x", 0, 1, out.data(), 64), CHORD_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(chord_last_error(m.get())).find("chord_pooling"), std::string::npos) << chord_last_error(m.get());
    EXPECT_EQ(chord_embed(m.get(), "x", CHORD_POOLING_MEAN, 1, out.data(), 63), CHORD_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(chord_last_error(m.get())).find("the embedding has 64"), std::string::npos) << chord_last_error(m.get());

    chord_load_params params = chord_load_default_params();
    params.n_ctx = 4;
    char error[256];
    ModelPtr small(chord_load(kStories.c_str(), &params, error, sizeof error));
    ASSERT_NE(small, nullptr) << error;
    EXPECT_EQ(chord_embed(small.get(), "Once upon a time there was", CHORD_POOLING_MEAN, 1, out.data(), 64), CHORD_ERR_CONTEXT_FULL);
    EXPECT_EQ(chord_embed(small.get(), "Once", CHORD_POOLING_MEAN, 1, out.data(), 64), 64);  // still usable
}
