// Weight quantizers of the K-quant types (Q2_K … Q6_K): floats -> super-blocks of 256 weights.
//
// A super-block has 8 or 16 sub-blocks, each with its own scale (and for Q2_K, Q4_K and Q5_K a
// min), stored as small integers times one or two half-precision super-block scales. So
// quantizing is three steps: fit each sub-block's scale (and min) to its weights; code those
// scales against the super-block scale; then code the weights again against the scales as
// stored. A fit tries a few scales around the plain max-based one and, for the codes each gives,
// solves the least-squares scale (and min): a small search, in the spirit of ggml's reference
// quantizers, whose error the tests hold against llama.cpp's. Every weight counts the same:
// without an importance matrix there is no reason to favour any.
//
// `n` is a number of weights, a multiple of 256. Layouts are in quant_blocks.hpp; the
// dequantizers in dequantize.hpp are the definition these must round-trip through.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "chord/fp16.hpp"
#include "chord/quant_blocks.hpp"
#include "chord/quantize_legacy.hpp"

namespace chord {

constexpr int kLanes = 4;  // divides every sub-block size: 32 (Q4_K, Q5_K) or 16 (Q2_K, Q3_K, Q6_K)

inline float lane_sum(const float lanes[kLanes]) {
    float sum = 0.0f;
    for (int l = 0; l < kLanes; ++l) sum += lanes[l];
    return sum;
}

// x ≈ scale * code - min, code in [0, top], scale >= 0, min >= 0.
struct AffineFit {
    float scale = 0.0f;
    float min = 0.0f;
};

// Codes of `n` weights for a given affine scale and min.
inline void code_affine(const float* x, int n, int top, float scale, float min, uint8_t* codes) {
    const float inverse = scale > 0.0f ? 1.0f / scale : 0.0f;
    for (int i = 0; i < n; ++i) codes[i] = uint8_t(clamp_code((x[i] + min) * inverse + 0.5f, float(top)));
}

// Codes in [-half, half - 1] of `n` weights for a given symmetric scale.
inline void code_symmetric(const float* x, int n, int half, float scale, int8_t* codes) {
    const float inverse = scale != 0.0f ? 1.0f / scale : 0.0f;
    for (int i = 0; i < n; ++i)
        codes[i] = int8_t(int(clamp_code(x[i] * inverse + (float(half) + 0.5f), float(2 * half - 1))) - half);
}

// The fits below sum over sub-blocks in kLanes independent lanes, which lets the compiler
// vectorize them (a single float sum it may not reorder), and take the sub-block length as a
// template parameter so that every loop has a fixed trip count.

// The scale and min that minimise the squared error of `n` weights coded in [0, top].
// Candidates map the range [min(x, 0), max(x)] onto top - 1 … top + 1 code steps; for each,
// the least-squares scale and min of its codes are kept if they beat the best so far.
template <int n>
AffineFit fit_affine(const float* x, int top) {
    constexpr int kSteps = 12;
    constexpr float kFrom = -1.0f, kStep = 2.0f / kSteps;
    float lane_lo[kLanes], lane_hi[kLanes], lane_x[kLanes] = {}, lane_xx[kLanes] = {};
    for (int l = 0; l < kLanes; ++l) lane_lo[l] = lane_hi[l] = x[l];
    for (int i = 0; i < n; i += kLanes)
        for (int l = 0; l < kLanes; ++l) {
            const float v = x[i + l];
            lane_lo[l] = v < lane_lo[l] ? v : lane_lo[l];
            lane_hi[l] = v > lane_hi[l] ? v : lane_hi[l];
            lane_x[l] += v;
            lane_xx[l] += v * v;
        }
    float lo = 0.0f, hi = lane_hi[0];  // the min is subtracted and stored unsigned: the offset is <= 0
    for (int l = 0; l < kLanes; ++l) {
        lo = std::min(lo, lane_lo[l]);
        hi = std::max(hi, lane_hi[l]);
    }
    const AffineFit plain{(hi - lo) / float(top), -lo};
    if (!(hi > lo)) return plain;  // constant block (or zero): the min alone holds it

    const float fn = float(n), sum_x = lane_sum(lane_x), sum_xx = lane_sum(lane_xx);
    AffineFit best = plain;
    float best_error = INFINITY;
    for (int k = 0; k <= kSteps; ++k) {
        const float inverse = (float(top) + kFrom + kStep * float(k)) / (hi - lo);
        float lane_q[kLanes] = {}, lane_qq[kLanes] = {}, lane_qx[kLanes] = {};
        for (int i = 0; i < n; i += kLanes)
            for (int l = 0; l < kLanes; ++l) {
                const float q = float(int(clamp_code((x[i + l] - lo) * inverse + 0.5f, float(top))));
                lane_q[l] += q;
                lane_qq[l] += q * q;
                lane_qx[l] += q * x[i + l];
            }
        const float sum_q = lane_sum(lane_q), sum_qq = lane_sum(lane_qq), sum_qx = lane_sum(lane_qx);
        // Least squares for x ≈ a * q + b over these codes.
        const float det = fn * sum_qq - sum_q * sum_q;
        if (!(det > 0.0f)) continue;
        float a = (fn * sum_qx - sum_q * sum_x) / det;
        float b = (sum_qq * sum_x - sum_q * sum_qx) / det;
        if (b > 0.0f) {  // the offset cannot be positive: refit the scale alone
            b = 0.0f;
            a = sum_qx / sum_qq;
        }
        if (!(a > 0.0f)) continue;
        const float error =
            sum_xx + a * a * sum_qq + fn * b * b - 2.0f * (a * sum_qx + b * sum_x - a * b * sum_q);
        if (error < best_error) {
            best_error = error;
            best = AffineFit{a, -b};
        }
    }
    return best;
}

// Sums over the codes of `n` weights at one symmetric scale (given as its inverse): of q^2 and q*x.
template <int n>
void symmetric_code_sums(const float* x, float inverse, int half, float* sum_qq, float* sum_qx) {
    const float top = float(2 * half - 1), shift = float(half) + 0.5f;
    float lane_qq[kLanes] = {}, lane_qx[kLanes] = {};
    for (int i = 0; i < n; i += kLanes)
        for (int l = 0; l < kLanes; ++l) {
            const float q = float(int(clamp_code(x[i + l] * inverse + shift, top))) - float(half);
            lane_qq[l] += q * q;
            lane_qx[l] += q * x[i + l];
        }
    *sum_qq = lane_sum(lane_qq);
    *sum_qx = lane_sum(lane_qx);
}

// The scale (of either sign) that minimises the squared error of x ≈ scale * code, code in
// [-half, half - 1]. Candidates map the largest-magnitude weight to about -half or half - 1;
// each is judged by the least-squares scale of its codes, and the best is refined by coding
// again with that scale.
template <int n>
float fit_symmetric(const float* x, int half) {
    constexpr int kSteps = 6;
    constexpr float kStep = 0.1f;
    const float xmax = signed_absmax(x, n);
    if (xmax == 0.0f) return 0.0f;
    float best_qx = 0.0f, best_qq = 1.0f;  // a fit's quality is sum_qx^2 / sum_qq
    const auto consider = [&](float inverse) {
        float sum_qq, sum_qx;
        symmetric_code_sums<n>(x, inverse, half, &sum_qq, &sum_qx);
        if (sum_qq > 0.0f && sum_qx * sum_qx * best_qq > best_qx * best_qx * sum_qq) {
            best_qx = sum_qx;
            best_qq = sum_qq;
        }
    };
    for (int k = -kSteps; k <= kSteps; ++k) {
        consider(-(float(half) + kStep * float(k)) / xmax);     // extreme on the negative side
        consider((float(half - 1) + kStep * float(k)) / xmax);  // extreme on the positive side
    }
    for (int round = 0; round < 2; ++round) consider(best_qq / best_qx);
    return best_qx / best_qq;
}

// Code of a sub-block scale v >= 0 against the super-block scale d: 0 … top.
inline uint8_t scale_code(float v, float d, int top) {
    return d > 0.0f ? uint8_t(clamp_code(v / d + 0.5f, float(top))) : 0;
}

// Signed code of a sub-block scale v against d: -half … half - 1.
inline int signed_scale_code(float v, float d, int half) {
    return d != 0.0f ? int(clamp_code(v / d + (float(half) + 0.5f), float(2 * half - 1))) - half : 0;
}

// Q4_K / Q5_K: the sub-block scales and mins as 6-bit codes against d and dmin. Returns the
// codes for the weights' second pass through `scales`/`mins` (codes) and `d`/`dmin` (stored).
inline void fit_k_scales(const AffineFit fits[8], uint16_t* d, uint16_t* dmin, uint8_t scales[8], uint8_t mins[8]) {
    float max_scale = 0.0f, max_min = 0.0f;
    for (int j = 0; j < 8; ++j) {
        max_scale = std::max(max_scale, fits[j].scale);
        max_min = std::max(max_min, fits[j].min);
    }
    *d = fp32_to_fp16_saturated(max_scale / 63.0f);
    *dmin = fp32_to_fp16_saturated(max_min / 63.0f);
    for (int j = 0; j < 8; ++j) {
        scales[j] = scale_code(fits[j].scale, fp16_to_fp32(*d), 63);
        mins[j] = scale_code(fits[j].min, fp16_to_fp32(*dmin), 63);
    }
}

// Eight 6-bit scales and mins in 12 bytes, as k_quant_scale_min() reads them.
inline void pack_k_scales(const uint8_t scales[8], const uint8_t mins[8], uint8_t packed[12]) {
    for (int j = 0; j < 4; ++j) {
        packed[j] = uint8_t(scales[j] | ((scales[j + 4] >> 4) << 6));
        packed[j + 4] = uint8_t(mins[j] | ((mins[j + 4] >> 4) << 6));
        packed[j + 8] = uint8_t((scales[j + 4] & 0x0F) | ((mins[j + 4] & 0x0F) << 4));
    }
}

// Fits and codes one super-block of Q4_K/Q5_K (`top` 15 or 31): 256 codes in `codes`.
inline void quantize_k_super_block(const float* x, int top, uint16_t* d, uint16_t* dmin, uint8_t packed_scales[12],
                                   uint8_t codes[kQK_K]) {
    AffineFit fits[8];
    for (int j = 0; j < 8; ++j) fits[j] = fit_affine<32>(x + 32 * j, top);
    uint8_t scales[8], mins[8];
    fit_k_scales(fits, d, dmin, scales, mins);
    pack_k_scales(scales, mins, packed_scales);
    const float df = fp16_to_fp32(*d), dminf = fp16_to_fp32(*dmin);
    for (int j = 0; j < 8; ++j)
        code_affine(x + 32 * j, 32, top, df * float(scales[j]), dminf * float(mins[j]), codes + 32 * j);
}

inline void quantize_q4_k(const float* x, BlockQ4_K* out, size_t n) {
    uint8_t codes[kQK_K];
    for (size_t b = 0; b < n / kQK_K; ++b, x += kQK_K) {
        quantize_k_super_block(x, 15, &out[b].d, &out[b].dmin, out[b].scales, codes);
        // Each 32-byte run holds two sub-blocks: the first in the low nibbles.
        for (int c = 0; c < 4; ++c)
            for (int l = 0; l < 32; ++l)
                out[b].qs[32 * c + l] = uint8_t(codes[64 * c + l] | (codes[64 * c + 32 + l] << 4));
    }
}

inline void quantize_q5_k(const float* x, BlockQ5_K* out, size_t n) {
    uint8_t codes[kQK_K];
    for (size_t b = 0; b < n / kQK_K; ++b, x += kQK_K) {
        quantize_k_super_block(x, 31, &out[b].d, &out[b].dmin, out[b].scales, codes);
        std::memset(out[b].qh, 0, sizeof out[b].qh);
        for (int c = 0; c < 4; ++c) {
            for (int l = 0; l < 32; ++l) {
                const uint8_t lo = codes[64 * c + l], hi = codes[64 * c + 32 + l];
                out[b].qs[32 * c + l] = uint8_t((lo & 0x0F) | ((hi & 0x0F) << 4));
                // Bit 2c of qh[l]: fifth bit of sub-block 2c, bit 2c+1: of sub-block 2c+1.
                out[b].qh[l] = uint8_t(out[b].qh[l] | ((lo >> 4) << (2 * c)) | ((hi >> 4) << (2 * c + 1)));
            }
        }
    }
}

// Two-bit fields of 256 codes (Q2_K, and the low bits of Q3_K): byte l of each 32-byte half
// holds, at bits 2s, the weight 128 * half + 32 * s + l.
inline void pack_two_bit_codes(const uint8_t codes[kQK_K], uint8_t qs[kQK_K / 4]) {
    for (int half = 0; half < 2; ++half)
        for (int l = 0; l < 32; ++l) {
            const uint8_t* c = codes + 128 * half + l;
            qs[32 * half + l] = uint8_t((c[0] & 3) | ((c[32] & 3) << 2) | ((c[64] & 3) << 4) | ((c[96] & 3) << 6));
        }
}

inline void quantize_q2_k(const float* x, BlockQ2_K* out, size_t n) {
    uint8_t codes[kQK_K];
    for (size_t b = 0; b < n / kQK_K; ++b, x += kQK_K) {
        AffineFit fits[16];
        float max_scale = 0.0f, max_min = 0.0f;
        for (int j = 0; j < 16; ++j) {
            fits[j] = fit_affine<16>(x + 16 * j, 3);
            max_scale = std::max(max_scale, fits[j].scale);
            max_min = std::max(max_min, fits[j].min);
        }
        // 4-bit scale and min codes per sub-block, in one byte: scale low, min high.
        out[b].d = fp32_to_fp16_saturated(max_scale / 15.0f);
        out[b].dmin = fp32_to_fp16_saturated(max_min / 15.0f);
        const float d = fp16_to_fp32(out[b].d), dmin = fp16_to_fp32(out[b].dmin);
        for (int j = 0; j < 16; ++j) {
            const uint8_t scale = scale_code(fits[j].scale, d, 15), min = scale_code(fits[j].min, dmin, 15);
            out[b].scales[j] = uint8_t(scale | (min << 4));
            code_affine(x + 16 * j, 16, 3, d * float(scale), dmin * float(min), codes + 16 * j);
        }
        pack_two_bit_codes(codes, out[b].qs);
    }
}

// Q3_K and Q6_K: fits the 16 sub-block scales (codes in [-half, half - 1]), codes them in
// [-half_scale, half_scale - 1] against one super-block scale, returned as stored (the largest
// maps to -half_scale), and codes the weights again against the scales as stored.
inline uint16_t quantize_symmetric_super_block(const float* x, int half, int half_scale, int scale_codes[16],
                                               int8_t codes[kQK_K]) {
    float sub_scales[16];
    for (int j = 0; j < 16; ++j) sub_scales[j] = fit_symmetric<16>(x + 16 * j, half);
    const uint16_t stored = fp32_to_fp16_saturated(signed_absmax(sub_scales, 16) / float(-half_scale));
    const float d = fp16_to_fp32(stored);
    for (int j = 0; j < 16; ++j) {
        scale_codes[j] = signed_scale_code(sub_scales[j], d, half_scale);
        code_symmetric(x + 16 * j, 16, half, d * float(scale_codes[j]), codes + 16 * j);
    }
    return stored;
}

inline void quantize_q3_k(const float* x, BlockQ3_K* out, size_t n) {
    int8_t codes[kQK_K];
    for (size_t b = 0; b < n / kQK_K; ++b, x += kQK_K) {
        int scale_codes[16];
        out[b].d = quantize_symmetric_super_block(x, 4, 32, scale_codes, codes);
        // Scales stored as 6-bit values + 32: low nibbles in bytes 0..7 (8..15 in the high
        // halves), the top two bits in bytes 8..11, four per byte.
        std::memset(out[b].scales, 0, sizeof out[b].scales);
        for (int j = 0; j < 16; ++j) {
            const int v = scale_codes[j] + 32;
            out[b].scales[j % 8] = uint8_t(out[b].scales[j % 8] | ((v & 0x0F) << (j < 8 ? 0 : 4)));
            out[b].scales[8 + j % 4] = uint8_t(out[b].scales[8 + j % 4] | ((v >> 4) << (2 * (j / 4))));
        }
        // Codes + 4 in 0..7: the low two bits as in Q2_K, the third in hmask, where bit
        // 4 * half + s of byte l belongs to weight 128 * half + 32 * s + l.
        uint8_t unsigned_codes[kQK_K];
        for (int i = 0; i < kQK_K; ++i) unsigned_codes[i] = uint8_t(codes[i] + 4);
        pack_two_bit_codes(unsigned_codes, out[b].qs);
        std::memset(out[b].hmask, 0, sizeof out[b].hmask);
        for (int i = 0; i < kQK_K; ++i)
            out[b].hmask[i % 32] = uint8_t(out[b].hmask[i % 32] | ((unsigned_codes[i] >> 2) << (i / 32)));
    }
}

inline void quantize_q6_k(const float* x, BlockQ6_K* out, size_t n) {
    int8_t codes[kQK_K];
    for (size_t b = 0; b < n / kQK_K; ++b, x += kQK_K) {
        int scale_codes[16];
        out[b].d = quantize_symmetric_super_block(x, 32, 128, scale_codes, codes);
        for (int j = 0; j < 16; ++j) out[b].scales[j] = int8_t(scale_codes[j]);
        // Codes + 32 in 0..63. In each half of 128, weights l, l+32, l+64, l+96 share qh[l]
        // (two bits each, in that order); their low nibbles go to ql[l] (l, l+64) and
        // ql[l+32] (l+32, l+96).
        for (int half = 0; half < 2; ++half) {
            uint8_t* ql = out[b].ql + 64 * half;
            uint8_t* qh = out[b].qh + 32 * half;
            const int8_t* c = codes + 128 * half;
            for (int l = 0; l < 32; ++l) {
                const int q0 = c[l] + 32, q1 = c[l + 32] + 32, q2 = c[l + 64] + 32, q3 = c[l + 96] + 32;
                ql[l] = uint8_t((q0 & 0x0F) | ((q2 & 0x0F) << 4));
                ql[l + 32] = uint8_t((q1 & 0x0F) | ((q3 & 0x0F) << 4));
                qh[l] = uint8_t((q0 >> 4) | ((q1 >> 4) << 2) | ((q2 >> 4) << 4) | ((q3 >> 4) << 6));
            }
        }
    }
}

}  // namespace chord
