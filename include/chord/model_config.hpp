// Hyper-parameters of a transformer model, read from GGUF metadata (`<arch>.*` keys) as current
// llama.cpp reads them for the architectures we run. Every `<arch>.*` key in a file is either read
// here and applied, or the load fails naming it: nothing that changes the arithmetic is ignored.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <string>

#include "chord/error.hpp"
#include "chord/gguf.hpp"

namespace chord {

enum class Architecture { Llama, Qwen2, Qwen3, Phi3, Gemma2, Gemma3 };

enum class FfnActivation { Silu, GeluTanh };  // gate activation of the gated feed-forward block

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

    // RoPE. Layers with a sliding window (Gemma) may rotate with their own base and scale.
    uint32_t n_rot = 0;        // dimensions of each head that RoPE rotates
    bool rope_neox = false;    // rotate (i, i + n_rot/2) pairs instead of (2i, 2i+1)
    float rope_freq_base = 10000.0f;
    float rope_freq_scale = 1.0f;  // 1 / scaling factor
    float rope_freq_base_swa = 10000.0f;
    float rope_freq_scale_swa = 1.0f;
    std::string rope_scaling_type = "linear";  // llama.cpp's default when the file names none
    float rope_ext_factor = 0.0f;   // YaRN's extrapolation mix: 1 with YaRN scaling, else 0
    float rope_attn_factor = 1.0f;  // cos/sin magnitude: YaRN's correction times rope.scaling.attn_factor
    uint32_t rope_orig_ctx = 0;     // context the RoPE scaling starts from (YaRN ramp, LongRoPE's choice)

    // Attention.
    float attention_scale = 0.0f;  // multiplies q·k (1/sqrt(head_dim) unless the architecture says otherwise)
    float attn_softcap = 0.0f;     // 0: no attention logit soft-capping
    uint32_t sliding_window = 0;   // 0: every layer attends to the whole context
    uint32_t swa_period = 0;       // layer l has the window when l % period < period - 1

    // Block structure.
    bool qk_norm = false;          // per-head RMSNorm of q and k before RoPE (Qwen3, Gemma 3)
    bool post_norms = false;       // RMSNorm of the attention and FFN outputs before the residual add (Gemma 2/3)
    FfnActivation ffn_activation = FfnActivation::Silu;
    float embedding_scale = 1.0f;  // the token embeddings are multiplied by it (Gemma: sqrt(n_embd))
    float final_softcap = 0.0f;    // 0: no final logit soft-capping

    // llama.cpp's pooling type of the file's embeddings (0 none, 1 mean, 2 cls, 3 last, 4 rank), -1:
    // none given. Only embeddings.hpp reads it: generation does not depend on it.
    int64_t pooling_type = -1;

    uint32_t q_width() const { return n_head * head_dim; }
    uint32_t kv_width() const { return n_head_kv * head_dim; }
    bool layer_has_window(uint32_t layer) const {
        return sliding_window != 0 && swa_period != 0 && layer % swa_period < swa_period - 1;
    }

    static ModelConfig from_gguf(const GgufFile& file) {
        Reader r(file);
        ModelConfig c;
        c.read_architecture(r);
        c.read_dimensions(r);
        c.read_rope(r);
        c.read_architecture_specifics(r);
        c.check_widths();
        r.refuse_unread_keys();
        c.n_vocab = uint32_t(file.get("tokenizer.ggml.tokens").as_array().size());
        return c;
    }

private:
    // Reads `<arch>.*` keys and remembers which, so that any other one can be refused by name.
    class Reader {
    public:
        explicit Reader(const GgufFile& file) : file_(file) {}
        const GgufFile& file() const { return file_; }
        void set_prefix(std::string prefix) { prefix_ = std::move(prefix); }

        const MetaValue* find(const std::string& key) {
            read_.insert(prefix_ + key);
            return file_.find(prefix_ + key);
        }
        bool has(const std::string& key) { return find(key) != nullptr; }
        // A count in (0, 2^30].
        uint32_t count(const std::string& key) {
            const MetaValue* v = find(key);
            if (!v) throw missing(key);
            const uint64_t n = v->as_u64();
            if (n == 0 || n > (1u << 30))
                throw Error(ErrorCode::Malformed, "metadata '" + prefix_ + key + "' is " + std::to_string(n) + ", out of range");
            return uint32_t(n);
        }
        uint32_t count_or(const std::string& key, uint32_t fallback) { return has(key) ? count(key) : fallback; }
        // Read as double and checked before narrowing: a double beyond float's range has no float
        // value, and one below its smallest becomes 0.
        float positive(const std::string& key) {
            const MetaValue* v = find(key);
            if (!v) throw missing(key);
            const double d = v->as_f64();
            if (!(d > 0.0 && d <= double(std::numeric_limits<float>::max()) && float(d) > 0.0f))
                throw Error(ErrorCode::Malformed, "metadata '" + prefix_ + key + "' is " + number_text(d) +
                                                      ", expected a positive finite number");
            return float(d);
        }
        float positive_or(const std::string& key, float fallback) { return has(key) ? positive(key) : fallback; }
        std::string name() const { return prefix_; }
        // The same words as GgufFile::get's.
        Error missing(const std::string& key) const {
            return Error(ErrorCode::MissingKey, "required metadata key '" + prefix_ + key + "' is missing");
        }

        // Keys under the architecture's prefix that nothing read. These are llama.cpp's hyper-
        // parameters of other features (experts, attention variants, …): computing without them
        // would be silently wrong. A few carry no arithmetic and are accepted.
        void refuse_unread_keys() const {
            static const std::set<std::string> kInformational = {"vocab_size", "rope.scaling.finetuned"};
            for (const MetaEntry& e : file_.metadata()) {
                const std::string key(e.key);
                if (key.compare(0, prefix_.size(), prefix_) != 0 || read_.count(key)) continue;
                if (kInformational.count(key.substr(prefix_.size()))) continue;
                throw Error(ErrorCode::Unsupported, "metadata key '" + key + "' is not supported: it changes how a " +
                                                        prefix_.substr(0, prefix_.size() - 1) +
                                                        " model computes in a way this library does not implement");
            }
        }

    private:
        const GgufFile& file_;
        std::string prefix_;
        std::set<std::string> read_;
    };

    void read_architecture(Reader& r) {
        architecture_name = std::string(r.file().get("general.architecture").as_text());
        static const std::pair<const char*, Architecture> kNames[] = {
            {"llama", Architecture::Llama},   {"qwen2", Architecture::Qwen2},   {"qwen3", Architecture::Qwen3},
            {"phi3", Architecture::Phi3},     {"gemma2", Architecture::Gemma2}, {"gemma3", Architecture::Gemma3}};
        const auto it = std::find_if(std::begin(kNames), std::end(kNames),
                                     [&](const auto& n) { return architecture_name == n.first; });
        if (it == std::end(kNames))
            throw Error(ErrorCode::Unsupported, "model architecture '" + architecture_name +
                                                    "' is not supported (supported: llama, qwen2, qwen3, phi3, gemma2, gemma3)");
        architecture = it->second;
        r.set_prefix(architecture_name + ".");
        rope_neox = architecture != Architecture::Llama;  // llama.cpp's LLAMA_ROPE_TYPE_NEOX for all the others
    }

    void read_dimensions(Reader& r) {
        n_embd = r.count("embedding_length");
        n_layer = r.count("block_count");
        n_head = r.count("attention.head_count");
        n_head_kv = r.count_or("attention.head_count_kv", n_head);
        n_ff = r.count("feed_forward_length");
        n_ctx_train = r.count("context_length");
        if (!r.has("attention.key_length") && n_embd % n_head != 0)
            throw Error(ErrorCode::Malformed, "embedding_length " + std::to_string(n_embd) +
                                                  " is not a multiple of attention.head_count " + std::to_string(n_head) +
                                                  " (and there is no attention.key_length)");
        head_dim = r.count_or("attention.key_length", n_embd / n_head);
        if (r.count_or("attention.value_length", head_dim) != head_dim)
            throw Error(ErrorCode::Unsupported, "value heads of a different width than key heads are not supported");
        rms_eps = r.positive("attention.layer_norm_rms_epsilon");
        if (const MetaValue* pooling = r.find("pooling_type")) pooling_type = pooling->as_i64();
        if (const MetaValue* experts = r.find("expert_count"); experts && experts->as_u64() != 0)
            throw Error(ErrorCode::Unsupported, "mixture-of-experts models ('" + r.name() + "expert_count' " +
                                                    std::to_string(experts->as_u64()) + ") are not supported");
        if (const MetaValue* used = r.find("expert_used_count"); used && used->as_u64() != 0)
            throw Error(ErrorCode::Unsupported, "mixture-of-experts models ('" + r.name() + "expert_used_count') are not supported");
    }

    // RoPE as llama.cpp sets it up (llama_model::load_hparams, llama_context's constructor).
    void read_rope(Reader& r) {
        n_rot = r.count_or("rope.dimension_count", head_dim);
        rope_freq_base = r.positive_or("rope.freq_base", 10000.0f);
        rope_orig_ctx = r.count_or("rope.scaling.original_context_length", n_ctx_train);
        if (const MetaValue* type = r.find("rope.scaling.type")) rope_scaling_type = std::string(type->as_text());
        if (rope_scaling_type != "none" && rope_scaling_type != "linear" && rope_scaling_type != "yarn" &&
            rope_scaling_type != "longrope")
            throw Error(ErrorCode::Unsupported, "RoPE scaling '" + rope_scaling_type + "' (metadata '" + r.name() +
                                                    "rope.scaling.type') is not supported (supported: none, linear, yarn, longrope)");
        float factor = 0.0f;  // 0: none given
        if (r.has("rope.scaling.factor")) factor = r.positive("rope.scaling.factor");
        else if (r.has("rope.scale_linear")) factor = r.positive("rope.scale_linear");  // the older key
        rope_freq_scale = rope_scaling_type == "none" || factor == 0.0f ? 1.0f : 1.0f / factor;
        if (!(rope_freq_scale > 0.0f) || !std::isfinite(rope_freq_scale))
            throw Error(ErrorCode::Malformed, "metadata '" + r.name() + "rope.scaling.factor' is too small to invert");
        if (rope_scaling_type == "yarn") {
            rope_ext_factor = 1.0f;
            // YaRN's magnitude correction, cancelled by the one ggml's rope applies itself: the net
            // is 1 unless a log multiplier says otherwise (which no supported family uses).
            const float scale = 1.0f / rope_freq_scale;
            const float mscale = scale <= 1.0f ? 1.0f : 0.1f * std::log(scale) + 1.0f;
            rope_attn_factor = mscale * (1.0f / (1.0f + 0.1f * std::log(scale)));
        }
        rope_attn_factor *= r.positive_or("rope.scaling.attn_factor", 1.0f);
        rope_freq_base_swa = rope_freq_base;
        rope_freq_scale_swa = rope_freq_scale;
    }

    void read_architecture_specifics(Reader& r) {
        attention_scale = 1.0f / std::sqrt(float(head_dim));
        switch (architecture) {
            case Architecture::Llama:
            case Architecture::Qwen2:
                break;
            case Architecture::Qwen3:
                qk_norm = true;
                break;
            case Architecture::Phi3:
                // llama.cpp turns Phi-3's sliding window off ("currently disabled"): so do we, to
                // compute what it computes. Phi-3.5's window (262144) exceeds any context anyway.
                (void)r.find("attention.sliding_window");
                break;
            case Architecture::Gemma2:
                read_gemma(r, /*gemma3=*/false);
                break;
            case Architecture::Gemma3:
                read_gemma(r, /*gemma3=*/true);
                break;
        }
    }

    // Gemma 2 and 3 (llama.cpp's llama_model_gemma2/gemma3::load_arch_hparams).
    void read_gemma(Reader& r, bool gemma3) {
        post_norms = true;
        ffn_activation = FfnActivation::GeluTanh;
        embedding_scale = std::sqrt(float(n_embd));
        // Google's reference scales queries by 1/sqrt(query_pre_attn_scalar), which llama.cpp
        // derives from the size: n_embd / n_head for the 27B models, the head size otherwise.
        const bool is_27b = n_layer == (gemma3 ? 62u : 46u);
        attention_scale = 1.0f / std::sqrt(float(is_27b ? n_embd / n_head : head_dim));
        if (gemma3) {
            qk_norm = true;
            sliding_window = r.has("attention.sliding_window") ? r.count("attention.sliding_window") : 0;
            if (sliding_window != 0) {
                swa_period = read_swa_period(r, 6);
                rope_freq_base_swa = r.positive_or("rope.freq_base_swa", 10000.0f);
                rope_freq_scale_swa = 1.0f;  // local layers are never scaled
            }
            final_softcap = r.has("final_logit_softcapping") ? r.positive("final_logit_softcapping") : 0.0f;
        } else {
            sliding_window = r.count_or("attention.sliding_window", 4096);
            swa_period = read_swa_period(r, 2);
            rope_freq_base_swa = r.positive_or("rope.freq_base_swa", rope_freq_base);
            attn_softcap = r.positive_or("attn_logit_softcapping", 50.0f);
            final_softcap = r.positive_or("final_logit_softcapping", 30.0f);
        }
    }

    static uint32_t read_swa_period(Reader& r, uint32_t fallback) {
        const MetaValue* v = r.find("attention.sliding_window_pattern");
        if (!v) return fallback;
        if (v->type() == MetaType::Array)
            throw Error(ErrorCode::Unsupported, "a per-layer '" + r.name() + "attention.sliding_window_pattern' is not supported");
        return r.count("attention.sliding_window_pattern");
    }

    void check_widths() const {
        if (uint64_t(n_head) * head_dim > (1u << 30) || uint64_t(n_ff) * 2 > (1u << 30))  // widths stay 32-bit
            throw Error(ErrorCode::Malformed, "head_count " + std::to_string(n_head) + " x key_length " +
                                                  std::to_string(head_dim) + " or feed_forward_length is out of range");
        if (n_head % n_head_kv != 0)
            throw Error(ErrorCode::Malformed, "attention.head_count " + std::to_string(n_head) +
                                                  " is not a multiple of head_count_kv " + std::to_string(n_head_kv));
        if (n_rot > head_dim || n_rot % 2 != 0)
            throw Error(ErrorCode::Malformed, "rope.dimension_count " + std::to_string(n_rot) + " does not fit head size " +
                                                  std::to_string(head_dim));
    }
};

}  // namespace chord
