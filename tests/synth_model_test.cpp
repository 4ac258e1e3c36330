// Synthetic models: the file is a model that loads and runs, with llama.cpp's metadata and
// per-tensor types, the vocabulary copied whole, and the same bytes for the same seed. The other
// architectures (phi3, qwen3, gemma2, gemma3, llama with rope_freqs) have exactly the keys and
// tensors llama.cpp's converter writes, and each can be written without a feature.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <string_view>
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


// Rows that are not whole blocks of a K type fall back as llama-quantize does
// (tensor_type_fallback): Q4_K -> Q5_0, Q6_K -> Q8_0, and a row no 32-block fits stays F16; a
// mix's output projection whose rows are not whole blocks of the base type is Q8_0.
TEST(SynthModelFile, RowsThatAreNotWholeBlocksFallBackAsLlamaQuantize) {
    const auto type_of = [](const std::vector<SynthTensor>& tensors, const std::string& name) {
        for (const SynthTensor& t : tensors)
            if (t.name == name) return t.type;
        ADD_FAILURE() << name;
        return GgmlType::F32;
    };
    const ModelShape shape = ModelShape::parse("dim=512,layers=4,heads=8,kv_heads=4,ffn=1376,ctx=512");
    const std::vector<SynthTensor> q4_k_m = synth_tensors(shape, find_weight_format("q4_k_m"), 512);
    EXPECT_EQ(type_of(q4_k_m, "blk.2.ffn_down.weight"), GgmlType::Q8_0);  // Q6_K on a more-bits layer
    EXPECT_EQ(type_of(q4_k_m, "blk.1.ffn_down.weight"), GgmlType::Q5_0);  // Q4_K
    EXPECT_EQ(type_of(q4_k_m, "blk.1.ffn_up.weight"), GgmlType::Q4_K);    // rows of 512
    EXPECT_EQ(type_of(synth_tensors(shape, find_weight_format("q3_k"), 512), "blk.1.ffn_down.weight"), GgmlType::Q4_0);
    EXPECT_EQ(type_of(synth_tensors(shape, find_weight_format("q5_k"), 512), "blk.1.ffn_down.weight"), GgmlType::Q5_1);
    EXPECT_EQ(type_of(synth_tensors(shape, find_weight_format("q4_0"), 512), "blk.1.ffn_down.weight"), GgmlType::Q4_0);
    const ModelShape odd = ModelShape::parse("dim=256,layers=1,heads=4,ffn=80");
    EXPECT_EQ(type_of(synth_tensors(odd, find_weight_format("q4_k"), 512), "blk.0.ffn_down.weight"), GgmlType::F16);
    EXPECT_EQ(type_of(synth_tensors(odd, find_weight_format("q8_0"), 512), "blk.0.ffn_down.weight"), GgmlType::F16);

    // Gemma-3-1B (dim 1152 = 4.5 K-blocks) in Q4_K_M, as its published files: the tied
    // embeddings Q8_0, the matrices with rows of 1152 Q5_0 (or Q8_0 where Q6_K was chosen),
    // ffn_down (rows of 6912) in K types.
    const std::vector<SynthTensor> gemma = synth_tensors(ModelShape::parse("gemma3-1b"), find_weight_format("q4_k_m"), 262144);
    EXPECT_EQ(type_of(gemma, "token_embd.weight"), GgmlType::Q8_0);
    EXPECT_EQ(type_of(gemma, "blk.0.attn_q.weight"), GgmlType::Q5_0);
    EXPECT_EQ(type_of(gemma, "blk.0.attn_v.weight"), GgmlType::Q8_0);
    EXPECT_EQ(type_of(gemma, "blk.3.attn_v.weight"), GgmlType::Q5_0);
    EXPECT_EQ(type_of(gemma, "blk.0.ffn_down.weight"), GgmlType::Q6_K);
    EXPECT_EQ(type_of(gemma, "blk.3.ffn_down.weight"), GgmlType::Q4_K);
    // Tied embeddings of a K mix whose rows fit take the output's Q6_K (Llama-3.2-1B Q4_K_M).
    EXPECT_EQ(type_of(synth_tensors(ModelShape::parse("llama3.2-1b"), find_weight_format("q4_k_m"), 128256), "token_embd.weight"),
              GgmlType::Q6_K);
}

// --- the other architectures ---

// Small test shapes with every feature of each architecture on, strong.
const char* const kLlama3Shape = "dim=256,layers=2,heads=4,kv_heads=2,ffn=512,ctx=256,tied=1,rope_freqs=32:1:4:16";
const char* const kPhi3Shape =
    "arch=phi3,dim=256,layers=2,heads=4,kv_heads=2,ffn=512,ctx=4096,rope_orig_ctx=32,rope_short=2:8,rope_long=4:64";
const char* const kQwen3Shape = "arch=qwen3,dim=256,layers=2,heads=4,kv_heads=2,head_dim=96,ffn=512,ctx=256";
const char* const kGemma2Shape =
    "arch=gemma2,dim=256,layers=2,heads=4,kv_heads=2,head_dim=96,ffn=512,ctx=256,swa=4,attn_softcap=2,final_softcap=5";
const char* const kGemma3Shape =
    "arch=gemma3,dim=256,layers=3,heads=4,kv_heads=1,head_dim=96,ffn=512,ctx=256,swa=4,swa_pattern=3,"
    "rope_scaling=linear,rope_scale=8,final_softcap=5";

SynthOptions arch_options(const std::string& shape, const std::string& type = "q8_0", std::vector<std::string> without = {}) {
    SynthOptions o;
    o.shape = ModelShape::parse(shape);
    o.type = type;
    o.vocab_path = vocab_path();
    o.seed = 3;
    o.weight_std = 0.05f;
    o.qk_std = 0.1f;
    o.norm_std = 0.2f;
    o.without = std::move(without);
    return o;
}

const GgufFile& stories_vocab() {
    static const GgufFile vocab = GgufFile::open(vocab_path());
    return vocab;
}

GgufFile synth_file(const SynthOptions& o) { return GgufFile::from_buffer(synth_model_bytes(o, stories_vocab())); }

// The file's metadata keys other than general.* and tokenizer.*, in file order.
std::vector<std::string> arch_keys(const GgufFile& f) {
    std::vector<std::string> keys;
    for (const MetaEntry& e : f.metadata())
        if (e.key.rfind("general.", 0) != 0 && e.key.rfind("tokenizer.", 0) != 0) keys.emplace_back(e.key);
    return keys;
}

struct ExpectedTensor {
    std::string name;
    std::vector<uint64_t> shape;
};

std::vector<ExpectedTensor> tensor_table(const GgufFile& f) {
    std::vector<ExpectedTensor> table;
    for (const TensorInfo& t : f.tensors()) table.push_back({std::string(t.name), std::vector<uint64_t>(t.shape.begin(), t.shape.begin() + t.n_dims)});
    return table;
}

// blk.L.<name> for every layer, each with the shape.
std::vector<ExpectedTensor> per_layer(uint32_t layers, const std::vector<ExpectedTensor>& block) {
    std::vector<ExpectedTensor> out;
    for (uint32_t l = 0; l < layers; ++l)
        for (const ExpectedTensor& t : block) out.push_back({"blk." + std::to_string(l) + "." + t.name, t.shape});
    return out;
}

void expect_table(const GgufFile& f, std::vector<ExpectedTensor> head, const std::vector<ExpectedTensor>& layers,
                  const std::vector<ExpectedTensor>& tail) {
    head.insert(head.end(), layers.begin(), layers.end());
    head.insert(head.end(), tail.begin(), tail.end());
    const std::vector<ExpectedTensor> got = tensor_table(f);
    ASSERT_EQ(got.size(), head.size());
    for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].name, head[i].name);
        EXPECT_EQ(got[i].shape, head[i].shape) << got[i].name;
    }
}

float f32(const GgufFile& f, const std::string& key) { return f.get(key).as_f32(); }

// Llama 3.1/3.2: rope_freqs.weight (first, as the converter writes generated tensors), tied
// embeddings, and llama's keys.
TEST(SynthArchitectures, LlamaWithRopeFreqs) {
    const GgufFile f = synth_file(arch_options(kLlama3Shape));
    EXPECT_EQ(f.get_string("general.architecture"), "llama");
    EXPECT_EQ(arch_keys(f), (std::vector<std::string>{"llama.context_length", "llama.embedding_length", "llama.feed_forward_length",
                                                      "llama.block_count", "llama.attention.head_count",
                                                      "llama.attention.head_count_kv", "llama.attention.layer_norm_rms_epsilon",
                                                      "llama.rope.freq_base", "llama.rope.dimension_count", "llama.vocab_size"}));
    EXPECT_EQ(f.get_u64("llama.rope.dimension_count"), 64u);
    expect_table(f, {{"rope_freqs.weight", {32}}, {"token_embd.weight", {256, 512}}},
                 per_layer(2, {{"attn_norm.weight", {256}},
                               {"attn_q.weight", {256, 256}},
                               {"attn_k.weight", {256, 128}},
                               {"attn_v.weight", {256, 128}},
                               {"attn_output.weight", {256, 256}},
                               {"ffn_norm.weight", {256}},
                               {"ffn_gate.weight", {256, 512}},
                               {"ffn_up.weight", {256, 512}},
                               {"ffn_down.weight", {512, 256}}}),
                 {{"output_norm.weight", {256}}});
    EXPECT_EQ(f.find_tensor("rope_freqs.weight")->type, GgmlType::F32);

    // The converter's factors: pair i's wavelength 2*pi*10000^(2i/64) against 16/4 = 4 and
    // 16/1 = 16: pairs 0-3 (wavelengths 6.3 to 14.9) are smoothed, the rest divided by the full 32.
    const std::vector<float> factors = f.tensor("rope_freqs.weight").to_floats();
    const double pi = 3.14159265358979323846;
    for (int i = 0; i < 4; ++i) {
        const double wavelen = 2 * pi * std::pow(10000.0, 2.0 * i / 64.0);
        const double smooth = (16.0 / wavelen - 1.0) / (4.0 - 1.0);
        EXPECT_NEAR(factors[size_t(i)], 1.0 / ((1 - smooth) / 32.0 + smooth), 1e-5) << i;
    }
    EXPECT_NEAR(factors[0], 1.0 / ((1 - 0.51549) / 32.0 + 0.51549), 1e-4);  // smooth = (16 / 2pi - 1) / 3
    for (size_t i = 4; i < 32; ++i) EXPECT_EQ(factors[i], 32.0f) << i;
}

// Llama-3.2-1B's real factors (factor 32, low 1, high 4, original context 8192, base 500000):
// 1 for the high frequencies, 32 for the low, smoothed between.
TEST(SynthArchitectures, Llama3_2RopeFreqsAsTheConverterComputesThem) {
    const ModelShape s = ModelShape::parse("llama3.2-1b");
    const std::vector<float> v = s.rope_freqs.values(s.n_rot(), s.rope_base);
    ASSERT_EQ(v.size(), 32u);
    EXPECT_EQ(v.front(), 1.0f);
    EXPECT_EQ(v.back(), 32.0f);
    size_t ones = 0, full = 0;
    for (size_t i = 0; i < v.size(); ++i) {
        if (i) {
            EXPECT_GE(v[i], v[i - 1]);
        }
        ones += v[i] == 1.0f;
        full += v[i] == 32.0f;
    }
    // Wavelengths below 2048 (2*pi*500000^(2i/64) < 2048: i <= 14) keep factor 1; above 8192 (i >= 18) get 32.
    EXPECT_EQ(ones, 15u);
    EXPECT_EQ(full, 14u);
}

// Phi-3 (Phi3MiniModel): fused attn_qkv [dim, dim + 2 kv] and ffn_up [dim, 2 ffn]; LongRoPE's
// factor tensors of n_rot/2 and rope.scaling.attn_factor; no rope.scaling.type; the
// sliding_window key; no vocab_size.
TEST(SynthArchitectures, Phi3LongRope) {
    const GgufFile f = synth_file(arch_options(kPhi3Shape));
    EXPECT_EQ(f.get_string("general.architecture"), "phi3");
    EXPECT_EQ(arch_keys(f), (std::vector<std::string>{"phi3.context_length", "phi3.rope.scaling.original_context_length",
                                                      "phi3.embedding_length", "phi3.feed_forward_length", "phi3.block_count",
                                                      "phi3.attention.head_count", "phi3.attention.head_count_kv",
                                                      "phi3.attention.layer_norm_rms_epsilon", "phi3.rope.dimension_count",
                                                      "phi3.rope.freq_base", "phi3.attention.sliding_window",
                                                      "phi3.rope.scaling.attn_factor"}));
    EXPECT_EQ(f.get_u64("phi3.rope.scaling.original_context_length"), 32u);
    EXPECT_EQ(f.get_u64("phi3.attention.sliding_window"), 262144u);
    // sqrt(1 + ln(4096 / 32) / ln(32))
    EXPECT_NEAR(f32(f, "phi3.rope.scaling.attn_factor"), std::sqrt(1.0 + std::log(128.0) / std::log(32.0)), 1e-6);
    expect_table(f, {{"rope_factors_long.weight", {32}}, {"rope_factors_short.weight", {32}}, {"token_embd.weight", {256, 512}}},
                 per_layer(2, {{"attn_norm.weight", {256}},
                               {"attn_qkv.weight", {256, 512}},
                               {"attn_output.weight", {256, 256}},
                               {"ffn_norm.weight", {256}},
                               {"ffn_up.weight", {256, 1024}},
                               {"ffn_down.weight", {512, 256}}}),
                 {{"output_norm.weight", {256}}, {"output.weight", {256, 512}}});
    const std::vector<float> long_f = f.tensor("rope_factors_long.weight").to_floats();
    const std::vector<float> short_f = f.tensor("rope_factors_short.weight").to_floats();
    EXPECT_FLOAT_EQ(short_f.front(), 2.0f);
    EXPECT_FLOAT_EQ(short_f.back(), 8.0f);
    EXPECT_FLOAT_EQ(long_f.front(), 4.0f);
    EXPECT_FLOAT_EQ(long_f.back(), 64.0f);
    EXPECT_FLOAT_EQ(long_f[16], float(4.0 * std::pow(16.0, 16.0 / 31.0)));

    // attn_qkv: the q and k rows drawn with qk_std, the v rows with weight_std.
    const std::vector<float> qkv = f.tensor("blk.0.attn_qkv.weight").to_floats();
    const auto row_std = [&](size_t first, size_t last) {
        double sum_sq = 0;
        for (size_t i = first * 256; i < last * 256; ++i) sum_sq += double(qkv[i]) * qkv[i];
        return std::sqrt(sum_sq / double((last - first) * 256));
    };
    EXPECT_NEAR(row_std(0, 384), 0.1, 0.005);
    EXPECT_NEAR(row_std(384, 512), 0.05, 0.003);

    // Phi-3.5-mini's attention factor from its 131072 / 4096 context.
    EXPECT_NEAR(ModelShape::parse("phi3.5-mini").longrope_attn_factor(), std::sqrt(1.0 + std::log(32.0) / std::log(4096.0)), 1e-6);
}

// Qwen3 (TextModel keys): key_length/value_length for its head size apart from dim/heads, q/k
// norms of head_dim, no biases, rope base 1e6 and eps 1e-6 unless the spec says otherwise.
TEST(SynthArchitectures, Qwen3) {
    const GgufFile f = synth_file(arch_options(kQwen3Shape));
    EXPECT_EQ(f.get_string("general.architecture"), "qwen3");
    EXPECT_EQ(arch_keys(f),
              (std::vector<std::string>{"qwen3.block_count", "qwen3.context_length", "qwen3.embedding_length", "qwen3.feed_forward_length",
                                        "qwen3.attention.head_count", "qwen3.attention.head_count_kv", "qwen3.rope.freq_base",
                                        "qwen3.attention.layer_norm_rms_epsilon", "qwen3.attention.key_length",
                                        "qwen3.attention.value_length"}));
    EXPECT_EQ(f.get_u64("qwen3.attention.key_length"), 96u);
    EXPECT_EQ(f32(f, "qwen3.rope.freq_base"), 1e6f);
    EXPECT_EQ(f32(f, "qwen3.attention.layer_norm_rms_epsilon"), 1e-6f);
    expect_table(f, {{"token_embd.weight", {256, 512}}},
                 per_layer(2, {{"attn_norm.weight", {256}},
                               {"attn_q.weight", {256, 384}},
                               {"attn_k.weight", {256, 192}},
                               {"attn_v.weight", {256, 192}},
                               {"attn_output.weight", {384, 256}},
                               {"attn_q_norm.weight", {96}},
                               {"attn_k_norm.weight", {96}},
                               {"ffn_norm.weight", {256}},
                               {"ffn_gate.weight", {256, 512}},
                               {"ffn_up.weight", {256, 512}},
                               {"ffn_down.weight", {512, 256}}}),
                 {{"output_norm.weight", {256}}, {"output.weight", {256, 512}}});
    // Norm weights random around 1 (norm_std 0.2), not all 1.
    const std::vector<float> q_norm = f.tensor("blk.1.attn_q_norm.weight").to_floats();
    double sum = 0, sum_sq = 0;
    for (float v : q_norm) sum += v, sum_sq += double(v - 1.0f) * (v - 1.0f);
    EXPECT_NEAR(sum / 96, 1.0, 0.1);
    EXPECT_NEAR(std::sqrt(sum_sq / 96), 0.2, 0.05);
}

// Gemma 2 (Gemma2Model): post-attention and post-FFW norms, no output.weight, both soft-caps and
// the sliding window; no RoPE keys.
TEST(SynthArchitectures, Gemma2) {
    const GgufFile f = synth_file(arch_options(kGemma2Shape));
    EXPECT_EQ(f.get_string("general.architecture"), "gemma2");
    EXPECT_EQ(arch_keys(f),
              (std::vector<std::string>{"gemma2.context_length", "gemma2.embedding_length", "gemma2.block_count",
                                        "gemma2.feed_forward_length", "gemma2.attention.head_count", "gemma2.attention.head_count_kv",
                                        "gemma2.attention.layer_norm_rms_epsilon", "gemma2.attention.key_length",
                                        "gemma2.attention.value_length", "gemma2.attn_logit_softcapping",
                                        "gemma2.final_logit_softcapping", "gemma2.attention.sliding_window"}));
    EXPECT_EQ(f32(f, "gemma2.attn_logit_softcapping"), 2.0f);
    EXPECT_EQ(f32(f, "gemma2.final_logit_softcapping"), 5.0f);
    EXPECT_EQ(f.get_u64("gemma2.attention.sliding_window"), 4u);
    expect_table(f, {{"token_embd.weight", {256, 512}}},
                 per_layer(2, {{"attn_norm.weight", {256}},
                               {"attn_q.weight", {256, 384}},
                               {"attn_k.weight", {256, 192}},
                               {"attn_v.weight", {256, 192}},
                               {"attn_output.weight", {384, 256}},
                               {"post_attention_norm.weight", {256}},
                               {"ffn_norm.weight", {256}},
                               {"ffn_gate.weight", {256, 512}},
                               {"ffn_up.weight", {256, 512}},
                               {"ffn_down.weight", {512, 256}},
                               {"post_ffw_norm.weight", {256}}}),
                 {{"output_norm.weight", {256}}});
    // A custom gemma2 spec without the keys gets Gemma 2's values, as its files carry.
    const GgufFile plain = synth_file(arch_options("arch=gemma2,dim=256,layers=2,heads=4,ffn=512"));
    EXPECT_EQ(f32(plain, "gemma2.attn_logit_softcapping"), 50.0f);
    EXPECT_EQ(f32(plain, "gemma2.final_logit_softcapping"), 30.0f);
    EXPECT_EQ(plain.get_u64("gemma2.attention.sliding_window"), 4096u);
    EXPECT_EQ(plain.get_u64("gemma2.attention.key_length"), 64u);
}

// Gemma 3 (TextModel keys, then Gemma3Model's): q/k norms and post-norms, the two RoPE bases,
// linear scaling of the global layers, the final soft-cap where set, the window and (for a small
// model) the layer pattern key llama.cpp reads.
TEST(SynthArchitectures, Gemma3) {
    const GgufFile f = synth_file(arch_options(kGemma3Shape));
    EXPECT_EQ(f.get_string("general.architecture"), "gemma3");
    EXPECT_EQ(arch_keys(f),
              (std::vector<std::string>{"gemma3.block_count", "gemma3.context_length", "gemma3.embedding_length",
                                        "gemma3.feed_forward_length", "gemma3.attention.head_count", "gemma3.attention.head_count_kv",
                                        "gemma3.rope.scaling.type", "gemma3.rope.scaling.factor", "gemma3.rope.freq_base",
                                        "gemma3.rope.freq_base_swa", "gemma3.attention.layer_norm_rms_epsilon",
                                        "gemma3.attention.key_length", "gemma3.attention.value_length",
                                        "gemma3.final_logit_softcapping", "gemma3.attention.sliding_window",
                                        "gemma3.attention.sliding_window_pattern"}));
    EXPECT_EQ(f.get_string("gemma3.rope.scaling.type"), "linear");
    EXPECT_EQ(f32(f, "gemma3.rope.scaling.factor"), 8.0f);
    EXPECT_EQ(f32(f, "gemma3.rope.freq_base"), 1e6f);
    EXPECT_EQ(f32(f, "gemma3.rope.freq_base_swa"), 1e4f);
    EXPECT_EQ(f.get_u64("gemma3.attention.sliding_window_pattern"), 3u);
    expect_table(f, {{"token_embd.weight", {256, 512}}},
                 per_layer(3, {{"attn_norm.weight", {256}},
                               {"attn_q.weight", {256, 384}},
                               {"attn_k.weight", {256, 96}},
                               {"attn_v.weight", {256, 96}},
                               {"attn_output.weight", {384, 256}},
                               {"attn_q_norm.weight", {96}},
                               {"attn_k_norm.weight", {96}},
                               {"post_attention_norm.weight", {256}},
                               {"ffn_norm.weight", {256}},
                               {"ffn_gate.weight", {256, 512}},
                               {"ffn_up.weight", {256, 512}},
                               {"ffn_down.weight", {512, 256}},
                               {"post_ffw_norm.weight", {256}}}),
                 {{"output_norm.weight", {256}}});
    // The 1B preset: no pattern key (llama.cpp's 6), window 512, no soft-cap, no scaling.
    std::vector<SynthTensor> t = synth_tensors(ModelShape::parse("gemma3-1b,layers=2"), find_weight_format("q8_0"), 512);
    EXPECT_EQ(t.size(), 1u + 2u * 13u + 1u);
    const GgufFile one_b = synth_file(arch_options("gemma3-1b,layers=1,dim=256,ffn=256"));
    for (const char* absent : {"gemma3.attention.sliding_window_pattern", "gemma3.final_logit_softcapping", "gemma3.rope.scaling.type"})
        EXPECT_EQ(one_b.find(absent), nullptr) << absent;
    EXPECT_EQ(one_b.get_u64("gemma3.attention.sliding_window"), 512u);
    EXPECT_EQ(one_b.get_u64("gemma3.attention.head_count_kv"), 1u);
}

// The weight statistics are the options': matrices, attn_q/attn_k, token_embd, norms.
TEST(SynthArchitectures, WeightStatisticsAreTheOptions) {
    SynthOptions o = arch_options(kGemma3Shape, "f32");
    o.weight_std = 0.04f, o.qk_std = 0.12f, o.embd_std = 0.03f, o.norm_mean = 3.0f, o.norm_std = 0.5f;
    const GgufFile f = synth_file(o);
    const auto moments = [&](const char* name) {
        const std::vector<float> v = f.tensor(name).to_floats();
        double sum = 0, sum_sq = 0;
        for (float x : v) sum += x;
        const double mean = sum / double(v.size());
        for (float x : v) sum_sq += (x - mean) * (x - mean);
        return std::make_pair(mean, std::sqrt(sum_sq / double(v.size())));
    };
    EXPECT_NEAR(moments("blk.0.ffn_up.weight").second, 0.04, 0.002);
    EXPECT_NEAR(moments("blk.0.attn_v.weight").second, 0.04, 0.002);
    EXPECT_NEAR(moments("blk.0.attn_q.weight").second, 0.12, 0.005);
    EXPECT_NEAR(moments("blk.0.attn_k.weight").second, 0.12, 0.005);
    EXPECT_NEAR(moments("token_embd.weight").second, 0.03, 0.0015);
    const auto norm = moments("blk.1.post_ffw_norm.weight");
    EXPECT_NEAR(norm.first, 3.0, 0.1);
    EXPECT_NEAR(norm.second, 0.5, 0.08);
    // Without q/k norms, their weights are exactly 1 whatever the norm options.
    o.without = {"qk_norm"};
    for (float v : synth_file(o).tensor("blk.0.attn_k_norm.weight").to_floats()) EXPECT_EQ(v, 1.0f);
}

// llama.cpp's vocabulary loader changes the special tokens of a model whose general.name says
// "phi3" (and needs Phi-3's tokens for it): the synthetic name never does.
TEST(SynthArchitectures, GeneralNameNeverSaysPhi3) {
    const GgufFile f = synth_file(arch_options("phi3.5-mini,dim=256,layers=1,heads=4,kv_heads=4,ffn=256"));
    const std::string name(f.get_string("general.name"));
    EXPECT_EQ(name.find("phi3"), std::string::npos) << name;
    EXPECT_EQ(name.find("phi-3"), std::string::npos) << name;
    EXPECT_NE(name.find("phi 3.5-mini"), std::string::npos) << name;
}

// --vocab-size: the stories vocabulary padded to a family's size. The embedding and output grow,
// text still tokenizes as before, and no text reaches the padding.
TEST(SynthModelFile, VocabularyPaddedToASize) {
    SynthOptions o = small_options("q8_0");
    o.vocab_size = 1000;
    const auto padded = Model::load(GgufFile::from_buffer(synth_model_bytes(o, stories_vocab())));
    const auto plain = Model::load(GgufFile::from_buffer(synth_model_bytes(small_options("q8_0"), stories_vocab())));
    EXPECT_EQ(padded->file().get("tokenizer.ggml.tokens").as_array().size(), 1000u);
    EXPECT_EQ(padded->file().find_tensor("token_embd.weight")->rows(), 1000u);
    EXPECT_EQ(padded->file().get("llama.vocab_size").as_u64(), 1000u);
    for (const char* text : {"Once upon a time", "<pad_700> zebra", "x <pad_999>"})
        EXPECT_EQ(padded->tokenizer().encode(text), plain->tokenizer().encode(text)) << text;
    EXPECT_EQ(padded->tokenizer().decode({700}), "<pad_700>");
    EXPECT_EQ(padded->forward(std::vector<TokenId>{1, 2, 3}.data(), 3, 0).size(), 1000u);
    o.vocab_size = 100;
    try {
        synth_model_bytes(o, stories_vocab());
        FAIL() << "a vocabulary size below the vocabulary's was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
        EXPECT_NE(std::string(e.what()).find("--vocab-size 100 is below the 512 tokens"), std::string::npos) << e.what();
    }
}

// Same options, same bytes, for every architecture; another seed, other weights.
TEST(SynthArchitectures, SameOptionsSameBytes) {
    for (const char* shape : {kLlama3Shape, kPhi3Shape, kQwen3Shape, kGemma2Shape, kGemma3Shape}) {
        const std::vector<uint8_t> a = synth_model_bytes(arch_options(shape, "q4_k_m"), stories_vocab());
        EXPECT_EQ(a, synth_model_bytes(arch_options(shape, "q4_k_m"), stories_vocab())) << shape;
        SynthOptions other = arch_options(shape, "q4_k_m");
        other.seed = 4;
        const std::vector<uint8_t> b = synth_model_bytes(other, stories_vocab());
        ASSERT_EQ(a.size(), b.size()) << shape;
        EXPECT_NE(a, b) << shape;
    }
}

// A model written without a feature is the same file but for that feature: every other tensor
// holds the same bytes, every other key the same value.
struct WithoutCase {
    const char* shape;
    const char* feature;
    std::vector<std::string> changed_keys;     // differ or are missing in the copy
    std::vector<std::string> changed_tensors;  // differ or are missing in the copy
    std::function<void(const GgufFile&)> check;
};

std::string without_case_name(const testing::TestParamInfo<WithoutCase>& p) {
    std::string arch = ModelShape::parse(p.param.shape).arch;
    return arch + "_" + p.param.feature;
}

class SynthWithout : public testing::TestWithParam<WithoutCase> {};

TEST_P(SynthWithout, ChangesOnlyTheFeature) {
    const WithoutCase& c = GetParam();
    const GgufFile with = synth_file(arch_options(c.shape));
    const GgufFile without = synth_file(arch_options(c.shape, "q8_0", {c.feature}));
    const auto listed = [](const std::vector<std::string>& list, std::string_view name) {
        return std::find(list.begin(), list.end(), name) != list.end();
    };
    for (const MetaEntry& e : with.metadata()) {
        if (e.key == "general.name") continue;
        const MetaValue* other = without.find(e.key);
        const bool same = other && other->encoded() == e.value.encoded() && other->type() == e.value.type();
        EXPECT_EQ(same, !listed(c.changed_keys, e.key)) << e.key;
    }
    for (const MetaEntry& e : without.metadata())
        EXPECT_TRUE(with.find(e.key) != nullptr || listed(c.changed_keys, e.key)) << "new key " << e.key;
    EXPECT_NE(without.get_string("general.name").find(std::string("without ") + c.feature), std::string::npos);
    for (const TensorInfo& t : with.tensors()) {
        const TensorInfo* other = without.find_tensor(t.name);
        bool same = other && other->type == t.type && other->n_bytes == t.n_bytes;
        if (same) {
            const TensorView a = with.tensor(t), b = without.tensor(*other);
            same = std::equal(a.data, a.data + a.size, b.data);
        }
        EXPECT_EQ(same, !listed(c.changed_tensors, t.name)) << t.name;
    }
    for (const TensorInfo& t : without.tensors()) EXPECT_NE(with.find_tensor(t.name), nullptr) << "new tensor " << t.name;
    c.check(without);
}

const std::vector<std::string> kGemma3QkNorms = {"blk.0.attn_q_norm.weight", "blk.0.attn_k_norm.weight", "blk.1.attn_q_norm.weight",
                                                 "blk.1.attn_k_norm.weight", "blk.2.attn_q_norm.weight", "blk.2.attn_k_norm.weight"};

INSTANTIATE_TEST_SUITE_P(
    Features, SynthWithout,
    testing::Values(
        WithoutCase{kLlama3Shape, "rope_freqs", {}, {"rope_freqs.weight"}, [](const GgufFile& f) {
                        EXPECT_EQ(f.find_tensor("rope_freqs.weight"), nullptr);
                    }},
        WithoutCase{kPhi3Shape, "rope_factors", {}, {"rope_factors_long.weight", "rope_factors_short.weight"},
                    [](const GgufFile& f) { EXPECT_EQ(f.find_tensor("rope_factors_long.weight"), nullptr); }},
        WithoutCase{kPhi3Shape, "long_factors", {}, {"rope_factors_long.weight"},
                    [](const GgufFile& f) {
                        EXPECT_EQ(f.tensor("rope_factors_long.weight").to_floats(), f.tensor("rope_factors_short.weight").to_floats());
                    }},
        WithoutCase{kPhi3Shape, "rope_attn_factor", {"phi3.rope.scaling.attn_factor"}, {},
                    [](const GgufFile& f) { EXPECT_EQ(f.find("phi3.rope.scaling.attn_factor"), nullptr); }},
        WithoutCase{kQwen3Shape, "qk_norm", {}, {"blk.0.attn_q_norm.weight", "blk.0.attn_k_norm.weight", "blk.1.attn_q_norm.weight", "blk.1.attn_k_norm.weight"},
                    [](const GgufFile& f) {
                        for (float v : f.tensor("blk.1.attn_k_norm.weight").to_floats()) EXPECT_EQ(v, 1.0f);
                    }},
        WithoutCase{kGemma3Shape, "qk_norm", {}, kGemma3QkNorms,
                    [](const GgufFile& f) {
                        for (float v : f.tensor("blk.2.attn_q_norm.weight").to_floats()) EXPECT_EQ(v, 1.0f);
                    }},
        WithoutCase{kGemma2Shape, "attn_softcap", {"gemma2.attn_logit_softcapping"}, {},
                    [](const GgufFile& f) { EXPECT_EQ(f32(f, "gemma2.attn_logit_softcapping"), kSynthNoSoftcap); }},
        WithoutCase{kGemma2Shape, "final_softcap", {"gemma2.final_logit_softcapping"}, {},
                    [](const GgufFile& f) { EXPECT_EQ(f32(f, "gemma2.final_logit_softcapping"), kSynthNoSoftcap); }},
        WithoutCase{kGemma3Shape, "final_softcap", {"gemma3.final_logit_softcapping"}, {},
                    [](const GgufFile& f) { EXPECT_EQ(f.find("gemma3.final_logit_softcapping"), nullptr); }},
        WithoutCase{kGemma2Shape, "swa", {"gemma2.attention.sliding_window"}, {},
                    [](const GgufFile& f) { EXPECT_EQ(f.get_u64("gemma2.attention.sliding_window"), 4096u); }},
        WithoutCase{kGemma3Shape, "swa", {"gemma3.attention.sliding_window"}, {},
                    [](const GgufFile& f) { EXPECT_EQ(f.get_u64("gemma3.attention.sliding_window"), 4096u); }},
        WithoutCase{kGemma3Shape, "rope_base_swa", {"gemma3.rope.freq_base_swa"}, {},
                    [](const GgufFile& f) { EXPECT_EQ(f32(f, "gemma3.rope.freq_base_swa"), 1e6f); }},
        WithoutCase{kGemma3Shape, "rope_scaling", {"gemma3.rope.scaling.type", "gemma3.rope.scaling.factor"}, {},
                    [](const GgufFile& f) { EXPECT_EQ(f.find("gemma3.rope.scaling.type"), nullptr); }}),
    without_case_name);

TEST(SynthArchitectures, WithoutAFeatureTheModelLacksIsAnError) {
    const GgufFile& vocab = stories_vocab();
    expect_error([&] { synth_model_bytes(arch_options(kQwen3Shape, "q8_0", {"rope_freqs"}), vocab); },
                 "this qwen3 model has no rope_freqs to leave out");
    expect_error([&] { synth_model_bytes(arch_options("dim=256,layers=1,heads=4,ffn=256", "q8_0", {"rope_freqs"}), vocab); },
                 "this llama model has no rope_freqs");
    expect_error([&] { synth_model_bytes(arch_options(kGemma3Shape, "q8_0", {"attn_softcap"}), vocab); },
                 "this gemma3 model has no attn_softcap");
    expect_error([&] { synth_model_bytes(arch_options(kGemma2Shape, "q8_0", {"sliding"}), vocab); },
                 "unknown feature 'sliding' to leave out (known: rope_freqs, ");
}

TEST(SynthArchitectures, ShapeKeysBelongToTheirArchitectures) {
    expect_error([] { ModelShape::parse("dim=256,layers=1,heads=4,ffn=256,attn_softcap=5"); },
                 "attn_softcap is not a setting of llama models (only gemma2)");
    expect_error([] { ModelShape::parse("arch=qwen3,dim=256,layers=1,heads=4,ffn=256,swa=4"); },
                 "swa is not a setting of qwen3 models (only phi3, gemma2, gemma3)");
    expect_error([] { ModelShape::parse("arch=phi3,dim=256,layers=1,heads=4,ffn=256,head_dim=32"); },
                 "head_dim other than dim/heads is not a setting of phi3 models");
    expect_error([] { ModelShape::parse("arch=gemma2,dim=256,layers=1,heads=4,ffn=256,tied=0"); }, "tied=0 is not possible");
    expect_error([] { ModelShape::parse("arch=mamba,dim=256,layers=1,heads=4,ffn=256"); }, "unknown arch 'mamba'");
    expect_error([] { ModelShape::parse("arch=phi3,dim=256,layers=1,heads=4,ffn=256,rope_short=1:2"); },
                 "LongRoPE needs both rope_short and rope_long");
    expect_error([] { ModelShape::parse("dim=256,layers=1,heads=4,ffn=256,rope_freqs=8:1:4"); },
                 "rope_freqs=8:1:4 needs 4 values separated by ':'");
    expect_error([] { ModelShape::parse("dim=256,layers=1,heads=4,ffn=256,rope_scaling=linear"); }, "needs rope_scale");
    expect_error([] { ModelShape::parse("dim=256,layers=1,heads=4,ffn=256,rope_scaling=dynamic,rope_scale=2"); },
                 "rope_scaling=dynamic is not one of linear, yarn");
    expect_error([] { ModelShape::parse("qwen3-0.6b,head_dim=0"); }, "head_dim=0 is not a positive integer");
    // head_dim lets dim be no multiple of heads (Gemma-2-2B: 2304 / 8 = 288, head size 256).
    EXPECT_EQ(ModelShape::parse("arch=qwen3,dim=320,layers=1,heads=3,head_dim=64,ffn=256").q_dim(), 192u);
    // A preset with overrides keeps the rest of the preset.
    const ModelShape g = ModelShape::parse("gemma3-1b,layers=2,ctx=512");
    EXPECT_EQ(g.arch, "gemma3");
    EXPECT_EQ(g.layers, 2u);
    EXPECT_EQ(g.ctx, 512u);
    EXPECT_EQ(g.dim, 1152u);
    EXPECT_EQ(g.rope_base_swa, 1e4f);
    EXPECT_EQ(g.name, "gemma3-1b+");
}

// The presets have their models' dimensions: parameter counts as published (with the real
// vocabulary sizes), plus the few RoPE factors the GGUF adds.
TEST(SynthArchitectures, PresetsHaveTheRealModelsParameterCounts) {
    const auto parameters = [](const char* preset, uint32_t n_vocab) {
        uint64_t n = 0;
        for (const SynthTensor& t : synth_tensors(ModelShape::parse(preset), find_weight_format("q8_0"), n_vocab)) {
            uint64_t e = 1;
            for (uint64_t d : t.shape) e *= d;
            if (t.fill != SynthTensor::Fill::Values) n += e;
        }
        return n;
    };
    EXPECT_EQ(parameters("llama3.2-1b", 128256), 1235814400u);
    EXPECT_EQ(parameters("llama3-8b", 128256), 8030261248u);
    EXPECT_EQ(parameters("phi3.5-mini", 32064), 3821079552u);
    EXPECT_EQ(parameters("qwen3-0.6b", 151936), 596049920u);
    EXPECT_EQ(parameters("gemma2-2b", 256000), 2614341888u);
    EXPECT_EQ(parameters("gemma3-1b", 262144), 999885952u);
    EXPECT_EQ(parameters("gemma3-270m", 262144), 268098176u);
}

}  // namespace
}  // namespace chord
