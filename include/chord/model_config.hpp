// Hyper-parameters of a llama-family model, read from GGUF metadata (`<arch>.*` keys).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "chord/error.hpp"
#include "chord/gguf.hpp"

namespace chord {

enum class Architecture { Llama, Qwen2, Phi3 };

struct ModelConfig {
    Architecture architecture = Architecture::Llama;
    std::string architecture_name;  // general.architecture
    uint32_t n_vocab = 0;
    uint32_t n_embd = 0;       // residual stream width
    uint32_t n_layer = 0;
    uint32_t n_head = 0;
    uint32_t n_head_kv = 0;    // < n_head: grouped-query attention
    uint32_t head_dim = 0;     // per head, for queries and keys (and values)
    uint32_t n_ff = 0;         // feed-forward hidden width
    uint32_t n_ctx_train = 0;  // context length the model was trained with
    float rms_eps = 1e-5f;
    uint32_t n_rot = 0;        // dimensions of each head that RoPE rotates
    float rope_freq_base = 10000.0f;
    float rope_freq_scale = 1.0f;  // 1 / linear scaling factor
    bool rope_neox = false;        // rotate (i, i + n_rot/2) pairs instead of (2i, 2i+1)

    uint32_t q_width() const { return n_head * head_dim; }
    uint32_t kv_width() const { return n_head_kv * head_dim; }

    static ModelConfig from_gguf(const GgufFile& file) {
        ModelConfig c;
        c.architecture_name = std::string(file.get("general.architecture").as_text());
        if (c.architecture_name == "llama") {
            c.architecture = Architecture::Llama;
        } else if (c.architecture_name == "qwen2") {
            c.architecture = Architecture::Qwen2;
            c.rope_neox = true;
        } else if (c.architecture_name == "phi3") {
            c.architecture = Architecture::Phi3;
            c.rope_neox = true;
        } else {
            throw Error(ErrorCode::Unsupported, "model architecture '" + c.architecture_name +
                                                    "' is not supported (supported: llama, qwen2, phi3)");
        }
        const std::string a = c.architecture_name + ".";
        const auto u32 = [&](const std::string& key) {
            const uint64_t v = file.get_u64(a + key);
            if (v == 0 || v > (1u << 30))
                throw Error(ErrorCode::Malformed, "metadata '" + a + key + "' is " + std::to_string(v) + ", out of range");
            return uint32_t(v);
        };
        c.n_embd = u32("embedding_length");
        c.n_layer = u32("block_count");
        c.n_head = u32("attention.head_count");
        c.n_head_kv = file.find(a + "attention.head_count_kv") ? u32("attention.head_count_kv") : c.n_head;
        c.n_ff = u32("feed_forward_length");
        c.n_ctx_train = u32("context_length");
        if (!file.find(a + "attention.key_length") && c.n_embd % c.n_head != 0)
            throw Error(ErrorCode::Malformed, "embedding_length " + std::to_string(c.n_embd) +
                                                  " is not a multiple of attention.head_count " + std::to_string(c.n_head) +
                                                  " (and there is no attention.key_length)");
        c.head_dim = file.find(a + "attention.key_length") ? u32("attention.key_length") : c.n_embd / c.n_head;
        // Read as double and checked before narrowing: a double beyond float's range has no float
        // value, and one below its smallest becomes 0.
        const auto positive = [&](const std::string& key, double v) {
            if (!(v > 0.0 && v <= double(std::numeric_limits<float>::max()) && float(v) > 0.0f))
                throw Error(ErrorCode::Malformed, "metadata '" + a + key + "' is " + number_text(v) +
                                                      ", expected a positive finite number");
            return float(v);
        };
        c.rms_eps = positive("attention.layer_norm_rms_epsilon", file.get_f64(a + "attention.layer_norm_rms_epsilon"));
        c.n_rot = file.find(a + "rope.dimension_count") ? u32("rope.dimension_count") : c.head_dim;
        c.rope_freq_base = positive("rope.freq_base", file.get_f64_or(a + "rope.freq_base", 10000.0));
        if (const MetaValue* type = file.find(a + "rope.scaling.type"); type && type->as_text() != "none") {
            if (type->as_text() != "linear")
                throw Error(ErrorCode::Unsupported, "RoPE scaling '" + std::string(type->as_text()) + "' is not supported");
            c.rope_freq_scale = 1.0f / positive("rope.scaling.factor", file.get_f64(a + "rope.scaling.factor"));
            if (!std::isfinite(c.rope_freq_scale))
                throw Error(ErrorCode::Malformed, "metadata '" + a + "rope.scaling.factor' is too small to invert");
        }
        if (const MetaValue* v = file.find(a + "attention.value_length"); v && v->as_u64() != c.head_dim)
            throw Error(ErrorCode::Unsupported, "value heads of a different width than key heads are not supported");
        if (uint64_t(c.n_head) * c.head_dim > (1u << 30) || uint64_t(c.n_ff) * 2 > (1u << 30))  // widths stay 32-bit
            throw Error(ErrorCode::Malformed, "head_count " + std::to_string(c.n_head) + " x key_length " +
                                                  std::to_string(c.head_dim) + " or feed_forward_length is out of range");
        if (c.n_head % c.n_head_kv != 0)
            throw Error(ErrorCode::Malformed, "attention.head_count " + std::to_string(c.n_head) +
                                                  " is not a multiple of head_count_kv " + std::to_string(c.n_head_kv));
        if (c.n_rot > c.head_dim || c.n_rot % 2 != 0)
            throw Error(ErrorCode::Malformed, "rope.dimension_count " + std::to_string(c.n_rot) + " does not fit head size " +
                                                  std::to_string(c.head_dim));
        c.n_vocab = uint32_t(file.get("tokenizer.ggml.tokens").as_array().size());
        return c;
    }
};

}  // namespace chord
