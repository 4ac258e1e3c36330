// Synthetic models: the file is a llama model that loads and runs, with llama.cpp's metadata and
// per-tensor types, the vocabulary copied whole, and the same bytes for the same seed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "chord/model.hpp"
#include "chord/synth_model.hpp"
#include "test_support.hpp"

namespace chord {
namespace {

// Small enough for ASan, and rows of 256 so that every type fits.
const char* const kSmallShape = "dim=256,layers=2,heads=4,kv_heads=2,ffn=256,ctx=64";

std::string vocab_path() { return (test::shared_dir() / "models" / "stories260K-f32.gguf").string(); }

std::filesystem::path temp_path(const std::string& name) {
    return std::filesystem::path(testing::TempDir()) / ("synth_" + name + "_" + std::to_string(getpid()) + ".gguf");
}

SynthOptions small_options(const std::string& type, uint64_t seed = 1) {
    SynthOptions o;
    o.shape = ModelShape::parse(kSmallShape);
    o.type = type;
    o.vocab_path = vocab_path();
    o.seed = seed;
    return o;
}

class SynthModel : public testing::TestWithParam<const char*> {};

TEST_P(SynthModel, LoadsAndRunsWithFiniteLogits) {
    const std::string type = GetParam();
    const std::filesystem::path path = temp_path(type);
    const SynthResult r = synth_model(small_options(type), path.string());
    EXPECT_EQ(r.file_bytes, std::filesystem::file_size(path));
    EXPECT_EQ(r.tensors, 3u + 2u * 9u);

    const GgufFile file = GgufFile::open(path.string());
    EXPECT_EQ(file.get_string("general.architecture"), "llama");
    EXPECT_EQ(file.get_u64("llama.embedding_length"), 256u);
    EXPECT_EQ(file.get_u64("llama.block_count"), 2u);
    EXPECT_EQ(file.get_u64("llama.attention.head_count_kv"), 2u);
    EXPECT_EQ(file.get_u64("llama.rope.dimension_count"), 64u);
    EXPECT_EQ(file.get_u64("llama.vocab_size"), 512u);
    EXPECT_EQ(file.get_u64("general.file_type"), find_weight_format(type).file_type);
    const GgufFile vocab = GgufFile::open(vocab_path());
    for (const MetaEntry& e : vocab.metadata()) {
        if (e.key.substr(0, 10) != "tokenizer.") continue;
        ASSERT_NE(file.find(e.key), nullptr) << e.key;
        EXPECT_EQ(file.find(e.key)->encoded(), e.value.encoded()) << e.key;
    }
    for (const TensorInfo& t : file.tensors()) {
        if (t.n_dims == 1) {
            EXPECT_EQ(t.type, GgmlType::F32) << t.name;
        }
    }

    // Norms are 1; matrices have the standard deviation asked for.
    const std::vector<float> norm = file.tensor("blk.0.ffn_norm.weight").to_floats();
    for (float v : norm) EXPECT_EQ(v, 1.0f);
    const std::vector<float> embd = file.tensor("token_embd.weight").to_floats();
    double sum = 0, sum_sq = 0;
    for (float v : embd) {
        sum += v;
        sum_sq += double(v) * v;
    }
    const double mean = sum / double(embd.size()), std = std::sqrt(sum_sq / double(embd.size()) - mean * mean);
    EXPECT_NEAR(mean, 0.0, 1e-3);
    EXPECT_NEAR(std, kSynthWeightStd, 0.1 * kSynthWeightStd);

    ModelOptions options;
    options.n_ctx = 16;
    const auto model = Model::load(path.string(), options);
    const std::vector<TokenId> tokens = model->tokenizer().encode("Once upon a time");
    const std::vector<float>& logits = model->forward(tokens.data(), tokens.size(), 0);
    ASSERT_EQ(logits.size(), 512u);
    float spread = 0;
    for (float v : logits) {
        ASSERT_TRUE(std::isfinite(v));
        spread = std::max(spread, std::fabs(v - logits[0]));
    }
    EXPECT_GT(spread, 0.0f) << "random weights should not give constant logits";
    std::filesystem::remove(path);
}

INSTANTIATE_TEST_SUITE_P(Types, SynthModel,
                         testing::Values("f32", "f16", "bf16", "q4_0", "q5_1", "q8_0", "q2_k", "q3_k_m", "q4_k_m", "q6_k"),
                         [](const testing::TestParamInfo<const char*>& p) { return std::string(p.param); });

TEST(SynthModelFile, SameSeedSameBytesOtherSeedOtherWeights) {
    const std::filesystem::path a = temp_path("seed_a"), b = temp_path("seed_b"), c = temp_path("seed_c");
    synth_model(small_options("q4_0", 42), a.string());
    synth_model(small_options("q4_0", 42), b.string());
    synth_model(small_options("q4_0", 43), c.string());
    const std::vector<uint8_t> bytes_a = test::read_file(a), bytes_c = test::read_file(c);
    EXPECT_EQ(bytes_a, test::read_file(b));
    ASSERT_EQ(bytes_a.size(), bytes_c.size());
    EXPECT_NE(bytes_a, bytes_c);
    for (const auto& p : {a, b, c}) std::filesystem::remove(p);
}

// synth_model_bytes (in memory, for the hostile corpus and the wasm tests) makes the file synth_model writes.
TEST(SynthModelFile, InMemoryBytesAreTheFile) {
    for (const char* type : {"q4_0", "q4_k_m", "f16"}) {
        const std::filesystem::path path = temp_path(std::string("memory_") + type);
        synth_model(small_options(type, 9), path.string());
        EXPECT_EQ(synth_model_bytes(small_options(type, 9), GgufFile::open(vocab_path())), test::read_file(path)) << type;
        std::filesystem::remove(path);
    }
}

// The per-tensor types of llama.cpp's Q4_K_M on TinyLlama: attn_v and ffn_down in Q6_K on the
// layers use_more_bits picks (as in the published TinyLlama Q4_K_M files), output in Q6_K.
TEST(SynthModelFile, Q4_K_MTypesFollowLlamaCpp) {
    const std::vector<SynthTensor> tensors =
        synth_tensors(ModelShape::tinyllama_1_1b(), find_weight_format("q4_k_m"), 32000);
    const std::vector<uint32_t> more_bits = {0, 1, 4, 7, 10, 13, 16, 19, 20, 21};
    size_t checked = 0;
    for (const SynthTensor& t : tensors) {
        GgmlType expected = t.shape.size() == 1 ? GgmlType::F32 : GgmlType::Q4_K;
        if (t.name == "output.weight") expected = GgmlType::Q6_K;
        for (uint32_t l : more_bits)
            for (const char* kind : {"attn_v", "ffn_down"})
                if (t.name == "blk." + std::to_string(l) + "." + kind + ".weight") expected = GgmlType::Q6_K;
        EXPECT_EQ(t.type, expected) << t.name;
        ++checked;
    }
    EXPECT_EQ(checked, 3u + 22u * 9u);
}

TEST(SynthModelFile, OtherMixes) {
    const auto types_of = [](const char* format, const char* name) {
        std::vector<GgmlType> types;
        for (const SynthTensor& t : synth_tensors(ModelShape::tinyllama_1_1b(), find_weight_format(format), 32000))
            if (t.name.find(name) != std::string::npos) types.push_back(t.type);
        return types;
    };
    // Q3_K_M: attn_v Q5_K on the first two layers, Q4_K after; attn_output Q4_K; ffn_down Q5_K
    // on the first n/16 layers (one), Q4_K after.
    const std::vector<GgmlType> v = types_of("q3_k_m", "attn_v");
    EXPECT_EQ(v[0], GgmlType::Q5_K);
    EXPECT_EQ(v[1], GgmlType::Q5_K);
    EXPECT_EQ(v[2], GgmlType::Q4_K);
    EXPECT_EQ(types_of("q3_k_m", "attn_output")[5], GgmlType::Q4_K);
    EXPECT_EQ(types_of("q3_k_m", "ffn_down")[0], GgmlType::Q5_K);
    EXPECT_EQ(types_of("q3_k_m", "ffn_down")[1], GgmlType::Q4_K);
    EXPECT_EQ(types_of("q3_k_m", "ffn_up")[1], GgmlType::Q3_K);
    // Q2_K mix: attn_v Q4_K with 8 query heads per KV head, ffn_down and attn_output Q3_K.
    EXPECT_EQ(types_of("q2_k_mix", "attn_v")[9], GgmlType::Q4_K);
    EXPECT_EQ(types_of("q2_k_mix", "ffn_down")[9], GgmlType::Q3_K);
    EXPECT_EQ(types_of("q2_k_mix", "ffn_gate")[9], GgmlType::Q2_K);
    // Pure types: every matrix, output included, in the type.
    for (GgmlType t : types_of("q4_k", "output.weight")) EXPECT_EQ(t, GgmlType::Q4_K);
}

void expect_error(const std::function<void()>& f, const std::string& message_part) {
    try {
        f();
        ADD_FAILURE() << "expected an error containing '" << message_part << "'";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(message_part), std::string::npos) << e.what();
    }
}

TEST(SynthModelFile, BadShapesAreClearErrors) {
    expect_error([] { ModelShape::parse("dim=100,layers=2,heads=3,ffn=256"); }, "dim=100 is not divisible by heads=3");
    expect_error([] { ModelShape::parse("dim=96,layers=2,heads=6,kv_heads=4,ffn=256"); },
                 "heads=6 is not divisible by kv_heads=4");
    expect_error([] { ModelShape::parse("dim=256,layers=0,heads=4,ffn=256"); }, "layers=0 is not a positive integer");
    expect_error([] { ModelShape::parse("dim=256,layers=-2,heads=4,ffn=256"); }, "layers=-2 is not a positive integer");
    expect_error([] { ModelShape::parse("dim=256,heads=4,ffn=256"); }, "'layers' is missing");
    expect_error([] { ModelShape::parse("dim=256,layers=2,heads=4,ffn=256,experts=8"); }, "unknown key 'experts'");
    expect_error([] { ModelShape::parse("dim=256,layers=2,heads=4,ffn"); }, "'ffn' is not key=value");
    expect_error([] { ModelShape::parse("dim=256,layers=2,heads=4,ffn=256,rope_base=x"); }, "rope_base=x is not a positive number");
    expect_error([] { ModelShape::parse("llama-7b"); }, "unknown model shape 'llama-7b'");
    // Rows must be whole blocks of the type: ffn=1376 is a multiple of 32 but not of 256.
    const ModelShape shape = ModelShape::parse("dim=512,layers=4,heads=8,kv_heads=4,ffn=1376,ctx=512");
    synth_tensors(shape, find_weight_format("q4_0"), 512);
    expect_error([&] { synth_tensors(shape, find_weight_format("q4_k_m"), 512); },
                 "tensor 'blk.0.ffn_down.weight' has rows of 1376 weights, not a multiple of the Q4_K block size 256");
    expect_error([] { find_weight_format("q4_k_xl"); }, "unknown weight type 'q4_k_xl'");
    SynthOptions no_vocab = small_options("q4_0");
    no_vocab.vocab_path = (test::shared_dir() / "models" / "SHA256SUMS").string();
    expect_error([&] { synth_model(no_vocab, temp_path("no_vocab").string()); }, "not a GGUF file");
}

TEST(SynthModelFile, PresetShapes) {
    const ModelShape t = ModelShape::parse("tinyllama-1.1b");
    EXPECT_EQ(t.dim, 2048u);
    EXPECT_EQ(t.layers, 22u);
    EXPECT_EQ(t.heads, 32u);
    EXPECT_EQ(t.kv_heads, 4u);
    EXPECT_EQ(t.ffn, 5632u);
    EXPECT_EQ(t.ctx, 2048u);
    const ModelShape s = ModelShape::parse("110m");
    EXPECT_EQ(s.dim, 768u);
    EXPECT_EQ(s.layers, 12u);
    EXPECT_EQ(s.kv_heads, 12u);
    EXPECT_EQ(s.ffn, 2048u);
    EXPECT_EQ(s.ctx, 1024u);
    // TinyLlama: 1.1B parameters.
    uint64_t parameters = 0;
    for (const SynthTensor& tensor : synth_tensors(t, find_weight_format("q4_0"), 32000)) {
        uint64_t n = 1;
        for (uint64_t d : tensor.shape) n *= d;
        parameters += n;
    }
    EXPECT_EQ(parameters, 1100048384u);
}

}  // namespace
}  // namespace chord
