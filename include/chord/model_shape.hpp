// The hyper-parameters of a model to synthesize: its architecture, its dimensions and the
// metadata that changes its arithmetic (RoPE scaling, sliding windows, soft-capping, …).
//
// A shape is written as a preset name ("tinyllama-1.1b", "qwen3-0.6b", …), a spec of
// comma-separated key=value pairs ("arch=qwen3,dim=256,layers=2,heads=4,kv_heads=2,head_dim=64,ffn=512"),
// or a preset followed by overrides ("gemma3-1b,layers=2,ctx=512"). kShapeKeysHelp lists the keys.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "chord/error.hpp"

namespace chord {

// The architectures chord synth writes, with llama.cpp's names (general.architecture).
inline const std::vector<std::string>& synth_architectures() {
    static const std::vector<std::string> names = {"llama", "phi3", "qwen3", "gemma2", "gemma3"};
    return names;
}

// A geometric ramp of RoPE frequency factors: factor i of n is first * (last / first)^(i / (n-1)).
// LongRoPE models ship measured lists; a ramp rising from the high to the low frequencies has
// their form.
struct RopeFactorRamp {
    float first = 0.0f;  // 0: none
    float last = 0.0f;

    bool present() const { return first > 0.0f; }
    std::vector<float> values(uint32_t n) const {
        std::vector<float> v(n);
        for (uint32_t i = 0; i < n; ++i) {
            const double t = n > 1 ? double(i) / double(n - 1) : 0.0;
            v[i] = float(double(first) * std::pow(double(last) / double(first), t));
        }
        return v;
    }
};

// Llama 3.1/3.2 RoPE scaling (HF rope_scaling with rope_type "llama3"), from which the converter
// computes the rope_freqs.weight tensor.
struct Llama3RopeScaling {
    float factor = 0.0f;  // 0: none (no rope_freqs.weight)
    float low_freq_factor = 1.0f;
    float high_freq_factor = 4.0f;
    uint32_t original_context = 8192;

    bool present() const { return factor > 0.0f; }

    // convert_hf_to_gguf.py's LlamaModel.generate_extra_tensors: one factor per rotated pair.
    std::vector<float> values(uint32_t n_rot, float rope_base) const {
        std::vector<float> v;
        const double kPi = 3.14159265358979323846;
        const double low_wavelen = double(original_context) / low_freq_factor;
        const double high_wavelen = double(original_context) / high_freq_factor;
        for (uint32_t i = 0; i < n_rot; i += 2) {
            const double freq = 1.0 / std::pow(double(rope_base), double(i) / double(n_rot));
            const double wavelen = 2.0 * kPi / freq;
            if (wavelen < high_wavelen) {
                v.push_back(1.0f);
            } else if (wavelen > low_wavelen) {
                v.push_back(factor);
            } else {
                const double smooth = (double(original_context) / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor);
                v.push_back(float(1.0 / ((1.0 - smooth) / factor + smooth)));
            }
        }
        return v;
    }
};

struct ModelShape {
    std::string name;            // preset name or "custom", for general.name
    std::string arch = "llama";  // general.architecture: one of synth_architectures()
    uint32_t dim = 0;            // residual stream width (embedding length)
    uint32_t layers = 0;
    uint32_t heads = 0;
    uint32_t kv_heads = 0;       // < heads: grouped-query attention
    uint32_t ffn = 0;            // feed-forward hidden width
    uint32_t ctx = 2048;         // training context length
    float rope_base = 10000.0f;
    float rms_eps = 1e-5f;

    uint32_t head_size = 0;  // attention.key_length / value_length; 0: dim / heads, and no key
    bool tied = false;       // no output.weight: the output projection is token_embd (always for Gemma)

    // Sliding-window attention (Gemma 2/3; Phi-3 files carry the key, which llama.cpp ignores).
    uint32_t sliding_window = 0;  // attention.sliding_window; 0: no key
    uint32_t swa_pattern = 0;     // attention.sliding_window_pattern; 0: no key (llama.cpp: 2 for Gemma 2, 6 for Gemma 3)
    float rope_base_swa = 0.0f;   // rope.freq_base_swa, the base of the windowed layers; 0: no key

    float attn_softcap = 0.0f;   // attn_logit_softcapping (Gemma 2); 0: no key
    float final_softcap = 0.0f;  // final_logit_softcapping (Gemma 2/3); 0: no key

    // RoPE scaling keys (llama.cpp reads them for every architecture).
    std::string rope_scaling;     // rope.scaling.type ("linear", "yarn"); empty: no key
    float rope_scale = 0.0f;      // rope.scaling.factor; 0: no key
    uint32_t rope_orig_ctx = 0;   // rope.scaling.original_context_length; 0: no key (Phi-3: always written)
    float rope_attn_factor = 0.0f;  // rope.scaling.attn_factor; 0: no key (Phi-3 LongRoPE: computed)

    Llama3RopeScaling rope_freqs;  // llama: rope_freqs.weight
    RopeFactorRamp rope_short;     // phi3: rope_factors_short.weight
    RopeFactorRamp rope_long;      // phi3: rope_factors_long.weight

    uint32_t head_dim() const { return head_size ? head_size : (heads ? dim / heads : 0); }
    uint32_t q_dim() const { return head_dim() * heads; }
    uint32_t kv_dim() const { return head_dim() * kv_heads; }
    uint32_t n_rot() const { return head_dim(); }
    bool is_gemma() const { return arch == "gemma2" || arch == "gemma3"; }

    // Phi-3's LongRoPE attention factor as convert_hf_to_gguf.py computes it from the context
    // lengths, unless the shape sets one.
    float longrope_attn_factor() const {
        if (rope_attn_factor > 0.0f) return rope_attn_factor;
        const uint32_t orig = rope_orig_ctx ? rope_orig_ctx : ctx;
        const double scale = double(ctx) / double(orig);
        return scale > 1.0 ? float(std::sqrt(1.0 + std::log(scale) / std::log(double(orig)))) : 1.0f;
    }

    // Throws InvalidArgument naming the first thing that no model of the architecture could have.
    void validate() const {
        const auto fail = [](const std::string& what) { throw Error(ErrorCode::InvalidArgument, "model shape: " + what); };
        if (std::find(synth_architectures().begin(), synth_architectures().end(), arch) == synth_architectures().end())
            fail("unknown arch '" + arch + "' (known: llama, phi3, qwen3, gemma2, gemma3)");
        const auto positive = [&](const char* what, uint32_t v) {
            if (v == 0) fail(std::string(what) + " must be positive");
        };
        positive("dim", dim);
        positive("layers", layers);
        positive("heads", heads);
        positive("kv_heads", kv_heads);
        positive("ffn", ffn);
        positive("ctx", ctx);
        if (head_size == 0 && dim % heads != 0)
            fail("dim=" + std::to_string(dim) + " is not divisible by heads=" + std::to_string(heads));
        if (heads % kv_heads != 0)
            fail("heads=" + std::to_string(heads) + " is not divisible by kv_heads=" + std::to_string(kv_heads));
        if (head_dim() % 2 != 0)
            fail("the head size " + std::string(head_size ? "head_dim=" : "dim/heads=") + std::to_string(head_dim()) +
                 " must be even (RoPE rotates pairs)");
        if (!(rope_base > 0.0f) || !(rms_eps > 0.0f)) fail("rope_base and rms_eps must be positive");

        const auto only_for = [&](bool used, const char* key, std::initializer_list<const char*> archs) {
            if (!used) return;
            for (const char* a : archs)
                if (arch == a) return;
            std::string list;
            for (const char* a : archs) list += (list.empty() ? "" : ", ") + std::string(a);
            fail(std::string(key) + " is not a setting of " + arch + " models (only " + list + ")");
        };
        only_for(head_size != 0 && head_size != dim / heads, "head_dim other than dim/heads", {"llama", "qwen3", "gemma2", "gemma3"});
        only_for(sliding_window != 0, "swa", {"phi3", "gemma2", "gemma3"});
        only_for(swa_pattern != 0, "swa_pattern", {"gemma2", "gemma3"});
        only_for(rope_base_swa != 0.0f, "rope_base_swa", {"gemma2", "gemma3"});
        only_for(attn_softcap != 0.0f, "attn_softcap", {"gemma2"});
        only_for(final_softcap != 0.0f, "final_softcap", {"gemma2", "gemma3"});
        only_for(rope_freqs.present(), "rope_freqs", {"llama"});
        only_for(rope_short.present() || rope_long.present(), "rope_short/rope_long", {"phi3"});
        if (is_gemma() && !tied) fail(arch + " models have no output.weight: tied=0 is not possible");
        if (rope_short.present() != rope_long.present()) fail("LongRoPE needs both rope_short and rope_long");
        if (!rope_scaling.empty() && rope_scaling != "linear" && rope_scaling != "yarn")
            fail("rope_scaling=" + rope_scaling + " is not one of linear, yarn");
        if (!rope_scaling.empty() && !(rope_scale > 0.0f)) fail("rope_scaling=" + rope_scaling + " needs rope_scale");
        if (rope_scaling.empty() && rope_scale != 0.0f) fail("rope_scale needs rope_scaling=linear or yarn");
        if (rope_scaling == "yarn" && rope_orig_ctx == 0) fail("rope_scaling=yarn needs rope_orig_ctx");
        if (rope_freqs.present() && !(rope_freqs.low_freq_factor < rope_freqs.high_freq_factor))
            fail("rope_freqs: the low frequency factor must be below the high one");
    }

    // The presets: real models' dimensions and metadata.
    static ModelShape tinyllama_1_1b() {
        ModelShape s;
        s.name = "tinyllama-1.1b";
        s.dim = 2048, s.layers = 22, s.heads = 32, s.kv_heads = 4, s.ffn = 5632, s.ctx = 2048;
        return s;
    }

    // llama2.c's stories110M.
    static ModelShape stories_110m() {
        ModelShape s;
        s.name = "110m";
        s.dim = 768, s.layers = 12, s.heads = 12, s.kv_heads = 12, s.ffn = 2048, s.ctx = 1024;
        return s;
    }

    // Llama-3.2-1B: tied embeddings, the llama3 RoPE frequency factors, head_dim in its config.
    static ModelShape llama3_2_1b() {
        ModelShape s;
        s.name = "llama3.2-1b";
        s.dim = 2048, s.layers = 16, s.heads = 32, s.kv_heads = 8, s.ffn = 8192, s.ctx = 131072;
        s.head_size = 64, s.rope_base = 500000.0f, s.rms_eps = 1e-5f, s.tied = true;
        s.rope_freqs = {32.0f, 1.0f, 4.0f, 8192};
        return s;
    }

    // Llama-3.1-8B: untied output, the llama3 RoPE frequency factors (factor 8), no head_dim in its
    // config (dim / heads = 128).
    static ModelShape llama3_8b() {
        ModelShape s;
        s.name = "llama3-8b";
        s.dim = 4096, s.layers = 32, s.heads = 32, s.kv_heads = 8, s.ffn = 14336, s.ctx = 131072;
        s.rope_base = 500000.0f, s.rms_eps = 1e-5f;
        s.rope_freqs = {8.0f, 1.0f, 4.0f, 8192};
        return s;
    }

    // Phi-3.5-mini: fused attn_qkv and ffn_up, LongRoPE (its measured factor lists are
    // approximated by ramps of the same range), the sliding_window key llama.cpp ignores.
    static ModelShape phi3_5_mini() {
        ModelShape s;
        s.name = "phi3.5-mini", s.arch = "phi3";
        s.dim = 3072, s.layers = 32, s.heads = 32, s.kv_heads = 32, s.ffn = 8192, s.ctx = 131072;
        s.rope_orig_ctx = 4096, s.sliding_window = 262144;
        s.rope_short = {1.0f, 2.9f};
        s.rope_long = {1.08f, 64.0f};
        return s;
    }

    // Qwen3-0.6B: head_dim 128 with dim/heads 64, q/k norms, tied embeddings.
    static ModelShape qwen3_0_6b() {
        ModelShape s;
        s.name = "qwen3-0.6b", s.arch = "qwen3";
        s.dim = 1024, s.layers = 28, s.heads = 16, s.kv_heads = 8, s.ffn = 3072, s.ctx = 40960;
        s.head_size = 128, s.rope_base = 1000000.0f, s.rms_eps = 1e-6f, s.tied = true;
        return s;
    }

    // Gemma-2-2B.
    static ModelShape gemma2_2b() {
        ModelShape s;
        s.name = "gemma2-2b", s.arch = "gemma2";
        s.dim = 2304, s.layers = 26, s.heads = 8, s.kv_heads = 4, s.ffn = 9216, s.ctx = 8192;
        s.head_size = 256, s.rms_eps = 1e-6f, s.tied = true;
        s.attn_softcap = 50.0f, s.final_softcap = 30.0f, s.sliding_window = 4096;
        return s;
    }

    // Gemma-3 text models: local layers with a 512- or 1024-token window and base 10000, every
    // sixth layer global with base 1e6 (the 4B's global layers also scaled linearly by 8).
    static ModelShape gemma3(const char* name, uint32_t dim, uint32_t layers, uint32_t heads, uint32_t kv_heads, uint32_t ffn,
                             uint32_t ctx, uint32_t window) {
        ModelShape s;
        s.name = name, s.arch = "gemma3";
        s.dim = dim, s.layers = layers, s.heads = heads, s.kv_heads = kv_heads, s.ffn = ffn, s.ctx = ctx;
        s.head_size = 256, s.rope_base = 1000000.0f, s.rope_base_swa = 10000.0f, s.rms_eps = 1e-6f, s.tied = true;
        s.sliding_window = window;
        return s;
    }

    static const std::vector<std::string>& preset_names() {
        static const std::vector<std::string> names = {"tinyllama-1.1b", "110m",        "llama3.2-1b", "llama3-8b",
                                                       "phi3.5-mini",    "qwen3-0.6b",  "gemma2-2b",   "gemma3-270m",
                                                       "gemma3-1b",      "gemma3-4b"};
        return names;
    }

    // The preset of that name; false if there is none.
    static bool preset(const std::string& name, ModelShape& s) {
        if (name == "tinyllama-1.1b") s = tinyllama_1_1b();
        else if (name == "110m") s = stories_110m();
        else if (name == "llama3.2-1b") s = llama3_2_1b();
        else if (name == "llama3-8b") s = llama3_8b();
        else if (name == "phi3.5-mini") s = phi3_5_mini();
        else if (name == "qwen3-0.6b") s = qwen3_0_6b();
        else if (name == "gemma2-2b") s = gemma2_2b();
        else if (name == "gemma3-270m") s = gemma3("gemma3-270m", 640, 18, 4, 1, 2048, 32768, 512);
        else if (name == "gemma3-1b") s = gemma3("gemma3-1b", 1152, 26, 4, 1, 6912, 32768, 512);
        else if (name == "gemma3-4b") {
            s = gemma3("gemma3-4b", 2560, 34, 8, 4, 10240, 131072, 1024);
            s.rope_scaling = "linear", s.rope_scale = 8.0f;
        } else
            return false;
        return true;
    }

    // A preset name, optionally followed by key=value overrides, or key=value pairs alone (then
    // dim, layers, heads and ffn are required). The result is validated.
    static ModelShape parse(const std::string& spec) {
        std::vector<std::string> items;
        for (size_t start = 0; start <= spec.size();) {
            const size_t end = std::min(spec.find(',', start), spec.size());
            items.push_back(spec.substr(start, end - start));
            start = end + 1;
        }
        ModelShape s;
        size_t first = 0;
        const bool from_preset = items[0].find('=') == std::string::npos;
        if (from_preset) {
            if (!preset(items[0], s)) {
                std::string names;
                for (const std::string& n : preset_names()) names += n + ", ";
                throw Error(ErrorCode::InvalidArgument,
                            "unknown model shape '" + items[0] + "': use " + names +
                                "or a spec like dim=512,layers=4,heads=8,kv_heads=4,ffn=1376,ctx=512");
            }
            first = 1;
        } else {
            s.name = "custom";
        }
        std::vector<std::string> seen;
        for (size_t i = first; i < items.size(); ++i) s.set(items[i], seen);
        const auto given = [&](const char* key) { return std::find(seen.begin(), seen.end(), key) != seen.end(); };
        if (!from_preset) {
            for (const char* required : {"dim", "layers", "heads", "ffn"})
                if (!given(required)) throw Error(ErrorCode::InvalidArgument, std::string("model shape: '") + required + "' is missing");
            if (!given("kv_heads")) s.kv_heads = s.heads;
            s.apply_arch_defaults(given);
        } else if (!seen.empty()) {
            s.name += "+";  // a preset with overrides
        }
        s.validate();
        return s;
    }

private:
    // What the architecture's real files have where a custom spec says nothing.
    template <typename Given>
    void apply_arch_defaults(const Given& given) {
        const auto fallback = [&](const char* key, auto& field, auto value) {
            if (!given(key)) field = value;
        };
        if (arch == "qwen3") {
            fallback("rope_base", rope_base, 1000000.0f);
            fallback("rms_eps", rms_eps, 1e-6f);
        } else if (arch == "phi3") {
            fallback("swa", sliding_window, 262144u);
        } else if (arch == "gemma2") {
            fallback("rms_eps", rms_eps, 1e-6f);
            fallback("attn_softcap", attn_softcap, 50.0f);
            fallback("final_softcap", final_softcap, 30.0f);
            fallback("swa", sliding_window, 4096u);
            fallback("tied", tied, true);
        } else if (arch == "gemma3") {
            fallback("rms_eps", rms_eps, 1e-6f);
            fallback("rope_base", rope_base, 1000000.0f);
            fallback("rope_base_swa", rope_base_swa, 10000.0f);
            fallback("swa", sliding_window, 512u);
            fallback("tied", tied, true);
        }
    }

    void set(const std::string& item, std::vector<std::string>& seen) {
        const size_t eq = item.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
            throw Error(ErrorCode::InvalidArgument, "model shape: '" + item + "' is not key=value");
        const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
        for (const std::string& k : seen)
            if (k == key) throw Error(ErrorCode::InvalidArgument, "model shape: '" + key + "' is given twice");
        seen.push_back(key);
        if (key == "arch") arch = value;
        else if (key == "dim") dim = parse_count(key, value);
        else if (key == "layers") layers = parse_count(key, value);
        else if (key == "heads") heads = parse_count(key, value);
        else if (key == "kv_heads") kv_heads = parse_count(key, value);
        else if (key == "head_dim") head_size = parse_count(key, value);
        else if (key == "ffn") ffn = parse_count(key, value);
        else if (key == "ctx") ctx = parse_count(key, value);
        else if (key == "rope_base") rope_base = parse_number(key, value);
        else if (key == "rms_eps") rms_eps = parse_number(key, value);
        else if (key == "tied") tied = parse_flag(key, value);
        else if (key == "swa") sliding_window = parse_count_or_zero(key, value);
        else if (key == "swa_pattern") swa_pattern = parse_count_or_zero(key, value);
        else if (key == "rope_base_swa") rope_base_swa = parse_number_or_zero(key, value);
        else if (key == "attn_softcap") attn_softcap = parse_number_or_zero(key, value);
        else if (key == "final_softcap") final_softcap = parse_number_or_zero(key, value);
        else if (key == "rope_scaling") rope_scaling = value == "none" ? "" : value;
        else if (key == "rope_scale") rope_scale = parse_number_or_zero(key, value);
        else if (key == "rope_orig_ctx") rope_orig_ctx = parse_count_or_zero(key, value);
        else if (key == "rope_attn_factor") rope_attn_factor = parse_number_or_zero(key, value);
        else if (key == "rope_freqs") {
            rope_freqs = {};
            if (value != "0") {
                const std::vector<std::string> parts = split_colons(key, value, 4);
                rope_freqs.factor = parse_number(key, parts[0]);
                rope_freqs.low_freq_factor = parse_number(key, parts[1]);
                rope_freqs.high_freq_factor = parse_number(key, parts[2]);
                rope_freqs.original_context = parse_count(key, parts[3]);
            }
        } else if (key == "rope_short" || key == "rope_long") {
            RopeFactorRamp& ramp = key == "rope_short" ? rope_short : rope_long;
            ramp = {};
            if (value != "0") {
                const std::vector<std::string> parts = split_colons(key, value, 2);
                ramp.first = parse_number(key, parts[0]);
                ramp.last = parse_number(key, parts[1]);
            }
        } else
            throw Error(ErrorCode::InvalidArgument, "model shape: unknown key '" + key + "' (known: " + known_keys() + ")");
    }

public:
    static std::string known_keys() {
        return "arch, dim, layers, heads, kv_heads, head_dim, ffn, ctx, rope_base, rms_eps, tied, swa, swa_pattern, "
               "rope_base_swa, attn_softcap, final_softcap, rope_scaling, rope_scale, rope_orig_ctx, rope_attn_factor, "
               "rope_freqs, rope_short, rope_long";
    }

private:
    static std::vector<std::string> split_colons(const std::string& key, const std::string& value, size_t n) {
        std::vector<std::string> parts;
        for (size_t start = 0; start <= value.size();) {
            const size_t end = std::min(value.find(':', start), value.size());
            parts.push_back(value.substr(start, end - start));
            start = end + 1;
        }
        if (parts.size() != n)
            throw Error(ErrorCode::InvalidArgument, "model shape: " + key + "=" + value + " needs " + std::to_string(n) +
                                                        " values separated by ':'" +
                                                        (n == 4 ? " (factor:low_freq_factor:high_freq_factor:original_context)"
                                                                : " (first:last)"));
        return parts;
    }

    // A positive decimal integer below 2^24: larger would be a model no machine holds.
    static uint32_t parse_count(const std::string& key, const std::string& value) {
        uint64_t v = 0;
        for (char c : value) {
            if (c < '0' || c > '9' || v > (1u << 24))
                throw Error(ErrorCode::InvalidArgument, "model shape: " + key + "=" + value +
                                                            " is not a positive integer up to 16777216");
            v = v * 10 + uint64_t(c - '0');
        }
        if (v == 0 || v > (1u << 24))
            throw Error(ErrorCode::InvalidArgument, "model shape: " + key + "=" + value +
                                                        " is not a positive integer up to 16777216");
        return uint32_t(v);
    }

    // As parse_count, and 0 (the key is not written).
    static uint32_t parse_count_or_zero(const std::string& key, const std::string& value) {
        return value == "0" ? 0 : parse_count(key, value);
    }

    static float parse_number(const std::string& key, const std::string& value) {
        size_t used = 0;
        float v = 0.0f;
        try {
            v = std::stof(value, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != value.size() || !(v > 0.0f) || !std::isfinite(v))
            throw Error(ErrorCode::InvalidArgument, "model shape: " + key + "=" + value + " is not a positive number");
        return v;
    }

    static float parse_number_or_zero(const std::string& key, const std::string& value) {
        return value == "0" ? 0.0f : parse_number(key, value);
    }

    static bool parse_flag(const std::string& key, const std::string& value) {
        if (value == "1") return true;
        if (value == "0") return false;
        throw Error(ErrorCode::InvalidArgument, "model shape: " + key + "=" + value + " is not 0 or 1");
    }
};

// For --help and the README.
inline const char* const kShapeKeysHelp =
    "A preset (tinyllama-1.1b, 110m, llama3.2-1b, llama3-8b, phi3.5-mini, qwen3-0.6b, gemma2-2b, gemma3-270m, gemma3-1b, gemma3-4b), "
    "optionally followed by ,key=value overrides; or key=value pairs alone: "
    "arch=llama|phi3|qwen3|gemma2|gemma3 (default llama), dim, layers, heads, ffn (required), kv_heads (default heads), "
    "head_dim (key_length; default dim/heads), ctx (2048), rope_base, rms_eps, tied=0|1 (no output.weight), "
    "swa (sliding window), swa_pattern, rope_base_swa, attn_softcap, final_softcap, "
    "rope_scaling=linear|yarn with rope_scale=F [rope_orig_ctx=N], rope_attn_factor, "
    "rope_freqs=F:LOW:HIGH:ORIG (llama: Llama 3 rope_freqs.weight), "
    "rope_short=A:B,rope_long=A:B (phi3: LongRoPE factor ramps). "
    "0 leaves a key out. Unset keys take the architecture's usual values.";

}  // namespace chord
