// The weight formats a model can be written in, and which type each tensor gets.
//
// A plain type name (q4_0, q4_k, …) puts every 2-D tensor in that type, like llama-quantize
// --pure. The mixes (q4_k_m, …) follow llama.cpp's per-tensor choice for the llama architecture
// (llama_tensor_get_type in llama-quant.cpp): output.weight in Q6_K, and more bits for some
// attn_v / ffn_down / attn_output tensors (a fused attn_qkv counts as attn_v, as in llama.cpp).
// 1-D tensors (norms) are always F32.
#pragma once

#include <cstdint>
#include <string>

#include "chord/error.hpp"
#include "chord/type_traits.hpp"

namespace chord {

enum class QuantMix { Pure, Q2_K, Q3_K_S, Q3_K_M, Q3_K_L, Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M };

struct WeightFormat {
    const char* name;    // as the user names it
    GgmlType base;       // the type of every 2-D tensor the mix does not pick otherwise
    uint32_t file_type;  // llama.cpp's LLAMA_FTYPE_*, stored as general.file_type
    QuantMix mix;
};

// Pure K types carry the file type llama-quantize --pure writes for them (as the shared
// synth-llama-q*_k files do).
inline constexpr WeightFormat kWeightFormats[] = {
    {"f32", GgmlType::F32, 0, QuantMix::Pure},
    {"f16", GgmlType::F16, 1, QuantMix::Pure},
    {"bf16", GgmlType::BF16, 32, QuantMix::Pure},
    {"q4_0", GgmlType::Q4_0, 2, QuantMix::Pure},
    {"q4_1", GgmlType::Q4_1, 3, QuantMix::Pure},
    {"q5_0", GgmlType::Q5_0, 8, QuantMix::Pure},
    {"q5_1", GgmlType::Q5_1, 9, QuantMix::Pure},
    {"q8_0", GgmlType::Q8_0, 7, QuantMix::Pure},
    {"q2_k", GgmlType::Q2_K, 10, QuantMix::Pure},
    {"q3_k", GgmlType::Q3_K, 12, QuantMix::Pure},
    {"q4_k", GgmlType::Q4_K, 15, QuantMix::Pure},
    {"q5_k", GgmlType::Q5_K, 17, QuantMix::Pure},
    {"q6_k", GgmlType::Q6_K, 18, QuantMix::Pure},
    {"q2_k_mix", GgmlType::Q2_K, 10, QuantMix::Q2_K},  // llama-quantize's "Q2_K"
    {"q3_k_s", GgmlType::Q3_K, 11, QuantMix::Q3_K_S},
    {"q3_k_m", GgmlType::Q3_K, 12, QuantMix::Q3_K_M},
    {"q3_k_l", GgmlType::Q3_K, 13, QuantMix::Q3_K_L},
    {"q4_k_s", GgmlType::Q4_K, 14, QuantMix::Q4_K_S},
    {"q4_k_m", GgmlType::Q4_K, 15, QuantMix::Q4_K_M},
    {"q5_k_s", GgmlType::Q5_K, 16, QuantMix::Q5_K_S},
    {"q5_k_m", GgmlType::Q5_K, 17, QuantMix::Q5_K_M},
};

inline std::string weight_format_names() {
    std::string names;
    for (const WeightFormat& f : kWeightFormats) names += (names.empty() ? "" : ", ") + std::string(f.name);
    return names;
}

inline const WeightFormat& find_weight_format(const std::string& name) {
    for (const WeightFormat& f : kWeightFormats)
        if (name == f.name) return f;
    throw Error(ErrorCode::InvalidArgument, "unknown weight type '" + name + "' (known: " + weight_format_names() + ")");
}

// What a tensor is, for the mixes.
enum class TensorRole { Norm, TokenEmbedding, Output, AttnQ, AttnK, AttnV, AttnOutput, FfnGate, FfnUp, FfnDown };

// llama.cpp's choice of layers that get more bits: the first and last eighth, and every third
// layer in between.
inline bool use_more_bits(uint32_t layer, uint32_t n_layers) {
    const int i = int(layer), n = int(n_layers);
    return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

// The type of one tensor. `layer` counts from 0; `gqa` is heads / kv_heads.
inline GgmlType tensor_type(const WeightFormat& format, TensorRole role, uint32_t layer, uint32_t n_layers,
                            uint32_t gqa) {
    using M = QuantMix;
    if (role == TensorRole::Norm) return GgmlType::F32;
    const M mix = format.mix;
    if (mix == M::Pure) return format.base;
    switch (role) {
        case TensorRole::Output: return GgmlType::Q6_K;
        case TensorRole::AttnV:
            if (mix == M::Q2_K) return gqa >= 4 ? GgmlType::Q4_K : GgmlType::Q3_K;
            if (mix == M::Q3_K_M) return layer < 2 ? GgmlType::Q5_K : GgmlType::Q4_K;
            if (mix == M::Q3_K_L) return GgmlType::Q5_K;
            if ((mix == M::Q4_K_M || mix == M::Q5_K_M) && use_more_bits(layer, n_layers)) return GgmlType::Q6_K;
            if (mix == M::Q4_K_S && layer < 4) return GgmlType::Q5_K;
            return format.base;
        case TensorRole::FfnDown:
            if (mix == M::Q2_K) return GgmlType::Q3_K;
            if (mix == M::Q3_K_M) return layer < n_layers / 16 ? GgmlType::Q5_K : GgmlType::Q4_K;
            if (mix == M::Q3_K_L) return GgmlType::Q5_K;
            if ((mix == M::Q4_K_M || mix == M::Q5_K_M) && use_more_bits(layer, n_layers)) return GgmlType::Q6_K;
            if (mix == M::Q4_K_S && layer < n_layers / 8) return GgmlType::Q5_K;
            return format.base;
        case TensorRole::AttnOutput:
            if (mix == M::Q2_K) return GgmlType::Q3_K;
            if (mix == M::Q3_K_M) return GgmlType::Q4_K;
            if (mix == M::Q3_K_L) return GgmlType::Q5_K;
            return format.base;
        default: return format.base;
    }
}

// llama-quantize's fallback for a row length that is not a whole number of the type's blocks
// (tensor_type_fallback in llama-quant.cpp): K types step down to a 32-weight type, and a row
// that fits no block at all stays F16.
inline GgmlType fallback_type(GgmlType type, uint64_t row) {
    if (row % type_traits(type).block_elements == 0) return type;
    GgmlType fallback = GgmlType::F16;
    switch (type) {
        case GgmlType::Q2_K:
        case GgmlType::Q3_K: fallback = GgmlType::Q4_0; break;
        case GgmlType::Q4_K: fallback = GgmlType::Q5_0; break;
        case GgmlType::Q5_K: fallback = GgmlType::Q5_1; break;
        case GgmlType::Q6_K: fallback = GgmlType::Q8_0; break;
        default: break;
    }
    return row % type_traits(fallback).block_elements == 0 ? fallback : GgmlType::F16;
}

// The type llama-quantize gives a tensor of `row` weights a row: tensor_type(), where the
// output projection (token_embd when the embeddings are tied) of a mix is Q8_0 if its rows
// are not whole blocks of the mix's base type, then fallback_type().
inline GgmlType tensor_type_for_row(const WeightFormat& format, TensorRole role, uint32_t layer, uint32_t n_layers,
                                    uint32_t gqa, uint64_t row) {
    GgmlType type = tensor_type(format, role, layer, n_layers, gqa);
    if (role == TensorRole::Output && format.mix != QuantMix::Pure && row % type_traits(format.base).block_elements != 0)
        type = GgmlType::Q8_0;
    return fallback_type(type, row);
}

}  // namespace chord
