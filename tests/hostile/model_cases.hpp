// Hostile cases for the model a valid GGUF file describes: a vocabulary that disagrees with the
// embedding, missing tensors and keys, wrong shapes and types, hyper-parameters out of range,
// tokenizers that cannot work, and a model (or KV cache) that cannot fit in memory.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "base_models.hpp"
#include "gguf_surgery.hpp"
#include "hostile_case.hpp"

namespace chord::hostile {

inline std::vector<std::string> strings_of(const Recipe& r, const std::string& key) {
    std::vector<std::string> out;
    const GgufFile file = GgufFile::from_buffer(r.bytes());  // alive while its strings are copied
    for (std::string_view s : file.get(key).as_array().strings()) out.emplace_back(s);
    return out;
}

inline void add_vocabulary_cases(CaseSink& sink, const BaseModels& models) {
    const Recipe base = Recipe::of(models.small);
    const std::vector<std::string> tokens = strings_of(base, "tokenizer.ggml.tokens");
    for (uint64_t rows : {uint64_t(1), uint64_t(511), uint64_t(513), uint64_t(1024)})
        sink.add("token_embd.weight of " + std::to_string(rows) + " rows", Recipe(base).reshape("token_embd.weight", {32, rows}).bytes(),
                 ErrorCode::Malformed, "the vocabulary has 512 tokens but token_embd.weight has " + std::to_string(rows) + " rows");
    for (uint64_t rows : {uint64_t(511), uint64_t(513)})
        sink.add("output.weight of " + std::to_string(rows) + " rows", Recipe(base).reshape("output.weight", {32, rows}).bytes(),
                 ErrorCode::Malformed, "tensor 'output.weight' has the wrong shape for this model (expected [32, 512])");

    std::vector<std::string> fewer(tokens.begin(), tokens.end() - 1);
    sink.add("511 tokens", Recipe(base).set("tokenizer.ggml.tokens", GgufValue::strings(fewer)).bytes(), ErrorCode::Malformed,
             "the vocabulary has 511 tokens but token_embd.weight has 512 rows");
    std::vector<std::string> more = tokens;
    more.push_back("hostile");
    std::vector<float> scores(513, 0.0f);
    std::vector<int32_t> types(513, 1);
    sink.add("513 tokens",
             Recipe(base)
                 .set("tokenizer.ggml.tokens", GgufValue::strings(more))
                 .set("tokenizer.ggml.scores", GgufValue::numbers(MetaType::F32, scores))
                 .set("tokenizer.ggml.token_type", GgufValue::numbers(MetaType::I32, types))
                 .bytes(),
             ErrorCode::Malformed, "the vocabulary has 513 tokens but token_embd.weight has 512 rows");
    sink.add("no tokens", Recipe(base).set("tokenizer.ggml.tokens", GgufValue::strings({})).bytes(), ErrorCode::Malformed,
             "tokenizer.ggml.tokens has 0 entries");
    sink.add("511 scores", Recipe(base).set("tokenizer.ggml.scores", GgufValue::numbers(MetaType::F32, std::vector<float>(511))).bytes(),
             ErrorCode::Malformed, "tokenizer.ggml.scores has fewer entries than tokens");
    sink.add("511 token types",
             Recipe(base).set("tokenizer.ggml.token_type", GgufValue::numbers(MetaType::I32, std::vector<int32_t>(511, 1))).bytes(),
             ErrorCode::Malformed, "tokenizer.ggml.token_type has fewer entries than tokens");
    for (size_t at : {size_t(10), size_t(511)}) {
        std::vector<std::string> twice = tokens;
        twice[at] = twice[at - 1];
        sink.add("token " + std::to_string(at) + " repeats token " + std::to_string(at - 1),
                 Recipe(base).set("tokenizer.ggml.tokens", GgufValue::strings(twice)).bytes(), ErrorCode::Malformed,
                 "duplicate token in vocabulary");
    }
}

inline void add_missing_cases(CaseSink& sink, const BaseModels& models) {
    const Recipe base = Recipe::of(models.small);
    for (const Recipe::Tensor& t : base.tensors) {
        if (t.name == "output.weight") continue;  // optional: the embedding is tied
        // Without ffn_gate a layer reads as phi3's fused [gate | up] in ffn_up.
        const std::string error = t.name == "blk.0.ffn_gate.weight" ? "tensor 'blk.0.ffn_up.weight' has the wrong shape"
                                                                   : "model tensor '" + t.name + "' is missing";
        sink.add("no '" + t.name + "'", Recipe(base).erase_tensor(t.name).bytes(),
                 t.name == "blk.0.ffn_gate.weight" ? ErrorCode::Malformed : ErrorCode::NotFound, error);
    }
    for (const char* key : {"general.architecture", "llama.embedding_length", "llama.block_count", "llama.attention.head_count",
                            "llama.feed_forward_length", "llama.context_length", "llama.attention.layer_norm_rms_epsilon",
                            "tokenizer.ggml.model", "tokenizer.ggml.tokens"})
        sink.add(std::string("no '") + key + "'", Recipe(base).erase(key).bytes(), ErrorCode::MissingKey,
                 std::string("required metadata key '") + key + "' is missing");
    sink.add("BPE without merges", Recipe::of(models.bpe).erase("tokenizer.ggml.merges").bytes(), ErrorCode::MissingKey,
             "BPE vocabulary without tokenizer.ggml.merges");
}

inline void add_shape_cases(CaseSink& sink, const BaseModels& models) {
    const Recipe base = Recipe::of(models.small);
    for (const Recipe::Tensor& t : base.tensors) {
        std::vector<std::vector<uint64_t>> shapes;
        if (t.shape.size() == 1) {
            shapes = {{t.shape[0] + 1}, {t.shape[0], 1}, {t.shape[0] / 2}, {t.shape[0], 1, 1, 1}};
        } else {
            shapes = {{t.shape[0] + 1, t.shape[1]}, {t.shape[0], t.shape[1] + 1}, {t.shape[0] * t.shape[1]},
                      {t.shape[0], t.shape[1], 1}};
            if (t.shape[0] != t.shape[1]) shapes.push_back({t.shape[1], t.shape[0]});  // transposed
        }
        for (const std::vector<uint64_t>& shape : shapes) {
            std::string spelled;
            for (uint64_t d : shape) spelled += (spelled.empty() ? "" : ", ") + std::to_string(d);
            // The embedding is checked against the vocabulary first.
            const std::string error = t.name == "token_embd.weight" ? "token_embd.weight" : "tensor '" + t.name + "' has the wrong shape";
            sink.add("'" + t.name + "' of shape [" + spelled + "]", Recipe(base).reshape(t.name, shape).bytes(), ErrorCode::Malformed, error);
        }
    }
}

// Metadata values of the wrong type, or out of range.
inline void add_metadata_value_cases(CaseSink& sink, const BaseModels& models) {
    const Recipe base = Recipe::of(models.small);
    const auto with = [&](const std::string& key, GgufValue value) { return Recipe(base).set(key, std::move(value)).bytes(); };
    for (const char* key : {"llama.embedding_length", "llama.block_count", "llama.attention.head_count", "llama.attention.head_count_kv",
                            "llama.feed_forward_length", "llama.context_length", "llama.rope.dimension_count"}) {
        const std::string k = key;
        sink.add(k + " as a string", with(k, GgufValue::string("32")), ErrorCode::WrongType, "metadata '" + k + "' is string, expected an integer");
        sink.add(k + " as f32", with(k, GgufValue::f32(32)), ErrorCode::WrongType, "metadata '" + k + "' is f32, expected an integer");
        sink.add(k + " as bool", with(k, GgufValue::boolean(true)), ErrorCode::WrongType, "metadata '" + k + "' is bool, expected an integer");
        sink.add(k + " -1", with(k, GgufValue::i32(-1)), ErrorCode::WrongType, "metadata '" + k + "' is -1, expected a non-negative integer");
        for (uint64_t v : {uint64_t(0), (uint64_t(1) << 30) + 1, uint64_t(1) << 40, UINT64_MAX})
            sink.add(k + " " + std::to_string(v), with(k, GgufValue::u64(v)), ErrorCode::Malformed,
                     "metadata '" + k + "' is " + std::to_string(v) + ", out of range");
    }
    sink.add("general.architecture as u32", with("general.architecture", GgufValue::u32(1)), ErrorCode::WrongType,
             "metadata 'general.architecture' is u32, expected a string");
    sink.add("tokenizer.ggml.tokens as a string", with("tokenizer.ggml.tokens", GgufValue::string("a")), ErrorCode::WrongType,
             "metadata 'tokenizer.ggml.tokens' is string, expected an array");
    sink.add("tokenizer.ggml.tokens of u32",
             with("tokenizer.ggml.tokens", GgufValue::numbers(MetaType::U32, std::vector<uint32_t>(512, 7))), ErrorCode::WrongType,
             "metadata 'tokenizer.ggml.tokens' is u32, expected a string");
    sink.add("tokenizer.ggml.scores of strings",
             with("tokenizer.ggml.scores", GgufValue::strings(std::vector<std::string>(512, "0"))), ErrorCode::WrongType,
             "metadata 'tokenizer.ggml.scores' is an array of string, expected numbers");
    // Float token types: NaN, or beyond int64, has no integer value.
    const double not_integers[] = {std::nan(""), 1e300, -1e300, std::numeric_limits<double>::infinity()};
    for (double bad : not_integers) {
        std::vector<double> types(512, 1.0);
        types[100] = bad;
        sink.add("token type " + number_text(bad), with("tokenizer.ggml.token_type", GgufValue::numbers(MetaType::F64, types)),
                 ErrorCode::WrongType, "metadata 'tokenizer.ggml.token_type' element 100 is " + number_text(bad) + ", not an integer");
    }
    sink.add("add_bos_token as u8", with("tokenizer.ggml.add_bos_token", GgufValue::u8(1)), ErrorCode::WrongType,
             "metadata 'tokenizer.ggml.add_bos_token' is u8, expected a bool");
}

inline void add_hyperparameter_cases(CaseSink& sink, const BaseModels& models) {
    const Recipe base = Recipe::of(models.small);  // dim 32, 2 heads of 16, 1 KV head
    const auto with = [&](std::vector<std::pair<std::string, GgufValue>> values) {
        Recipe r = base;
        for (auto& [k, v] : values) r.set(k, std::move(v));
        return r.bytes();
    };
    const std::string heads = "llama.attention.head_count", kv_heads = "llama.attention.head_count_kv";
    for (uint32_t h : {3u, 5u, 64u, 1000u})
        sink.add("head_count " + std::to_string(h), with({{heads, GgufValue::u32(h)}}), ErrorCode::Malformed,
                 "embedding_length 32 is not a multiple of attention.head_count " + std::to_string(h));
    for (uint32_t kv : {3u, 4u})
        sink.add("head_count_kv " + std::to_string(kv), with({{kv_heads, GgufValue::u32(kv)}}), ErrorCode::Malformed,
                 "attention.head_count 2 is not a multiple of head_count_kv " + std::to_string(kv));
    // key_length × head_count past 2^32: the widths would wrap around to the tensors' 32 in 32 bits.
    sink.add("key_length 2^29 + 4 with 8 heads",
             with({{heads, GgufValue::u32(8)}, {kv_heads, GgufValue::u32(8)},
                   {"llama.attention.key_length", GgufValue::u32((1u << 29) + 4)}, {"llama.rope.dimension_count", GgufValue::u32(16)}}),
             ErrorCode::Malformed, "head_count 8 x key_length 536870916");
    sink.add("feed_forward_length 2^29 + 1", with({{"llama.feed_forward_length", GgufValue::u32((1u << 29) + 1)}}), ErrorCode::Malformed,
             "or feed_forward_length is out of range");
    sink.add("value_length 8", with({{"llama.attention.value_length", GgufValue::u32(8)}}), ErrorCode::Unsupported,
             "value heads of a different width");
    for (uint32_t rot : {17u, 18u, 64u})
        sink.add("rope.dimension_count " + std::to_string(rot), with({{"llama.rope.dimension_count", GgufValue::u32(rot)}}),
                 ErrorCode::Malformed, "rope.dimension_count " + std::to_string(rot) + " does not fit head size 16");
    sink.add("block_count 2", with({{"llama.block_count", GgufValue::u32(2)}}), ErrorCode::NotFound,
             "model tensor 'blk.1.attn_norm.weight' is missing");
    sink.add("block_count 2^30", with({{"llama.block_count", GgufValue::u32(1u << 30)}}), ErrorCode::OutOfMemory, "KV cache");

    // Floats that must be positive and finite; doubles beyond float's range (or below its smallest).
    const double inf = std::numeric_limits<double>::infinity();
    const std::vector<std::pair<std::string, std::vector<GgufValue>>> floats = {
        {"llama.attention.layer_norm_rms_epsilon",
         {GgufValue::f32(std::nanf("")), GgufValue::f32(float(inf)), GgufValue::f32(0), GgufValue::f32(-1e-5f), GgufValue::f64(1e300),
          GgufValue::f64(1e-50), GgufValue::f64(-inf)}},
        {"llama.rope.freq_base",
         {GgufValue::f32(std::nanf("")), GgufValue::f32(float(inf)), GgufValue::f32(0), GgufValue::f32(-10000), GgufValue::f64(1e39),
          GgufValue::f64(1e-60)}},
    };
    for (const auto& [key, values] : floats)
        for (const GgufValue& v : values) {
            double x;
            if (v.type == MetaType::F32) {
                float f;
                std::memcpy(&f, v.bytes.data(), sizeof f);
                x = f;
            } else {
                std::memcpy(&x, v.bytes.data(), sizeof x);
            }
            sink.add(key + " " + number_text(x), with({{key, v}}), ErrorCode::Malformed,
                     "metadata '" + key + "' is " + number_text(x) + ", expected a positive finite number");
        }
    for (double factor : {0.0, -2.0, std::nan(""), inf, 1e300})
        sink.add("rope.scaling.factor " + number_text(factor),
                 with({{"llama.rope.scaling.type", GgufValue::string("linear")}, {"llama.rope.scaling.factor", GgufValue::f64(factor)}}),
                 ErrorCode::Malformed, "metadata 'llama.rope.scaling.factor' is " + number_text(factor));
    sink.add("rope.scaling.factor 1e-40",
             with({{"llama.rope.scaling.type", GgufValue::string("linear")}, {"llama.rope.scaling.factor", GgufValue::f32(1e-40f)}}),
             ErrorCode::Malformed, "metadata 'llama.rope.scaling.factor' is too small to invert");
    sink.add("rope.scaling.type dynamic", with({{"llama.rope.scaling.type", GgufValue::string("dynamic")}}), ErrorCode::Unsupported,
             "RoPE scaling 'dynamic' (metadata 'llama.rope.scaling.type') is not supported");
    // Keys of features this library does not compute are refused by name, never ignored.
    for (const char* key : {"llama.attention.logit_softcapping", "llama.attention.sliding_window", "llama.no_such_key"})
        sink.add(std::string("unread key ") + key, with({{key, GgufValue::f32(30.0f)}}), ErrorCode::Unsupported,
                 std::string("metadata key '") + key + "' is not supported");
    sink.add("mixture of experts", with({{"llama.expert_count", GgufValue::u32(8)}}), ErrorCode::Unsupported,
             "mixture-of-experts models ('llama.expert_count'");
    for (const char* arch : {"gpt2", "", "LLAMA", "llama "})
        sink.add(std::string("architecture '") + arch + "'", with({{"general.architecture", GgufValue::string(arch)}}),
                 ErrorCode::Unsupported, std::string("model architecture '") + arch + "' is not supported");
}

inline void add_tokenizer_cases(CaseSink& sink, const BaseModels& models) {
    const Recipe spm = Recipe::of(models.small), bpe = Recipe::of(models.bpe);
    for (const char* model : {"bert", "rwkv", "", "gpt-2"})
        sink.add(std::string("tokenizer model '") + model + "'", Recipe(spm).set("tokenizer.ggml.model", GgufValue::string(model)).bytes(),
                 ErrorCode::Unsupported, std::string("tokenizer model '") + model + "' is not supported");
    for (const char* pre : {"no-such-pre-tokenizer", "", "GPT-2"})
        sink.add(std::string("pre-tokenizer '") + pre + "'", Recipe(bpe).set("tokenizer.ggml.pre", GgufValue::string(pre)).bytes(),
                 ErrorCode::Unsupported, std::string("unknown pre-tokenizer '") + pre + "'");
    sink.add("BPE merges of u32", Recipe(bpe).set("tokenizer.ggml.merges", GgufValue::numbers(MetaType::U32, std::vector<uint32_t>(4))).bytes(),
             ErrorCode::WrongType, "metadata 'tokenizer.ggml.merges' is u32, expected a string");
}

// Models that cannot fit: a context of billions of tokens, and budgets smaller than the model.
inline void add_memory_cases(CaseSink& sink, const BaseModels& models) {
    for (const auto& [name, bytes] : {std::pair<const char*, const std::vector<uint8_t>&>{"small", models.small},
                                      std::pair<const char*, const std::vector<uint8_t>&>{"every-type", models.every_type}}) {
        // KV cache: 512 GB (small) and terabytes (every-type) at 4e9 tokens.
        const bool large = std::string(name) == "every-type";
        for (uint32_t n_ctx : {4000000000u, UINT32_MAX, 1u << 31}) {
            if (!large && n_ctx != 4000000000u) continue;
            ModelOptions o = quick_load_options();
            o.n_ctx = n_ctx;
            sink.add(std::string(name) + " with a context of " + std::to_string(n_ctx), bytes, ErrorCode::OutOfMemory,
                     "KV cache for " + std::to_string(n_ctx) + " tokens", o);
        }
        for (uint64_t budget : {uint64_t(1), uint64_t(1) << 10, uint64_t(bytes.size()) - 1, uint64_t(bytes.size())}) {
            ModelOptions o = quick_load_options();
            o.max_memory = budget;
            sink.add(std::string(name) + " with a budget of " + std::to_string(budget) + " bytes", bytes, ErrorCode::OutOfMemory,
                     "the memory budget (maxMemory) is", o);
        }
    }
}

}  // namespace chord::hostile
