// Decoding (one token) straight from the quantized blocks in WASM SIMD128: the weights are widened
// in registers and multiplied at once, never stored unpacked, since in decoding each weight is used
// exactly once. The same integer sums as the unpack-then-dot path (int_dot.hpp); a test checks it.
#pragma once

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

#include "int_rows.hpp"

namespace chord::cpu::decode_simd128 {

// Exact for every finite half (normal or subnormal), without branches: the bits moved into a
// float's place and the exponent bias corrected by a multiply. Block scales are never inf or nan.
inline float half_to_float(uint16_t h) {
    uint32_t magnitude = uint32_t(h & 0x7FFFu) << 13;
    float f;
    __builtin_memcpy(&f, &magnitude, 4);
    f *= 0x1p112f;
    return (h & 0x8000u) ? -f : f;
}

inline int32_t lane_sum(v128_t v) {
    return wasm_i32x4_extract_lane(v, 0) + wasm_i32x4_extract_lane(v, 1) + wasm_i32x4_extract_lane(v, 2) +
           wasm_i32x4_extract_lane(v, 3);
}

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

// Lane sums of four vectors: {Σa, Σb, Σc, Σd}.
inline v128_t transpose_sum(v128_t a, v128_t b, v128_t c, v128_t d) {
    const v128_t ab = wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
    const v128_t cd = wasm_i32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
    return wasm_i32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5), wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}

// The scales of four consecutive 32-weight blocks (half floats, `stride` bytes apart) as floats,
// converted together as half_to_float does one.
inline v128_t four_half_scales(const uint8_t* first, size_t stride) {
    uint16_t h[4];
    for (int i = 0; i < 4; ++i) __builtin_memcpy(&h[i], first + size_t(i) * stride, 2);
    const v128_t bits = wasm_u32x4_make(h[0], h[1], h[2], h[3]);
    const v128_t magnitude = wasm_f32x4_mul(wasm_v128_and(wasm_i32x4_shl(bits, 13), wasm_i32x4_splat(0x0FFFE000)),
                                            wasm_f32x4_splat(0x1p112f));
    return wasm_v128_or(magnitude, wasm_i32x4_shl(wasm_v128_and(bits, wasm_i32x4_splat(0x8000)), 16));
}

inline float horizontal_sum(v128_t v) {
    return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) +
           wasm_f32x4_extract_lane(v, 3);
}

// The integer dot product of one Q4_0 / Q8_0 block with its 32 activations.
inline v128_t block_dot(const BlockQ4_0& block, const int16_t* xs) {
    const v128_t q = wasm_v128_load(block.qs);
    const v128_t lo = wasm_i8x16_sub(wasm_v128_and(q, wasm_i8x16_splat(0x0F)), wasm_i8x16_splat(8));
    const v128_t hi = wasm_i8x16_sub(wasm_u8x16_shr(q, 4), wasm_i8x16_splat(8));
    return wasm_i32x4_add(dot16(lo, xs), dot16(hi, xs + 16));
}

inline v128_t block_dot(const BlockQ8_0& block, const int16_t* xs) {
    return wasm_i32x4_add(dot16(wasm_v128_load(block.qs), xs), dot16(wasm_v128_load(block.qs + 16), xs + 16));
}

// A row of 32-weight blocks (Q4_0, Q8_0): four blocks at a time, whose four integer sums become
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
inline float q8_0(const BlockQ8_0* blocks, const IntActivations& x) { return legacy_row(blocks, x); }

inline float q4_k(const BlockQ4_K* blocks, const IntActivations& x) {
    const v128_t low_mask = wasm_i8x16_splat(0x0F);
    float acc = 0.0f;
    for (size_t b = 0; b < x.blocks(); ++b) {
        const int16_t* xs = x.block(0, b);
        const int16_t* sums = x.block_sums(0, b);
        const uint8_t* q = blocks[b].qs;
        v128_t dot = wasm_i32x4_splat(0);
        int32_t mins = 0;
        for (int sub = 0; sub < 8; sub += 2, q += 32, xs += 64, sums += 4) {
            uint8_t sc0, m0, sc1, m1;
            k_quant_scale_min(sub, blocks[b].scales, &sc0, &m0);
            k_quant_scale_min(sub + 1, blocks[b].scales, &sc1, &m1);
            const v128_t qa = wasm_v128_load(q), qb = wasm_v128_load(q + 16);
            const v128_t d0 = wasm_i32x4_add(dot16u(wasm_v128_and(qa, low_mask), xs), dot16u(wasm_v128_and(qb, low_mask), xs + 16));
            const v128_t d1 = wasm_i32x4_add(dot16u(wasm_u8x16_shr(qa, 4), xs + 32), dot16u(wasm_u8x16_shr(qb, 4), xs + 48));
            dot = wasm_i32x4_add(dot, wasm_i32x4_add(wasm_i32x4_mul(d0, wasm_i32x4_splat(sc0)),
                                                     wasm_i32x4_mul(d1, wasm_i32x4_splat(sc1))));
            mins += int32_t(m0) * (sums[0] + sums[1]) + int32_t(m1) * (sums[2] + sums[3]);
        }
        acc += x.block_scale(0, b) *
               (half_to_float(blocks[b].d) * float(lane_sum(dot)) - half_to_float(blocks[b].dmin) * float(mins));
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
        const int8_t* sc = blocks[b].scales;
        v128_t dot = wasm_i32x4_splat(0);
        for (int half = 0; half < 2; ++half, xs += 128, ql += 64, qh += 32, sc += 8) {
            for (int l = 0; l < 32; l += 16) {  // sixteen weights share one scale
                const int is = l / 16;
                const v128_t low_a = wasm_v128_load(ql + l), low_b = wasm_v128_load(ql + l + 32), high = wasm_v128_load(qh + l);
                const v128_t q1 = wasm_i8x16_sub(wasm_v128_or(wasm_v128_and(low_a, low_mask),
                                                              wasm_i8x16_shl(wasm_v128_and(high, two_bits), 4)), offset);
                const v128_t q2 = wasm_i8x16_sub(wasm_v128_or(wasm_v128_and(low_b, low_mask),
                                                              wasm_i8x16_shl(wasm_v128_and(wasm_u8x16_shr(high, 2), two_bits), 4)), offset);
                const v128_t q3 = wasm_i8x16_sub(wasm_v128_or(wasm_u8x16_shr(low_a, 4),
                                                              wasm_i8x16_shl(wasm_v128_and(wasm_u8x16_shr(high, 4), two_bits), 4)), offset);
                const v128_t q4 = wasm_i8x16_sub(wasm_v128_or(wasm_u8x16_shr(low_b, 4),
                                                              wasm_i8x16_shl(wasm_u8x16_shr(high, 6), 4)), offset);
                dot = wasm_i32x4_add(dot, wasm_i32x4_mul(dot16(q1, xs + l), wasm_i32x4_splat(sc[is])));
                dot = wasm_i32x4_add(dot, wasm_i32x4_mul(dot16(q2, xs + l + 32), wasm_i32x4_splat(sc[is + 2])));
                dot = wasm_i32x4_add(dot, wasm_i32x4_mul(dot16(q3, xs + l + 64), wasm_i32x4_splat(sc[is + 4])));
                dot = wasm_i32x4_add(dot, wasm_i32x4_mul(dot16(q4, xs + l + 96), wasm_i32x4_splat(sc[is + 6])));
            }
        }
        acc += x.block_scale(0, b) * half_to_float(blocks[b].d) * float(lane_sum(dot));
    }
    return acc;
}

inline bool has_kernel(GgmlType type) {
    return type == GgmlType::Q4_0 || type == GgmlType::Q8_0 || type == GgmlType::Q4_K || type == GgmlType::Q6_K;
}

// w · x for one token and a row of `type` (one that has_kernel()).
inline void decode_row(GgmlType type, const void* row, const IntActivations& x, float* out) {
    switch (type) {
        case GgmlType::Q4_0: *out = q4_0(static_cast<const BlockQ4_0*>(row), x); return;
        case GgmlType::Q8_0: *out = q8_0(static_cast<const BlockQ8_0*>(row), x); return;
        case GgmlType::Q4_K: *out = q4_k(static_cast<const BlockQ4_K*>(row), x); return;
        case GgmlType::Q6_K: *out = q6_k(static_cast<const BlockQ6_K*>(row), x); return;
        default: throw Error(ErrorCode::UnsupportedType, std::string("no decoding kernel for ") + type_name(type));
    }
}

}  // namespace chord::cpu::decode_simd128
#endif
