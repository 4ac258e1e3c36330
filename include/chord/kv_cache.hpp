// The KV cache's element type: how each layer's keys and values are stored, and so how attention
// reads them — as llama.cpp's CPU backend does for the same cache type.
//
//   F16 (default, llama.cpp's default): keys and values rounded to half (round to nearest even);
//        the query meets the keys as a half-precision vector and each softmax weight is rounded to
//        half before it scales the values (llama.cpp without flash attention: K·q and V·kq are
//        matrix products with F16 matrices, whose F32 operand is converted to F16 first).
//   Q8_0: keys and values quantized in blocks of 32 (an F16 scale amax / 127, codes rounded half
//        away from zero: quantize_q8_0, ggml's reference rule); the query is quantized the same way
//        per head and meets the keys as integer dot products, block by block (ggml's Q8_0 × Q8_0
//        dot). llama.cpp keeps a quantized V cache only with flash attention, whose weights stay
//        float and whose values are dequantized: so here, with the two-pass softmax of the others.
//        Heads must be a multiple of 32 values (llama.cpp refuses the others too).
//   F32: no rounding at all.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "chord/error.hpp"
#include "chord/quant_blocks.hpp"

namespace chord {

enum class KvCacheType { F16, Q8_0, F32 };

inline const char* kv_cache_type_name(KvCacheType type) {
    switch (type) {
        case KvCacheType::F16: return "f16";
        case KvCacheType::Q8_0: return "q8_0";
        case KvCacheType::F32: return "f32";
    }
    return "unknown";
}

// "f16", "q8_0" or "f32" (as llama.cpp's --cache-type-k spells them); anything else is an
// InvalidArgument error.
inline KvCacheType parse_kv_cache_type(std::string_view name) {
    for (KvCacheType t : {KvCacheType::F16, KvCacheType::Q8_0, KvCacheType::F32})
        if (name == kv_cache_type_name(t)) return t;
    throw Error(ErrorCode::InvalidArgument, "the KV cache type must be 'f16', 'q8_0' or 'f32', not '" + std::string(name) + "'");
}

// Bytes of one cache row of `width` values (a multiple of 32 for Q8_0: 34 bytes per block).
inline uint64_t kv_cache_row_bytes(KvCacheType type, uint64_t width) {
    switch (type) {
        case KvCacheType::F16: return width * 2;
        case KvCacheType::Q8_0: return width / kQK * sizeof(BlockQ8_0);
        case KvCacheType::F32: return width * 4;
    }
    return width * 4;
}

// Throws when `type` is not a cache type (a number cast from elsewhere) or cannot hold heads of
// `head_dim` values.
inline void check_kv_cache_type(KvCacheType type, uint64_t head_dim) {
    if (type != KvCacheType::F16 && type != KvCacheType::Q8_0 && type != KvCacheType::F32)
        throw Error(ErrorCode::InvalidArgument, "unknown KV cache type " + std::to_string(int(type)) + " (f16, q8_0 or f32)");
    if (type == KvCacheType::Q8_0 && head_dim % kQK != 0)
        throw Error(ErrorCode::InvalidArgument, "the q8_0 KV cache needs attention heads of a multiple of 32 values; this model's have " +
                                                    std::to_string(head_dim) + " (use f16)");
}

}  // namespace chord
