// Weight quantization: floats -> any weight type wasm-chord computes with, in ggml's layouts.
//
// The per-type quantizers live in quantize_legacy.hpp, quantize_k.hpp and (Q8_0, Q8_K, shared
// with the activations) quantize.hpp; this header adapts them to one signature and picks one per
// type: `quantize()` is the entry point.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "chord/fp16.hpp"
#include "chord/quantize.hpp"
#include "chord/quantize_k.hpp"
#include "chord/quantize_legacy.hpp"
#include "chord/type_traits.hpp"

namespace chord {

// Converts `n_blocks` blocks' worth of floats (for F32/F16/BF16 a block is one element).
using QuantizeFn = void (*)(const float* src, void* dst, size_t n_blocks);

inline void quantize_f32(const float* src, void* dst, size_t n) { std::memcpy(dst, src, n * sizeof(float)); }

inline void quantize_f16(const float* src, void* dst, size_t n) {
    auto* h = static_cast<uint16_t*>(dst);
    for (size_t i = 0; i < n; ++i) h[i] = fp32_to_fp16(src[i]);
}

inline void quantize_bf16(const float* src, void* dst, size_t n) {
    auto* h = static_cast<uint16_t*>(dst);
    for (size_t i = 0; i < n; ++i) h[i] = fp32_to_bf16(src[i]);
}

// A typed block quantizer (taking a count of weights) as a QuantizeFn.
template <typename Block, size_t kBlockElements, void (*kQuantize)(const float*, Block*, size_t)>
void quantize_blocks(const float* src, void* dst, size_t n_blocks) {
    kQuantize(src, static_cast<Block*>(dst), n_blocks * kBlockElements);
}

// The quantizer of `type`, or null where wasm-chord cannot write the type.
inline QuantizeFn weight_quantizer(GgmlType type) {
    switch (type) {
        case GgmlType::F32: return quantize_f32;
        case GgmlType::F16: return quantize_f16;
        case GgmlType::BF16: return quantize_bf16;
        case GgmlType::Q4_0: return quantize_blocks<BlockQ4_0, kQK, quantize_q4_0>;
        case GgmlType::Q4_1: return quantize_blocks<BlockQ4_1, kQK, quantize_q4_1>;
        case GgmlType::Q5_0: return quantize_blocks<BlockQ5_0, kQK, quantize_q5_0>;
        case GgmlType::Q5_1: return quantize_blocks<BlockQ5_1, kQK, quantize_q5_1>;
        case GgmlType::Q8_0: return quantize_blocks<BlockQ8_0, kQK, quantize_q8_0>;
        case GgmlType::Q2_K: return quantize_blocks<BlockQ2_K, kQK_K, quantize_q2_k>;
        case GgmlType::Q3_K: return quantize_blocks<BlockQ3_K, kQK_K, quantize_q3_k>;
        case GgmlType::Q4_K: return quantize_blocks<BlockQ4_K, kQK_K, quantize_q4_k>;
        case GgmlType::Q5_K: return quantize_blocks<BlockQ5_K, kQK_K, quantize_q5_k>;
        case GgmlType::Q6_K: return quantize_blocks<BlockQ6_K, kQK_K, quantize_q6_k>;
        case GgmlType::Q8_K: return quantize_blocks<BlockQ8_K, kQK_K, quantize_q8_k>;
        default: return nullptr;
    }
}

// Converts `n_elements` floats at `src` to `type` (ggml's layout) at `dst`, which must hold
// n_elements / block_elements * block_bytes bytes. Throws UnsupportedType for a type without a
// quantizer, InvalidArgument unless `n_elements` is a whole number of blocks.
inline void quantize(GgmlType type, const float* src, void* dst, size_t n_elements) {
    const TypeTraits& t = type_traits(type);
    const QuantizeFn from_float = weight_quantizer(type);
    if (!from_float)
        throw Error(ErrorCode::UnsupportedType, std::string("wasm-chord cannot quantize to ") + t.name);
    if (n_elements % t.block_elements != 0)
        throw Error(ErrorCode::InvalidArgument, std::to_string(n_elements) + " elements of " + t.name +
                                                    " are not a whole number of " +
                                                    std::to_string(t.block_elements) + "-element blocks");
    from_float(src, dst, n_elements / t.block_elements);
}

}  // namespace chord
