// Decoding (one token) straight from the quantized blocks in WASM SIMD128: the weights are widened
// in registers and multiplied at once, never stored unpacked, since in decoding each weight is used
// exactly once. The same integer sums as the unpack-then-dot path (int_dot.hpp); a test checks it.
#pragma once

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

#include <cstring>

#include "int_rows.hpp"
#include "simd128_blocks.hpp"
#include "simd128_lanes.hpp"

namespace chord::cpu::decode_simd128 {

using simd128::four_half_scales;
using simd128::half_to_float;
using simd128::horizontal_sum;
using simd128::q4_k_scales_and_mins;
using simd128::lane_sum;
using simd128::transpose_sum;

// Σ over 16 signed bytes (as int8) times 16 int16 activations.
inline v128_t dot16(v128_t bytes, const int16_t* x) {
    return wasm_i32x4_add(wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(bytes), wasm_v128_load(x)),
                          wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(bytes), wasm_v128_load(x + 8)));
}

// Σ over 16 unsigned bytes times 16 int16 activations.
inline v128_t dot16u(v128_t bytes, const int16_t* x) {
    return wasm_i32x4_add(wasm_i32x4_dot_i16x8(wasm_u16x8_extend_low_u8x16(bytes), wasm_v128_load(x)),
                          wasm_i32x4_dot_i16x8(wasm_u16x8_extend_high_u8x16(bytes), wasm_v128_load(x + 8)));
}

// The integer dot product of one Q4_0 / Q5_0 / Q8_0 block with its 32 activations.
inline v128_t block_dot(const BlockQ4_0& block, const int16_t* xs) {
    const v128_t q = wasm_v128_load(block.qs);
    const v128_t lo = wasm_i8x16_sub(wasm_v128_and(q, wasm_i8x16_splat(0x0F)), wasm_i8x16_splat(8));
    const v128_t hi = wasm_i8x16_sub(wasm_u8x16_shr(q, 4), wasm_i8x16_splat(8));
    return wasm_i32x4_add(dot16(lo, xs), dot16(hi, xs + 16));
}

// Q5_0: the Q4_0 nibbles, each with its fifth bit from qh (bit j for weight j) as 0x10, minus 16.
// The bits reach their bytes by a byte splat of qh and a test against one bit per lane.
inline v128_t block_dot(const BlockQ5_0& block, const int16_t* xs) {
    uint32_t qh;
    std::memcpy(&qh, block.qh, sizeof qh);
    const v128_t h = wasm_i32x4_splat(int32_t(qh));
    const v128_t bit = wasm_i8x16_make(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
    const auto fifth_bits = [&](v128_t bytes_of_qh) {  // 0x10 where the weight's bit is set
        return wasm_v128_and(wasm_i8x16_eq(wasm_v128_and(bytes_of_qh, bit), bit), wasm_i8x16_splat(0x10));
    };
    const v128_t h_lo = fifth_bits(wasm_i8x16_shuffle(h, h, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1));
    const v128_t h_hi = fifth_bits(wasm_i8x16_shuffle(h, h, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
    const v128_t q = wasm_v128_load(block.qs);
    const v128_t lo = wasm_i8x16_sub(wasm_v128_or(wasm_v128_and(q, wasm_i8x16_splat(0x0F)), h_lo), wasm_i8x16_splat(16));
    const v128_t hi = wasm_i8x16_sub(wasm_v128_or(wasm_u8x16_shr(q, 4), h_hi), wasm_i8x16_splat(16));
    return wasm_i32x4_add(dot16(lo, xs), dot16(hi, xs + 16));
}

inline v128_t block_dot(const BlockQ8_0& block, const int16_t* xs) {
    return wasm_i32x4_add(dot16(wasm_v128_load(block.qs), xs), dot16(wasm_v128_load(block.qs + 16), xs + 16));
}

// A row of 32-weight blocks (Q4_0, Q5_0, Q8_0): four blocks at a time, whose four integer sums become
// one vector, converted and scaled together.
template <typename Block>
float legacy_row(const Block* blocks, const IntActivations& x) {
    const int16_t* xs = x.block(0, 0);
    const float* x_scale = &x.scale[0];  // one token: its blocks' scales in order
    const size_t n_blocks = x.blocks();
    v128_t acc = wasm_f32x4_splat(0.0f);
    size_t b = 0;
    for (; b + 4 <= n_blocks; b += 4, xs += 4 * kQK) {
        const v128_t sums = transpose_sum(block_dot(blocks[b], xs), block_dot(blocks[b + 1], xs + kQK),
                                          block_dot(blocks[b + 2], xs + 2 * kQK), block_dot(blocks[b + 3], xs + 3 * kQK));
        const v128_t scales = wasm_f32x4_mul(four_half_scales(reinterpret_cast<const uint8_t*>(&blocks[b].d), sizeof(Block)),
                                             wasm_v128_load(x_scale + b));
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(sums), scales));
    }
    float total = horizontal_sum(acc);
    for (; b < n_blocks; ++b, xs += kQK)
        total += half_to_float(blocks[b].d) * x_scale[b] * float(lane_sum(block_dot(blocks[b], xs)));
    return total;
}

inline float q4_0(const BlockQ4_0* blocks, const IntActivations& x) { return legacy_row(blocks, x); }
inline float q5_0(const BlockQ5_0* blocks, const IntActivations& x) { return legacy_row(blocks, x); }
inline float q8_0(const BlockQ8_0* blocks, const IntActivations& x) { return legacy_row(blocks, x); }

inline float q4_k(const BlockQ4_K* blocks, const IntActivations& x) {
    const v128_t low_mask = wasm_i8x16_splat(0x0F);
    float acc = 0.0f;
    for (size_t b = 0; b < x.blocks(); ++b) {
        const int16_t* xs = x.block(0, b);
        const uint8_t* q = blocks[b].qs;
        v128_t sub[8];  // the integer dot product of each 32-weight sub-block, over 4 lanes
        for (int j = 0; j < 8; j += 2, q += 32, xs += 64) {
            const v128_t qa = wasm_v128_load(q), qb = wasm_v128_load(q + 16);
            sub[j] = wasm_i32x4_add(dot16u(wasm_v128_and(qa, low_mask), xs), dot16u(wasm_v128_and(qb, low_mask), xs + 16));
            sub[j + 1] = wasm_i32x4_add(dot16u(wasm_u8x16_shr(qa, 4), xs + 32), dot16u(wasm_u8x16_shr(qb, 4), xs + 48));
        }
        // Σ_j scale_j · sub_j and Σ_j min_j · (Σ x over sub-block j), with the scales as vectors.
        const v128_t scales_mins = q4_k_scales_and_mins(blocks[b].scales);
        const v128_t scales = wasm_u16x8_extend_low_u8x16(scales_mins), mins = wasm_u16x8_extend_high_u8x16(scales_mins);
        const v128_t dots = wasm_i32x4_add(
            wasm_i32x4_mul(transpose_sum(sub[0], sub[1], sub[2], sub[3]), wasm_u32x4_extend_low_u16x8(scales)),
            wasm_i32x4_mul(transpose_sum(sub[4], sub[5], sub[6], sub[7]), wasm_u32x4_extend_high_u16x8(scales)));
        const int16_t* sums = x.block_sums(0, b);  // per 16: pair them into per 32
        const v128_t pair_sums = wasm_i16x8_narrow_i32x4(wasm_i32x4_extadd_pairwise_i16x8(wasm_v128_load(sums)),
                                                         wasm_i32x4_extadd_pairwise_i16x8(wasm_v128_load(sums + 8)));
        const int32_t min_total = lane_sum(wasm_i32x4_dot_i16x8(mins, pair_sums));
        acc += x.block_scale(0, b) *
               (half_to_float(blocks[b].d) * float(lane_sum(dots)) - half_to_float(blocks[b].dmin) * float(min_total));
    }
    return acc;
}

inline float q6_k(const BlockQ6_K* blocks, const IntActivations& x) {
    const v128_t low_mask = wasm_i8x16_splat(0x0F), two_bits = wasm_i8x16_splat(3), offset = wasm_i8x16_splat(32);
    float acc = 0.0f;
    for (size_t b = 0; b < x.blocks(); ++b) {
        const int16_t* xs = x.block(0, b);
        const uint8_t* ql = blocks[b].ql;
        const uint8_t* qh = blocks[b].qh;
        v128_t group[16];  // the integer dot product of each 16-weight group (one scale each), over 4 lanes
        for (int half = 0; half < 2; ++half, xs += 128, ql += 64, qh += 32) {
            for (int l = 0; l < 32; l += 16) {
                const int g = half * 8 + l / 16;  // weights l.., l+32.., l+64.., l+96.. are groups g, g+2, g+4, g+6
                const v128_t low_a = wasm_v128_load(ql + l), low_b = wasm_v128_load(ql + l + 32), high = wasm_v128_load(qh + l);
                const v128_t q1 = wasm_i8x16_sub(wasm_v128_or(wasm_v128_and(low_a, low_mask),
                                                              wasm_i8x16_shl(wasm_v128_and(high, two_bits), 4)), offset);
                const v128_t q2 = wasm_i8x16_sub(wasm_v128_or(wasm_v128_and(low_b, low_mask),
                                                              wasm_i8x16_shl(wasm_v128_and(wasm_u8x16_shr(high, 2), two_bits), 4)), offset);
                const v128_t q3 = wasm_i8x16_sub(wasm_v128_or(wasm_u8x16_shr(low_a, 4),
                                                              wasm_i8x16_shl(wasm_v128_and(wasm_u8x16_shr(high, 4), two_bits), 4)), offset);
                const v128_t q4 = wasm_i8x16_sub(wasm_v128_or(wasm_u8x16_shr(low_b, 4),
                                                              wasm_i8x16_shl(wasm_u8x16_shr(high, 6), 4)), offset);
                group[g] = dot16(q1, xs + l);
                group[g + 2] = dot16(q2, xs + l + 32);
                group[g + 4] = dot16(q3, xs + l + 64);
                group[g + 6] = dot16(q4, xs + l + 96);
            }
        }
        // Σ_g scale_g · group_g, four groups per vector.
        const v128_t scales8 = wasm_v128_load(blocks[b].scales);
        const v128_t scales_lo = wasm_i16x8_extend_low_i8x16(scales8), scales_hi = wasm_i16x8_extend_high_i8x16(scales8);
        v128_t dots = wasm_i32x4_mul(transpose_sum(group[0], group[1], group[2], group[3]), wasm_i32x4_extend_low_i16x8(scales_lo));
        dots = wasm_i32x4_add(dots, wasm_i32x4_mul(transpose_sum(group[4], group[5], group[6], group[7]),
                                                   wasm_i32x4_extend_high_i16x8(scales_lo)));
        dots = wasm_i32x4_add(dots, wasm_i32x4_mul(transpose_sum(group[8], group[9], group[10], group[11]),
                                                   wasm_i32x4_extend_low_i16x8(scales_hi)));
        dots = wasm_i32x4_add(dots, wasm_i32x4_mul(transpose_sum(group[12], group[13], group[14], group[15]),
                                                   wasm_i32x4_extend_high_i16x8(scales_hi)));
        acc += x.block_scale(0, b) * half_to_float(blocks[b].d) * float(lane_sum(dots));
    }
    return acc;
}

inline bool has_kernel(GgmlType type) {
    return type == GgmlType::Q4_0 || type == GgmlType::Q5_0 || type == GgmlType::Q8_0 || type == GgmlType::Q4_K ||
           type == GgmlType::Q6_K;
}

// w · x for one token and a row of `type` (one that has_kernel()).
inline void decode_row(GgmlType type, const void* row, const IntActivations& x, float* out) {
    switch (type) {
        case GgmlType::Q4_0: *out = q4_0(static_cast<const BlockQ4_0*>(row), x); return;
        case GgmlType::Q5_0: *out = q5_0(static_cast<const BlockQ5_0*>(row), x); return;
        case GgmlType::Q8_0: *out = q8_0(static_cast<const BlockQ8_0*>(row), x); return;
        case GgmlType::Q4_K: *out = q4_k(static_cast<const BlockQ4_K*>(row), x); return;
        case GgmlType::Q6_K: *out = q6_k(static_cast<const BlockQ6_K*>(row), x); return;
        default: throw Error(ErrorCode::UnsupportedType, std::string("no decoding kernel for ") + type_name(type));
    }
}

}  // namespace chord::cpu::decode_simd128
#endif
