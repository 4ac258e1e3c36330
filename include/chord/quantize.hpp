// Quantization of activations to 8 bits, as llama.cpp does it before its quantized dot products.
//
// Matrix-vector products dot quantized weight blocks against activations quantized block by block:
// Q8_0 (32 values, half scale) pairs with the legacy types, Q8_K (256 values, float scale and
// per-16 sums) with the K-quants. Matching llama.cpp's rounding keeps our logits next to its own.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "chord/fp16.hpp"
#include "chord/quant_blocks.hpp"

namespace chord {

// Round half to even, like ggml's nearest_int for |x| < 2^22 (rintf in the default rounding mode).
inline int round_nearest_even(float x) { return int(std::nearbyint(x)); }

// Round half away from zero, exactly as std::round, from instructions every target has (WASM has
// no roundf instruction: std::round is a library call there, in the hottest loop of quantizing).
// x − trunc(x) is exact for every float.
inline float round_half_away(float x) {
    const float t = std::trunc(x);
    return std::fabs(x - t) >= 0.5f ? t + std::copysign(1.0f, x) : t;
}

// `n` must be a multiple of 32. Scale = max|x| / 127, quants rounded half away from zero.
inline void quantize_q8_0(const float* x, BlockQ8_0* out, size_t n) {
    for (size_t b = 0; b < n / kQK; ++b, x += kQK) {
        float amax = 0.0f;
        for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
        const float d = amax / 127.0f;
        const float inverse = d != 0.0f ? 1.0f / d : 0.0f;
        out[b].d = fp32_to_fp16_saturated(d);  // finite even for absurd inputs
        for (int j = 0; j < kQK; ++j) out[b].qs[j] = int8_t(round_half_away(x[j] * inverse));
    }
}

// `n` must be a multiple of 256. The value of largest magnitude maps to -127 or 127 exactly.
inline void quantize_q8_k(const float* x, BlockQ8_K* out, size_t n) {
    for (size_t b = 0; b < n / kQK_K; ++b, x += kQK_K) {
        float amax = 0.0f, signed_max = 0.0f;
        for (int j = 0; j < kQK_K; ++j) {
            if (std::fabs(x[j]) > amax) {
                amax = std::fabs(x[j]);
                signed_max = x[j];
            }
        }
        if (amax == 0.0f) {
            out[b] = BlockQ8_K{};
            continue;
        }
        const float inverse_scale = -127.0f / signed_max;
        for (int j = 0; j < kQK_K; ++j)
            out[b].qs[j] = int8_t(std::min(127, round_nearest_even(inverse_scale * x[j])));
        for (int g = 0; g < kQK_K / 16; ++g) {
            int sum = 0;
            for (int j = 0; j < 16; ++j) sum += out[b].qs[g * 16 + j];
            out[b].bsums[g] = int16_t(sum);
        }
        out[b].d = 1.0f / inverse_scale;
    }
}

}  // namespace chord
