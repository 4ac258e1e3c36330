// Vectorized unpackers for the weight types that dominate real models (Q4_0, Q8_0, Q4_K, Q6_K),
// written once with GCC/Clang vector extensions: the same source becomes WASM SIMD128 in the wasm
// builds and SSE/AVX natively. Each produces exactly what the plain unpackers of weight_unpack.hpp
// produce (a test checks it).
#pragma once

#include <cstring>

#include "int_rows.hpp"

namespace chord::cpu::unpack_vector {

typedef uint8_t u8x16 __attribute__((vector_size(16)));
typedef int8_t i8x16 __attribute__((vector_size(16)));
typedef int16_t i16x16 __attribute__((vector_size(32)));

inline u8x16 load16(const uint8_t* p) {
    u8x16 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// 16 signed bytes widened to int16 and stored.
inline void store_widened(int16_t* dst, i8x16 v) {
    const i16x16 wide = __builtin_convertvector(v, i16x16);
    std::memcpy(dst, &wide, sizeof wide);
}

// 16 bytes (u8x16 or i8x16: widened with or without sign) to int16, times `scale`, stored.
template <typename Bytes>
inline void store_scaled(int16_t* dst, Bytes v, int16_t scale) {
    const i16x16 wide = __builtin_convertvector(v, i16x16) * scale;
    std::memcpy(dst, &wide, sizeof wide);
}

inline void q4_0(const BlockQ4_0* blocks, size_t n_blocks, IntWeightRow& out) {
    for (size_t b = 0; b < n_blocks; ++b) {
        const u8x16 q = load16(blocks[b].qs);
        int16_t* w = out.w.data() + b * kQK;
        store_widened(w, i8x16(q & 0x0F) - 8);
        store_widened(w + 16, i8x16(q >> 4) - 8);
        out.d[b] = fp16_to_fp32(blocks[b].d);
    }
}

inline void q8_0(const BlockQ8_0* blocks, size_t n_blocks, IntWeightRow& out) {
    for (size_t b = 0; b < n_blocks; ++b) {
        const auto* q = reinterpret_cast<const uint8_t*>(blocks[b].qs);
        int16_t* w = out.w.data() + b * kQK;
        store_widened(w, i8x16(load16(q)));
        store_widened(w + 16, i8x16(load16(q + 16)));
        out.d[b] = fp16_to_fp32(blocks[b].d);
    }
}

inline void q4_k(const BlockQ4_K* blocks, size_t n_blocks, IntWeightRow& out) {
    for (size_t b = 0; b < n_blocks; ++b) {
        int16_t* w = out.w.data() + b * kQK_K;
        const uint8_t* q = blocks[b].qs;
        for (int sub = 0; sub < 8; sub += 2, q += 32, w += 64) {
            uint8_t sc0, sc1;
            k_sub_block_pair(blocks[b].scales, sub, b, out, sc0, sc1);
            for (int half = 0; half < 32; half += 16) {
                const u8x16 v = load16(q + half);
                store_scaled(w + half, u8x16(v & 0x0F), int16_t(sc0));
                store_scaled(w + 32 + half, u8x16(v >> 4), int16_t(sc1));
            }
        }
        out.d[b] = fp16_to_fp32(blocks[b].d);
        out.dmin[b] = fp16_to_fp32(blocks[b].dmin);
    }
}

inline void q6_k(const BlockQ6_K* blocks, size_t n_blocks, IntWeightRow& out) {
    for (size_t b = 0; b < n_blocks; ++b) {
        int16_t* w = out.w.data() + b * kQK_K;
        const uint8_t* ql = blocks[b].ql;
        const uint8_t* qh = blocks[b].qh;
        const int8_t* sc = blocks[b].scales;
        for (int half = 0; half < 2; ++half, w += 128, ql += 64, qh += 32, sc += 8) {
            for (int l = 0; l < 32; l += 16) {  // sixteen weights share one scale
                const int is = l / 16;
                const u8x16 low_a = load16(ql + l), low_b = load16(ql + l + 32), high = load16(qh + l);
                const i8x16 q1 = i8x16((low_a & 0x0F) | ((high & 3) << 4)) - 32;
                const i8x16 q2 = i8x16((low_b & 0x0F) | (((high >> 2) & 3) << 4)) - 32;
                const i8x16 q3 = i8x16((low_a >> 4) | (((high >> 4) & 3) << 4)) - 32;
                const i8x16 q4 = i8x16((low_b >> 4) | (((high >> 6) & 3) << 4)) - 32;
                store_scaled(w + l, q1, sc[is]);
                store_scaled(w + l + 32, q2, sc[is + 2]);
                store_scaled(w + l + 64, q3, sc[is + 4]);
                store_scaled(w + l + 96, q4, sc[is + 6]);
            }
        }
        out.d[b] = fp16_to_fp32(blocks[b].d);
    }
}

}  // namespace chord::cpu::unpack_vector
