// Weight quantizers of the legacy block types (Q4_0, Q4_1, Q5_0, Q5_1): floats -> blocks of 32.
//
// These follow ggml's reference rules exactly (max-based scale, round half up), so a tensor we
// quantize has the same bytes as one llama.cpp quantizes from the same floats. Q8_0 is in
// quantize.hpp, shared with the activations. `n` is a number of weights, a multiple of 32.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "chord/fp16.hpp"
#include "chord/quant_blocks.hpp"

namespace chord {

// v clamped to [0, top]; NaN (from inf - inf on absurd inputs) becomes 0, so that the integer
// conversion that follows is always defined.
inline float clamp_code(float v, float top) { return std::min(top, std::max(0.0f, v)); }

// The weight of largest magnitude, with its sign.
inline float signed_absmax(const float* x, int n) {
    float amax = 0.0f, signed_max = 0.0f;
    for (int j = 0; j < n; ++j) {
        if (std::fabs(x[j]) > amax) {
            amax = std::fabs(x[j]);
            signed_max = x[j];
        }
    }
    return signed_max;
}

// 4-bit codes, weight j in the low nibble of qs[j], weight j+16 in the high nibble.
inline void pack_nibbles(const uint8_t q[kQK], uint8_t qs[kQK / 2]) {
    for (int j = 0; j < kQK / 2; ++j) qs[j] = uint8_t(q[j] | (q[j + kQK / 2] << 4));
}

// 5-bit codes: bit 4 of weight j at bit j of the little-endian word qh, the low four bits as
// in pack_nibbles.
inline void pack_five_bit_codes(const uint8_t q[kQK], uint8_t qh[4], uint8_t qs[kQK / 2]) {
    uint32_t bits = 0;
    for (int j = 0; j < kQK; ++j) bits |= uint32_t(q[j] >> 4) << j;
    for (int k = 0; k < 4; ++k) qh[k] = uint8_t(bits >> (8 * k));
    for (int j = 0; j < kQK / 2; ++j) qs[j] = uint8_t((q[j] & 0x0F) | ((q[j + kQK / 2] & 0x0F) << 4));
}

// Symmetric: the largest-magnitude weight maps to code 0 (-half_levels), zero to half_levels.
// Returns the stored scale; codes in [0, 2 * half_levels - 1].
inline uint16_t quantize_symmetric_block(const float* x, int half_levels, uint8_t q[kQK]) {
    const float d = signed_absmax(x, kQK) / float(-half_levels);
    const float inverse = d != 0.0f ? 1.0f / d : 0.0f;  // the unrounded scale, as ggml does
    const int top = 2 * half_levels - 1;
    for (int j = 0; j < kQK; ++j)
        q[j] = uint8_t(clamp_code(x[j] * inverse + (float(half_levels) + 0.5f), float(top)));  // round half up
    return fp32_to_fp16_saturated(d);
}

// Affine: min maps to code 0, max to code `top`. Stores the scale and min; codes in [0, top].
inline void quantize_affine_block(const float* x, int top, uint8_t q[kQK], uint16_t* d_out, uint16_t* m_out) {
    float lo = x[0], hi = x[0];
    for (int j = 1; j < kQK; ++j) {
        lo = std::min(lo, x[j]);
        hi = std::max(hi, x[j]);
    }
    const float d = (hi - lo) / float(top);
    *d_out = fp32_to_fp16_saturated(d);
    *m_out = fp32_to_fp16_saturated(lo);
    const float inverse = d != 0.0f ? 1.0f / d : 0.0f;
    for (int j = 0; j < kQK; ++j)
        q[j] = uint8_t(clamp_code((x[j] - lo) * inverse + 0.5f, float(top)));
}

inline void quantize_q4_0(const float* x, BlockQ4_0* out, size_t n) {
    uint8_t q[kQK];
    for (size_t b = 0; b < n / kQK; ++b, x += kQK) {
        out[b].d = quantize_symmetric_block(x, 8, q);
        pack_nibbles(q, out[b].qs);
    }
}

inline void quantize_q4_1(const float* x, BlockQ4_1* out, size_t n) {
    uint8_t q[kQK];
    for (size_t b = 0; b < n / kQK; ++b, x += kQK) {
        quantize_affine_block(x, 15, q, &out[b].d, &out[b].m);
        pack_nibbles(q, out[b].qs);
    }
}

inline void quantize_q5_0(const float* x, BlockQ5_0* out, size_t n) {
    uint8_t q[kQK];
    for (size_t b = 0; b < n / kQK; ++b, x += kQK) {
        out[b].d = quantize_symmetric_block(x, 16, q);
        pack_five_bit_codes(q, out[b].qh, out[b].qs);
    }
}

inline void quantize_q5_1(const float* x, BlockQ5_1* out, size_t n) {
    uint8_t q[kQK];
    for (size_t b = 0; b < n / kQK; ++b, x += kQK) {
        quantize_affine_block(x, 31, q, &out[b].d, &out[b].m);
        pack_five_bit_codes(q, out[b].qh, out[b].qs);
    }
}

}  // namespace chord
