// The hyper-parameters of a llama-architecture model to synthesize: a named preset
// ("tinyllama-1.1b", "110m") or a spec such as "dim=512,layers=4,heads=8,kv_heads=4,ffn=1376".
#pragma once

#include <algorithm>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "chord/error.hpp"

namespace chord {

struct ModelShape {
    std::string name;           // preset name or "custom", for general.name
    uint32_t dim = 0;           // residual stream width (embedding length)
    uint32_t layers = 0;
    uint32_t heads = 0;
    uint32_t kv_heads = 0;      // < heads: grouped-query attention
    uint32_t ffn = 0;           // feed-forward hidden width
    uint32_t ctx = 2048;        // training context length
    float rope_base = 10000.0f;
    float rms_eps = 1e-5f;

    uint32_t head_dim() const { return dim / heads; }
    uint32_t kv_dim() const { return head_dim() * kv_heads; }

    // Throws InvalidArgument naming the first thing that no llama model could have.
    void validate() const {
        const auto positive = [](const char* what, uint32_t v) {
            if (v == 0) throw Error(ErrorCode::InvalidArgument, std::string("model shape: ") + what + " must be positive");
        };
        positive("dim", dim);
        positive("layers", layers);
        positive("heads", heads);
        positive("kv_heads", kv_heads);
        positive("ffn", ffn);
        positive("ctx", ctx);
        if (dim % heads != 0)
            throw Error(ErrorCode::InvalidArgument, "model shape: dim=" + std::to_string(dim) +
                                                        " is not divisible by heads=" + std::to_string(heads));
        if (heads % kv_heads != 0)
            throw Error(ErrorCode::InvalidArgument, "model shape: heads=" + std::to_string(heads) +
                                                        " is not divisible by kv_heads=" + std::to_string(kv_heads));
        if (head_dim() % 2 != 0)
            throw Error(ErrorCode::InvalidArgument, "model shape: the head size dim/heads=" + std::to_string(head_dim()) +
                                                        " must be even (RoPE rotates pairs)");
        if (!(rope_base > 0.0f) || !(rms_eps > 0.0f))
            throw Error(ErrorCode::InvalidArgument, "model shape: rope_base and rms_eps must be positive");
    }

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

    // A preset name, or comma-separated key=value pairs: dim, layers, heads, ffn (required),
    // kv_heads (default: heads), ctx (default 2048), rope_base, rms_eps. The result is validated.
    static ModelShape parse(const std::string& spec) {
        ModelShape s;
        if (spec == "tinyllama-1.1b") s = tinyllama_1_1b();
        else if (spec == "110m") s = stories_110m();
        else s = parse_custom(spec);
        s.validate();
        return s;
    }

private:
    static ModelShape parse_custom(const std::string& spec) {
        if (spec.find('=') == std::string::npos)
            throw Error(ErrorCode::InvalidArgument, "unknown model shape '" + spec +
                                                        "': use tinyllama-1.1b, 110m, or a spec like "
                                                        "dim=512,layers=4,heads=8,kv_heads=4,ffn=1376,ctx=512");
        ModelShape s;
        s.name = "custom";
        std::vector<std::string> seen;
        for (size_t start = 0; start <= spec.size();) {
            const size_t end = std::min(spec.find(',', start), spec.size());
            const std::string item = spec.substr(start, end - start);
            start = end + 1;
            const size_t eq = item.find('=');
            if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
                throw Error(ErrorCode::InvalidArgument, "model shape: '" + item + "' is not key=value");
            const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
            for (const std::string& k : seen)
                if (k == key) throw Error(ErrorCode::InvalidArgument, "model shape: '" + key + "' is given twice");
            seen.push_back(key);
            if (key == "rope_base") s.rope_base = parse_number(key, value);
            else if (key == "rms_eps") s.rms_eps = parse_number(key, value);
            else if (key == "kv_heads") s.kv_heads = parse_count(key, value);
            else if (key == "dim") s.dim = parse_count(key, value);
            else if (key == "layers") s.layers = parse_count(key, value);
            else if (key == "heads") s.heads = parse_count(key, value);
            else if (key == "ffn") s.ffn = parse_count(key, value);
            else if (key == "ctx") s.ctx = parse_count(key, value);
            else
                throw Error(ErrorCode::InvalidArgument, "model shape: unknown key '" + key +
                                                            "' (known: dim, layers, heads, kv_heads, ffn, ctx, rope_base, rms_eps)");
        }
        for (const char* required : {"dim", "layers", "heads", "ffn"}) {
            bool found = false;
            for (const std::string& k : seen) found = found || k == required;
            if (!found) throw Error(ErrorCode::InvalidArgument, std::string("model shape: '") + required + "' is missing");
        }
        if (s.kv_heads == 0) s.kv_heads = s.heads;
        return s;
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

    static float parse_number(const std::string& key, const std::string& value) {
        size_t used = 0;
        float v = 0.0f;
        try {
            v = std::stof(value, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != value.size() || !(v > 0.0f))
            throw Error(ErrorCode::InvalidArgument, "model shape: " + key + "=" + value + " is not a positive number");
        return v;
    }
};

}  // namespace chord
