// The good models the hostile corpus is made from, built in memory with random weights and real
// vocabularies from ../shared, each as small as its purpose allows (every case holds a copy).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "chord/gguf.hpp"
#include "chord/gguf_writer.hpp"
#include "chord/synth_model.hpp"
#include "gguf_surgery.hpp"

namespace chord::hostile {

struct BaseModels {
    // llama, dim 32, one layer, 2 heads / 1 KV head, F16 matrices and F32 norms, the 512-token
    // SentencePiece vocabulary of stories260K.
    std::vector<uint8_t> small;
    // As `small` with a byte-level BPE vocabulary: GPT-2's first 512 tokens and the 256 merges that make them.
    std::vector<uint8_t> bpe;
    // dim 256 (rows of whole K-quant blocks), two layers, its 2-D tensors in every weight type wasm-chord
    // reads, and a vocabulary of the 259 tokens that SentencePiece with byte fallback needs.
    std::vector<uint8_t> every_type;
};

// The type of each 2-D tensor of BaseModels::every_type.
inline const std::vector<std::pair<std::string, GgmlType>>& every_type_tensors() {
    static const std::vector<std::pair<std::string, GgmlType>> types = {
        // Q8_K only where no product is computed: the backends multiply by every other type, not by it.
        {"token_embd.weight", GgmlType::Q8_K},        {"blk.0.attn_q.weight", GgmlType::Q4_1},
        {"blk.0.attn_k.weight", GgmlType::Q5_0},      {"blk.0.attn_v.weight", GgmlType::Q5_1},
        {"blk.0.attn_output.weight", GgmlType::Q8_0}, {"blk.0.ffn_gate.weight", GgmlType::Q2_K},
        {"blk.0.ffn_up.weight", GgmlType::Q3_K},      {"blk.0.ffn_down.weight", GgmlType::Q4_K},
        {"blk.1.attn_q.weight", GgmlType::Q5_K},      {"blk.1.attn_k.weight", GgmlType::BF16},
        {"blk.1.attn_v.weight", GgmlType::F16},       {"blk.1.attn_output.weight", GgmlType::Q6_K},
        {"blk.1.ffn_gate.weight", GgmlType::Q4_0},    {"blk.1.ffn_up.weight", GgmlType::Q8_0},
        {"blk.1.ffn_down.weight", GgmlType::Q4_0},    {"output.weight", GgmlType::Q6_K},
    };
    return types;
}

// A vocabulary-only GGUF: the first `n_tokens` tokens of a vocabulary (with their scores and
// types) and its first `n_merges` BPE merges.
inline std::vector<uint8_t> vocab_slice(const GgufFile& vocab, size_t n_tokens, size_t n_merges) {
    GgufWriter w;
    for (const MetaEntry& e : vocab.metadata()) {
        const std::string key(e.key);
        if (key.substr(0, 10) != "tokenizer.") continue;
        if (key == "tokenizer.ggml.tokens" || key == "tokenizer.ggml.merges") {
            const std::vector<std::string_view> all = e.value.as_array().strings();
            const size_t n = key == "tokenizer.ggml.tokens" ? n_tokens : n_merges;
            w.set(key, GgufValue::strings(std::vector<std::string>(all.begin(), all.begin() + std::ptrdiff_t(n))));
        } else if (key == "tokenizer.ggml.token_type") {
            const std::vector<int32_t> all = e.value.as_array().numbers<int32_t>();
            w.set(key, GgufValue::numbers(MetaType::I32, std::vector<int32_t>(all.begin(), all.begin() + std::ptrdiff_t(n_tokens))));
        } else if (key == "tokenizer.ggml.scores") {
            const std::vector<float> all = e.value.as_array().numbers<float>();
            w.set(key, GgufValue::numbers(MetaType::F32, std::vector<float>(all.begin(), all.begin() + std::ptrdiff_t(n_tokens))));
        } else {
            w.set(key, GgufValue::copy_of(e.value));
        }
    }
    return w.to_bytes();
}

inline std::vector<uint8_t> synth_bytes(const std::string& shape, const std::string& type, const GgufFile& vocab) {
    SynthOptions o;
    o.shape = ModelShape::parse(shape);
    o.type = type;
    o.seed = 10;
    return synth_model_bytes(o, vocab);
}

// `shared_dir`: the shared test data (../shared from the project root).
inline BaseModels make_base_models(const std::string& shared_dir) {
    const GgufFile spm = GgufFile::open(shared_dir + "/models/stories260K-f32.gguf");
    const GgufFile gpt2 = GgufFile::open(shared_dir + "/vocab/ggml-vocab-gpt-2.gguf");
    const std::vector<uint8_t> bpe_vocab = vocab_slice(gpt2, 512, 256);
    const GgufFile bpe = GgufFile::from_memory(bpe_vocab.data(), bpe_vocab.size());
    const std::vector<uint8_t> bytes_vocab = vocab_slice(spm, 259, 0);  // <unk>, <s>, </s> and the 256 byte tokens
    const GgufFile spm_bytes = GgufFile::from_memory(bytes_vocab.data(), bytes_vocab.size());

    const char* const small_shape = "dim=32,layers=1,heads=2,kv_heads=1,ffn=64,ctx=64";
    BaseModels m;
    m.small = synth_bytes(small_shape, "f16", spm);
    m.bpe = synth_bytes(small_shape, "f16", bpe);
    Recipe every = Recipe::of(synth_bytes("dim=256,layers=2,heads=2,kv_heads=1,ffn=256,ctx=64", "f32", spm_bytes));
    for (const auto& [name, type] : every_type_tensors()) every.convert(name, type);
    m.every_type = every.bytes();
    return m;
}

}  // namespace chord::hostile
