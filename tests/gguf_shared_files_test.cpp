// Every shared model and vocabulary parses, and what it says about itself is what we know of it.
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>

#include "chord/gguf.hpp"
#include "test_support.hpp"

namespace chord {
namespace {

TEST(SharedFiles, EveryModelAndVocabularyParsesWithConsistentTensorData) {
    const auto files = test::shared_gguf_files();
    ASSERT_GE(files.size(), 20u);  // 14 models and 6 vocabularies at the time of writing
    for (const auto& path : files) {
        SCOPED_TRACE(path.filename().string());
        const GgufFile f = GgufFile::open(path.string());
        EXPECT_EQ(f.version(), 3u);
        EXPECT_FALSE(f.get_string("tokenizer.ggml.model").empty());
        EXPECT_GT(f.get("tokenizer.ggml.tokens").as_array().size(), 0u);
        // llama.cpp writes tensor data back to back in table order, each aligned.
        uint64_t expected_offset = 0;
        for (const TensorInfo& t : f.tensors()) {
            EXPECT_EQ(t.offset, expected_offset) << t.name;
            expected_offset = (t.offset + t.n_bytes + f.alignment() - 1) / f.alignment() * f.alignment();
            EXPECT_LE(f.data_offset() + t.offset + t.n_bytes, f.file_size());
        }
    }
}

TEST(SharedFiles, StoriesModelDescribesItself) {
    const GgufFile f = GgufFile::open((test::shared_dir() / "models" / "stories260K-f32.gguf").string());
    EXPECT_EQ(f.get_string("general.architecture"), "llama");
    EXPECT_EQ(f.get_u64("llama.embedding_length"), 64u);
    EXPECT_EQ(f.get_u64("llama.block_count"), 5u);
    EXPECT_EQ(f.get_u64("llama.attention.head_count"), 8u);
    EXPECT_EQ(f.get_u64("llama.attention.head_count_kv"), 4u);
    EXPECT_EQ(f.get_u64("llama.feed_forward_length"), 172u);
    EXPECT_FLOAT_EQ(f.get("llama.attention.layer_norm_rms_epsilon").as_f32(), 1e-5f);
    const MetaArray tokens = f.get("tokenizer.ggml.tokens").as_array();
    ASSERT_EQ(tokens.size(), 512u);
    EXPECT_EQ(tokens[1].as_string(), "<s>");
    EXPECT_EQ(f.get("tokenizer.ggml.scores").as_array().numbers<float>().size(), 512u);
    EXPECT_EQ(f.tensors().size(), 3u + 5u * 9u);
    const TensorInfo* embedding = f.find_tensor("token_embd.weight");
    ASSERT_NE(embedding, nullptr);
    EXPECT_EQ(embedding->type, GgmlType::F32);
    EXPECT_EQ(embedding->shape[0], 64u);
    EXPECT_EQ(embedding->shape[1], 512u);
    const std::vector<float> norm = f.tensor("output_norm.weight").to_floats();
    ASSERT_EQ(norm.size(), 64u);
    for (float w : norm) EXPECT_TRUE(std::isfinite(w));
}

TEST(SharedFiles, SynthModelsShareOneShapeAcrossWeightTypes) {
    for (const auto& path : test::shared_files("models", ".gguf")) {
        const std::string name = path.filename().string();
        if (name.rfind("synth-llama-", 0) != 0) continue;
        SCOPED_TRACE(name);
        const GgufFile f = GgufFile::open(path.string());
        EXPECT_EQ(f.get_u64("llama.embedding_length"), 256u);
        EXPECT_EQ(f.get_u64("llama.block_count"), 2u);
        EXPECT_EQ(f.find_tensor("output.weight"), nullptr);  // tied embeddings
        const TensorInfo* q = f.find_tensor("blk.0.attn_q.weight");
        ASSERT_NE(q, nullptr);
        EXPECT_EQ(q->shape[0], 256u);
        EXPECT_EQ(q->shape[1], 256u);
        // The file name says the type of its 2-D tensors.
        std::string type = type_name(q->type);
        for (char& c : type) c = char(std::tolower(c));
        EXPECT_EQ(name, "synth-llama-" + type + ".gguf");
    }
}

TEST(SharedFiles, QwenModelHasBiasesAndMixedTypes) {
    const GgufFile f = GgufFile::open((test::shared_dir() / "models" / "synth-qwen2-bpe-q4_k_m.gguf").string());
    EXPECT_EQ(f.get_string("general.architecture"), "qwen2");
    EXPECT_EQ(f.get_f64("qwen2.rope.freq_base"), 1e6);
    EXPECT_EQ(f.get_string("tokenizer.ggml.pre"), "gpt-2");
    EXPECT_EQ(f.get("tokenizer.ggml.merges").as_array().size(), 50000u);
    EXPECT_NE(f.find_tensor("blk.1.attn_q.bias"), nullptr);
    EXPECT_EQ(f.find_tensor("token_embd.weight")->type, GgmlType::Q6_K);
    EXPECT_EQ(f.find_tensor("blk.0.attn_q.weight")->type, GgmlType::Q4_K);
}

TEST(SharedFiles, VocabularyFilesHaveNoTensors) {
    for (const auto& path : test::shared_files("vocab", ".gguf")) {
        SCOPED_TRACE(path.filename().string());
        const GgufFile f = GgufFile::open(path.string());
        EXPECT_TRUE(f.tensors().empty());
        EXPECT_LE(f.data_offset(), f.file_size());
    }
}

}  // namespace
}  // namespace chord
