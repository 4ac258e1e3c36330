// Writes a GGUF model of any shape with random weights and a real vocabulary, quantized by our
// own quantizers: benchmark models that need no download, and small test models whose features
// (RoPE factors, soft-capping, sliding windows, q/k norms, …) are strong enough to matter, each
// loadable by llama.cpp as well as by us.
//
// Architectures: llama (optionally with Llama 3's rope_freqs.weight), phi3 (fused attn_qkv and
// ffn_up, LongRoPE factor tensors), qwen3 (q/k norms, head size apart from dim/heads), gemma2
// and gemma3 (post-norms, soft-capping, sliding windows, two RoPE bases). Each file has exactly
// the metadata keys and tensors that llama.cpp's converter (convert_hf_to_gguf.py) writes for
// the architecture and its loader (src/llama-model.cpp, src/models/<arch>.cpp) reads.
//
// The layout (metadata, the vocabulary's tokenizer.* keys, the tensor table) is fixed first;
// then each tensor is generated and quantized a few rows at a time and streamed to the file,
// so memory stays at one chunk however large the model. The same options give the same bytes,
// and every tensor's values depend only on the seed and its name: a model written without a
// feature (SynthOptions::without) has the very same weights everywhere else.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "chord/error.hpp"
#include "chord/gguf.hpp"
#include "chord/gguf_stream_writer.hpp"
#include "chord/gguf_writer.hpp"
#include "chord/model_shape.hpp"
#include "chord/quantize_weights.hpp"
#include "chord/type_traits.hpp"
#include "chord/weight_formats.hpp"
#include "chord/weight_rng.hpp"

namespace chord {

constexpr float kSynthWeightStd = 0.02f;  // matrices, unless SynthOptions says otherwise; norm weights are 1

// A soft-cap so large that tanh(x / cap) * cap is x to float precision: what "without
// soft-capping" writes for Gemma 2, whose loader caps at 50 / 30 when the keys are absent.
constexpr float kSynthNoSoftcap = 1.0e6f;

// The features a model can be written without (SynthOptions::without), to show that a test model
// is sensitive to each: the same file, weights and all, but computing as an implementation that
// ignores the feature would.
struct SynthFeature {
    const char* name;
    const char* effect;
};
inline constexpr SynthFeature kSynthFeatures[] = {
    {"rope_freqs", "llama: no rope_freqs.weight (plain RoPE)"},
    {"rope_factors", "phi3: no rope_factors_long/short.weight (plain RoPE)"},
    {"long_factors", "phi3: rope_factors_long.weight holds the short factors (as if the short ones were always chosen)"},
    {"rope_attn_factor", "no rope.scaling.attn_factor key (factor 1)"},
    {"qk_norm", "qwen3, gemma3: q/k norm weights all 1 (the normalization itself stays)"},
    {"attn_softcap", "gemma2: attention soft-cap 1e6, which never bites (without the key llama.cpp caps at 50)"},
    {"final_softcap", "gemma2: final soft-cap 1e6 (without the key llama.cpp caps at 30); gemma3: no key"},
    {"swa", "gemma2, gemma3: sliding window max(ctx, 4096), wider than any prompt (per-layer RoPE bases stay)"},
    {"rope_base_swa", "gemma2, gemma3: windowed layers rotate with the global rope_base"},
    {"rope_scaling", "no rope.scaling.type / factor / original_context_length keys"},
};

inline std::string synth_feature_names() {
    std::string names;
    for (const SynthFeature& f : kSynthFeatures) names += (names.empty() ? "" : ", ") + std::string(f.name);
    return names;
}

struct SynthOptions {
    ModelShape shape;
    std::string type = "q4_0";  // a name from kWeightFormats
    std::string vocab_path;     // a GGUF file whose tokenizer.* keys are copied
    uint64_t seed = 0;

    // Weight statistics: strong settings make small models sensitive to every feature.
    float weight_std = kSynthWeightStd;  // matrices: normal with this standard deviation
    float qk_std = 0.0f;                 // attn_q, attn_k (their rows of attn_qkv): 0 = weight_std
    float embd_std = 0.0f;               // token_embd: 0 = weight_std
    float norm_mean = 1.0f;              // norm weights: norm_mean + norm_std * normal
    float norm_std = 0.0f;               //   (norm_std 0: all exactly norm_mean)

    std::vector<std::string> without;  // names from kSynthFeatures
    // More tokens than the vocabulary has: padded with tokens no text produces, so that a benchmark
    // model has its family's embedding and output sizes (Qwen3's 151936, Gemma 3's 262144). 0: as is.
    uint32_t vocab_size = 0;
    // A chat template (Jinja source) written as tokenizer.chat_template instead of the vocabulary's
    // own, so that tests can give a small model any family's template. Empty: the vocabulary's.
    std::string chat_template;

    bool lacks(const char* feature) const { return std::find(without.begin(), without.end(), feature) != without.end(); }
};

// One tensor of the model to write, and what fills it.
struct SynthTensor {
    std::string name;
    TensorRole role;
    GgmlType type;
    std::vector<uint64_t> shape;  // GGUF order: row length first

    enum class Fill { Matrix, Norm, Values };
    Fill fill = Fill::Matrix;
    std::vector<std::pair<uint64_t, float>> row_std;  // Matrix: (end row, standard deviation) in row order
    float norm_mean = 1.0f, norm_std = 0.0f;          // Norm: weights norm_mean + norm_std * normal
    std::vector<float> values;                        // Values: the data (RoPE factors)
};

namespace synth_detail {

inline void check_without(const SynthOptions& o) {
    const ModelShape& s = o.shape;
    for (const std::string& f : o.without) {
        bool known = false;
        for (const SynthFeature& k : kSynthFeatures) known = known || f == k.name;
        if (!known)
            throw Error(ErrorCode::InvalidArgument, "unknown feature '" + f + "' to leave out (known: " + synth_feature_names() + ")");
        const bool longrope = s.arch == "phi3" && s.rope_short.present();
        bool has = false;
        if (f == "rope_freqs") has = s.arch == "llama" && s.rope_freqs.present();
        else if (f == "rope_factors" || f == "long_factors") has = longrope;
        else if (f == "rope_attn_factor") has = longrope || s.rope_attn_factor > 0.0f;
        else if (f == "qk_norm") has = s.arch == "qwen3" || s.arch == "gemma3";
        else if (f == "attn_softcap") has = s.arch == "gemma2";
        else if (f == "final_softcap") has = s.arch == "gemma2" || (s.arch == "gemma3" && s.final_softcap > 0.0f);
        else if (f == "swa") has = s.arch == "gemma2" || (s.arch == "gemma3" && s.sliding_window > 0);
        else if (f == "rope_base_swa")
            has = (s.arch == "gemma2" && s.rope_base_swa > 0.0f && s.rope_base_swa != s.rope_base) ||
                  (s.arch == "gemma3" && s.sliding_window > 0 && (s.rope_base_swa > 0.0f ? s.rope_base_swa : 10000.0f) != s.rope_base);
        else if (f == "rope_scaling") has = !s.rope_scaling.empty();
        if (!has)
            throw Error(ErrorCode::InvalidArgument,
                        "this " + s.arch + " model has no " + f + " to leave out (see the shape keys that give it one)");
    }
}

}  // namespace synth_detail

// The tensors of the model, in file order, each with its type and fill: llama-quantize's
// choice for the weight format (fallback_type() where a row is not whole blocks).
inline std::vector<SynthTensor> synth_tensors(const SynthOptions& o, const WeightFormat& format, uint32_t n_vocab) {
    const ModelShape& s = o.shape;
    s.validate();
    synth_detail::check_without(o);
    const uint64_t dim = s.dim, q = s.q_dim(), kv = s.kv_dim(), ffn = s.ffn, hd = s.head_dim();
    const uint32_t gqa = s.heads / s.kv_heads;
    const float w_std = o.weight_std, qk_std = o.qk_std > 0.0f ? o.qk_std : o.weight_std;
    const float embd_std = o.embd_std > 0.0f ? o.embd_std : o.weight_std;
    std::vector<SynthTensor> tensors;

    const auto matrix = [&](std::string name, TensorRole role, uint64_t row, uint64_t rows, uint32_t layer,
                            std::vector<std::pair<uint64_t, float>> row_std) {
        SynthTensor t;
        t.type = tensor_type_for_row(format, role, layer, s.layers, gqa, row);
        t.name = std::move(name), t.role = role, t.shape = {row, rows}, t.row_std = std::move(row_std);
        tensors.push_back(std::move(t));
    };
    const auto plain = [&](std::string name, TensorRole role, uint64_t row, uint64_t rows, uint32_t layer) {
        matrix(std::move(name), role, row, rows, layer, {{rows, role == TensorRole::AttnQ || role == TensorRole::AttnK ? qk_std : w_std}});
    };
    const auto norm = [&](std::string name, uint64_t n, float spread, float mean) {
        SynthTensor t;
        t.name = std::move(name), t.role = TensorRole::Norm, t.type = GgmlType::F32, t.shape = {n};
        t.fill = SynthTensor::Fill::Norm, t.norm_mean = mean, t.norm_std = spread;
        tensors.push_back(std::move(t));
    };
    const auto values = [&](std::string name, std::vector<float> v) {
        SynthTensor t;
        t.name = std::move(name), t.role = TensorRole::Norm, t.type = GgmlType::F32, t.shape = {v.size()};
        t.fill = SynthTensor::Fill::Values, t.values = std::move(v);
        tensors.push_back(std::move(t));
    };

    // The converter writes its generated tensors (RoPE factors) first.
    if (s.arch == "llama" && s.rope_freqs.present() && !o.lacks("rope_freqs"))
        values("rope_freqs.weight", s.rope_freqs.values(s.n_rot(), s.rope_base));
    if (s.arch == "phi3" && s.rope_short.present() && !o.lacks("rope_factors")) {
        const uint32_t n = s.n_rot() / 2;
        values("rope_factors_long.weight", (o.lacks("long_factors") ? s.rope_short : s.rope_long).values(n));
        values("rope_factors_short.weight", s.rope_short.values(n));
    }

    matrix("token_embd.weight", s.tied ? TensorRole::Output : TensorRole::TokenEmbedding, dim, n_vocab, 0, {{n_vocab, embd_std}});
    const bool qk_norms = s.arch == "qwen3" || s.arch == "gemma3";
    const float qk_norm_std = o.lacks("qk_norm") ? 0.0f : o.norm_std, qk_norm_mean = o.lacks("qk_norm") ? 1.0f : o.norm_mean;
    for (uint32_t l = 0; l < s.layers; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        norm(p + "attn_norm.weight", dim, o.norm_std, o.norm_mean);
        if (s.arch == "phi3") {
            matrix(p + "attn_qkv.weight", TensorRole::AttnV, dim, q + 2 * kv, l, {{q + kv, qk_std}, {q + 2 * kv, w_std}});
        } else {
            plain(p + "attn_q.weight", TensorRole::AttnQ, dim, q, l);
            plain(p + "attn_k.weight", TensorRole::AttnK, dim, kv, l);
            plain(p + "attn_v.weight", TensorRole::AttnV, dim, kv, l);
        }
        plain(p + "attn_output.weight", TensorRole::AttnOutput, q, dim, l);
        if (qk_norms) {
            norm(p + "attn_q_norm.weight", hd, qk_norm_std, qk_norm_mean);
            norm(p + "attn_k_norm.weight", hd, qk_norm_std, qk_norm_mean);
        }
        if (s.is_gemma()) norm(p + "post_attention_norm.weight", dim, o.norm_std, o.norm_mean);
        norm(p + "ffn_norm.weight", dim, o.norm_std, o.norm_mean);
        if (s.arch == "phi3") {
            plain(p + "ffn_up.weight", TensorRole::FfnUp, dim, 2 * ffn, l);  // [gate | up]
        } else {
            plain(p + "ffn_gate.weight", TensorRole::FfnGate, dim, ffn, l);
            plain(p + "ffn_up.weight", TensorRole::FfnUp, dim, ffn, l);
        }
        plain(p + "ffn_down.weight", TensorRole::FfnDown, ffn, dim, l);
        if (s.is_gemma()) norm(p + "post_ffw_norm.weight", dim, o.norm_std, o.norm_mean);
    }
    norm("output_norm.weight", dim, o.norm_std, o.norm_mean);
    if (!s.tied) plain("output.weight", TensorRole::Output, dim, n_vocab, 0);
    return tensors;
}

// The tensors of a model of this shape with default weight statistics.
inline std::vector<SynthTensor> synth_tensors(const ModelShape& shape, const WeightFormat& format, uint32_t n_vocab) {
    SynthOptions o;
    o.shape = shape;
    return synth_tensors(o, format, n_vocab);
}

// The metadata keys of the architecture, as convert_hf_to_gguf.py writes them.
inline void synth_architecture_keys(const SynthOptions& o, uint32_t n_vocab, GgufLayout& layout) {
    const ModelShape& s = o.shape;
    const std::string& a = s.arch;
    const auto key = [&](const char* k, GgufValue v) { layout.set(a + "." + k, std::move(v)); };
    const auto u32 = [&](const char* k, uint32_t v) { key(k, GgufValue::u32(v)); };
    const auto f32 = [&](const char* k, float v) { key(k, GgufValue::f32(v)); };
    const bool longrope = a == "phi3" && s.rope_short.present();

    const auto head_size_keys = [&] {
        u32("attention.key_length", s.head_dim());
        u32("attention.value_length", s.head_dim());
    };
    const auto rope_scaling_keys = [&] {
        if (s.rope_scaling.empty() || o.lacks("rope_scaling")) return;
        key("rope.scaling.type", GgufValue::string(s.rope_scaling));
        f32("rope.scaling.factor", s.rope_scale);
        if (s.rope_orig_ctx && a != "phi3") u32("rope.scaling.original_context_length", s.rope_orig_ctx);
    };
    const auto attn_factor_key = [&] {
        if (o.lacks("rope_attn_factor")) return;
        if (longrope) f32("rope.scaling.attn_factor", s.longrope_attn_factor());
        else if (s.rope_attn_factor > 0.0f) f32("rope.scaling.attn_factor", s.rope_attn_factor);
    };
    const auto window = [&] { return o.lacks("swa") ? std::max(s.ctx, 4096u) : s.sliding_window; };
    // TextModel.set_gguf_parameters: the keys qwen3 and gemma3 start with.
    const auto text_model_keys = [&] {
        u32("block_count", s.layers);
        u32("context_length", s.ctx);
        u32("embedding_length", s.dim);
        u32("feed_forward_length", s.ffn);
        u32("attention.head_count", s.heads);
        u32("attention.head_count_kv", s.kv_heads);
        rope_scaling_keys();
        f32("rope.freq_base", s.rope_base);
    };

    if (a == "llama") {
        // The order synth has always written, so that its llama files keep their bytes.
        u32("context_length", s.ctx);
        u32("embedding_length", s.dim);
        u32("feed_forward_length", s.ffn);
        u32("block_count", s.layers);
        u32("attention.head_count", s.heads);
        u32("attention.head_count_kv", s.kv_heads);
        f32("attention.layer_norm_rms_epsilon", s.rms_eps);
        f32("rope.freq_base", s.rope_base);
        u32("rope.dimension_count", s.n_rot());
        if (s.head_size) head_size_keys();
        rope_scaling_keys();
        attn_factor_key();
        u32("vocab_size", n_vocab);
    } else if (a == "phi3") {
        // Phi3MiniModel.set_gguf_parameters: no rope.scaling.type (LongRoPE is known by its tensors).
        u32("context_length", s.ctx);
        u32("rope.scaling.original_context_length", s.rope_orig_ctx ? s.rope_orig_ctx : s.ctx);
        u32("embedding_length", s.dim);
        u32("feed_forward_length", s.ffn);
        u32("block_count", s.layers);
        u32("attention.head_count", s.heads);
        u32("attention.head_count_kv", s.kv_heads);
        f32("attention.layer_norm_rms_epsilon", s.rms_eps);
        u32("rope.dimension_count", s.n_rot());
        f32("rope.freq_base", s.rope_base);
        rope_scaling_keys();
        u32("attention.sliding_window", s.sliding_window);
        attn_factor_key();
    } else if (a == "qwen3") {
        text_model_keys();
        f32("attention.layer_norm_rms_epsilon", s.rms_eps);
        head_size_keys();
        attn_factor_key();
    } else if (a == "gemma2") {
        // Gemma2Model.set_gguf_parameters: no RoPE keys (base 10000); the keys below the soft-caps
        // are not in Google's files but llama.cpp reads them.
        u32("context_length", s.ctx);
        u32("embedding_length", s.dim);
        u32("block_count", s.layers);
        u32("feed_forward_length", s.ffn);
        u32("attention.head_count", s.heads);
        u32("attention.head_count_kv", s.kv_heads);
        f32("attention.layer_norm_rms_epsilon", s.rms_eps);
        head_size_keys();
        if (s.attn_softcap > 0.0f || o.lacks("attn_softcap"))
            f32("attn_logit_softcapping", o.lacks("attn_softcap") ? kSynthNoSoftcap : s.attn_softcap);
        if (s.final_softcap > 0.0f || o.lacks("final_softcap"))
            f32("final_logit_softcapping", o.lacks("final_softcap") ? kSynthNoSoftcap : s.final_softcap);
        if (s.sliding_window > 0 || o.lacks("swa")) u32("attention.sliding_window", window());
        if (s.rope_base != 10000.0f) f32("rope.freq_base", s.rope_base);
        if (s.rope_base_swa > 0.0f && !o.lacks("rope_base_swa")) f32("rope.freq_base_swa", s.rope_base_swa);
        if (s.swa_pattern) u32("attention.sliding_window_pattern", s.swa_pattern);
        rope_scaling_keys();
        attn_factor_key();
    } else if (a == "gemma3") {
        text_model_keys();  // then Gemma3Model's own
        if (o.lacks("rope_base_swa")) f32("rope.freq_base_swa", s.rope_base);
        else if (s.rope_base_swa > 0.0f) f32("rope.freq_base_swa", s.rope_base_swa);
        f32("attention.layer_norm_rms_epsilon", s.rms_eps);
        head_size_keys();
        if (s.final_softcap > 0.0f && !o.lacks("final_softcap")) f32("final_logit_softcapping", s.final_softcap);
        if (s.sliding_window > 0) u32("attention.sliding_window", window());
        if (s.swa_pattern) u32("attention.sliding_window_pattern", s.swa_pattern);
        attn_factor_key();
    }
}

// The tensor table with each tensor's fill, and the file's layout.
struct SynthPlan {
    GgufLayout layout;
    std::vector<SynthTensor> tensors;  // in layout order
};

inline bool is_padded_key(std::string_view key) {
    return key == "tokenizer.ggml.tokens" || key == "tokenizer.ggml.scores" || key == "tokenizer.ggml.token_type";
}

// The vocabulary's tokens, scores and types with tokens "<pad_N>" appended up to n_vocab: normal
// tokens of the lowest score, which neither tokenizer (nor llama.cpp's) ever produces from text.
inline void pad_vocabulary(const GgufFile& vocab, uint32_t n_vocab, GgufLayout& layout) {
    std::vector<std::string> tokens;
    for (std::string_view t : vocab.get("tokenizer.ggml.tokens").as_array().strings()) tokens.emplace_back(t);
    const size_t given = tokens.size();
    for (size_t i = given; i < n_vocab; ++i) tokens.push_back("<pad_" + std::to_string(i) + ">");
    layout.set("tokenizer.ggml.tokens", GgufValue::strings(tokens));
    if (const MetaValue* scores = vocab.find("tokenizer.ggml.scores")) {
        std::vector<float> values;
        for (const MetaValue v : scores->as_array()) values.push_back(float(v.as_f64()));
        const float lowest = values.empty() ? 0.0f : *std::min_element(values.begin(), values.end());
        values.resize(n_vocab, lowest - 1.0f);
        layout.set("tokenizer.ggml.scores", GgufValue::numbers(MetaType::F32, values));
    }
    if (const MetaValue* types = vocab.find("tokenizer.ggml.token_type")) {
        std::vector<int32_t> values;
        for (const MetaValue v : types->as_array()) values.push_back(int32_t(v.as_i64()));
        values.resize(n_vocab, 1);  // llama.cpp's LLAMA_TOKEN_TYPE_NORMAL
        layout.set("tokenizer.ggml.token_type", GgufValue::numbers(MetaType::I32, values));
    }
}

// Metadata (llama.cpp's keys for the architecture, then the vocabulary's tokenizer.* keys) and
// the tensor table.
inline SynthPlan synth_plan(const SynthOptions& options, const GgufFile& vocab) {
    const ModelShape& s = options.shape;
    const WeightFormat& format = find_weight_format(options.type);
    const MetaValue* tokens = vocab.find("tokenizer.ggml.tokens");
    if (!tokens || tokens->type() != MetaType::Array || tokens->as_array().size() == 0)
        throw Error(ErrorCode::InvalidArgument, "'" + options.vocab_path + "' has no tokenizer.ggml.tokens: not a vocabulary");
    if (tokens->as_array().size() > UINT32_MAX)
        throw Error(ErrorCode::InvalidArgument, "'" + options.vocab_path + "' has too many tokens");
    const auto given = uint32_t(tokens->as_array().size());
    if (options.vocab_size != 0 && options.vocab_size < given)
        throw Error(ErrorCode::InvalidArgument, "--vocab-size " + std::to_string(options.vocab_size) + " is below the " +
                                                    std::to_string(given) + " tokens of '" + options.vocab_path + "'");
    const uint32_t n_vocab = std::max(given, options.vocab_size);

    SynthPlan plan;
    plan.tensors = synth_tensors(options, format, n_vocab);  // validates first
    GgufLayout& layout = plan.layout;
    // general.name must not say "phi3" or "phi-3": llama.cpp's vocabulary loader changes the
    // special tokens' attributes for models so named (and fails on a vocabulary without Phi-3's).
    std::string label = s.name;
    for (size_t at; (at = label.find("phi3")) != std::string::npos;) label.replace(at, 4, "phi 3");
    std::string name = "synthetic " + label + " " + format.name + " (random weights)";
    for (size_t i = 0; i < options.without.size(); ++i) name += (i ? ", " : " without ") + options.without[i];
    layout.set("general.architecture", GgufValue::string(s.arch));
    layout.set("general.name", GgufValue::string(name));
    synth_architecture_keys(options, n_vocab, layout);
    const bool quantized = type_traits(format.base).block_elements > 1;
    if (quantized) layout.set("general.quantization_version", GgufValue::u32(2));
    layout.set("general.file_type", GgufValue::u32(format.file_type));
    const bool padded = n_vocab > given;
    if (padded) pad_vocabulary(vocab, n_vocab, layout);
    const bool own_template = !options.chat_template.empty();
    for (const MetaEntry& e : vocab.metadata())
        if (e.key.substr(0, 10) == "tokenizer." && !(padded && is_padded_key(e.key)) &&
            !(own_template && e.key == "tokenizer.chat_template"))
            layout.set(std::string(e.key), GgufValue::copy_of(e.value));
    if (own_template) layout.set("tokenizer.chat_template", GgufValue::string(options.chat_template));

    for (const SynthTensor& t : plan.tensors) layout.add_tensor(t.name, t.type, t.shape);
    return plan;
}

inline GgufLayout synth_layout(const SynthOptions& options, const GgufFile& vocab) { return synth_plan(options, vocab).layout; }

struct SynthResult {
    uint64_t parameters = 0;
    uint64_t file_bytes = 0;
    size_t tensors = 0;
};

// Generates the data of every tensor of `plan`, in table order, a few rows at a time (matrices
// normal with their rows' standard deviation, norms around 1, RoPE factors as computed; each
// quantized to the tensor's type), and hands each piece to `write(tensor, bytes, size)`.
// Returns the number of parameters.
template <typename Write>
uint64_t synth_weights(const SynthPlan& plan, uint64_t seed, Write&& write) {
    constexpr uint64_t kChunkWeights = uint64_t(1) << 20;  // generated and quantized at a time
    std::vector<float> weights;
    std::vector<uint8_t> quantized;
    uint64_t parameters = 0;
    for (size_t i = 0; i < plan.tensors.size(); ++i) {
        const SynthTensor& s = plan.tensors[i];
        const GgufLayout::Tensor& t = plan.layout.tensors()[i];
        const uint64_t row = t.shape[0], rows = t.shape.size() > 1 ? t.shape[1] : 1;
        const uint64_t rows_per_chunk = std::max<uint64_t>(1, kChunkWeights / row);
        const TypeTraits& traits = type_traits(t.type);
        WeightRng rng(seed ^ fnv1a64(t.name));
        size_t segment = 0;
        for (uint64_t done = 0; done < rows; done += rows_per_chunk) {
            const uint64_t chunk_rows = std::min(rows_per_chunk, rows - done);
            const size_t n = size_t(chunk_rows * row);
            weights.resize(n);
            if (s.fill == SynthTensor::Fill::Values) {
                std::copy(s.values.begin(), s.values.end(), weights.begin());
            } else if (s.fill == SynthTensor::Fill::Norm) {
                if (s.norm_std == 0.0f)
                    std::fill(weights.begin(), weights.end(), s.norm_mean);
                else
                    for (float& w : weights) w = s.norm_mean + s.norm_std * rng.normal();
            } else {
                for (uint64_t r = 0; r < chunk_rows; ++r) {
                    while (s.row_std[segment].first <= done + r) ++segment;
                    const float std = s.row_std[segment].second;
                    for (float* w = weights.data() + r * row, *end = w + row; w != end; ++w) *w = std * rng.normal();
                }
            }
            quantized.resize(n / traits.block_elements * traits.block_bytes);
            quantize(t.type, weights.data(), quantized.data(), n);
            write(t, quantized.data(), quantized.size());
        }
        parameters += row * rows;
    }
    return parameters;
}

// Writes the model to `path`.
inline SynthResult synth_model(const SynthOptions& options, const std::string& path) {
    const GgufFile vocab = GgufFile::open(options.vocab_path);
    SynthPlan plan = synth_plan(options, vocab);
    GgufStreamWriter writer(path, plan.layout);
    SynthResult result;
    result.parameters = synth_weights(plan, options.seed,
                                      [&](const GgufLayout::Tensor&, const uint8_t* data, size_t size) { writer.write(data, size); });
    writer.finish();
    result.tensors = plan.tensors.size();
    result.file_bytes = plan.layout.file_size();
    return result;
}

// The same model as synth_model() writes, in memory, with the vocabulary already open: for tests
// that build small models without touching the disk (the wasm tests too).
inline std::vector<uint8_t> synth_model_bytes(const SynthOptions& options, const GgufFile& vocab) {
    const SynthPlan plan = synth_plan(options, vocab);
    const std::string header = plan.layout.header_bytes();
    std::vector<uint8_t> bytes(header.begin(), header.end());
    synth_weights(plan, options.seed, [&](const GgufLayout::Tensor& t, const uint8_t* data, size_t size) {
        bytes.resize(std::max<size_t>(bytes.size(), header.size() + size_t(t.offset)));  // the padding before it
        bytes.insert(bytes.end(), data, data + size);
    });
    bytes.resize(size_t(plan.layout.file_size()));
    return bytes;
}

}  // namespace chord
