// Reference dequantization: blocks of one weight type -> floats.
//
// These are the plain, readable definitions of what every weight type means; the fast kernels of
// the backends are tested against them. Each function converts `n_blocks` consecutive blocks.
// The source must be aligned to the block struct (GGUF tensor data always is).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "chord/fp16.hpp"
#include "chord/quant_blocks.hpp"

namespace chord {

inline void dequantize_f32(const void* src, float* dst, size_t n) {
    std::memcpy(dst, src, n * sizeof(float));
}

inline void dequantize_f16(const void* src, float* dst, size_t n) {
    const auto* h = static_cast<const uint16_t*>(src);
    for (size_t i = 0; i < n; ++i) dst[i] = fp16_to_fp32(h[i]);
}

inline void dequantize_bf16(const void* src, float* dst, size_t n) {
    const auto* h = static_cast<const uint16_t*>(src);
    for (size_t i = 0; i < n; ++i) dst[i] = bf16_to_fp32(h[i]);
}

inline void dequantize_q4_0(const void* src, float* dst, size_t n_blocks) {
    const auto* blocks = static_cast<const BlockQ4_0*>(src);
    for (size_t b = 0; b < n_blocks; ++b, dst += kQK) {
        const float d = fp16_to_fp32(blocks[b].d);
        for (int j = 0; j < kQK / 2; ++j) {
            dst[j] = float((blocks[b].qs[j] & 0x0F) - 8) * d;
            dst[j + kQK / 2] = float((blocks[b].qs[j] >> 4) - 8) * d;
        }
    }
}

inline void dequantize_q4_1(const void* src, float* dst, size_t n_blocks) {
    const auto* blocks = static_cast<const BlockQ4_1*>(src);
    for (size_t b = 0; b < n_blocks; ++b, dst += kQK) {
        const float d = fp16_to_fp32(blocks[b].d);
        const float m = fp16_to_fp32(blocks[b].m);
        for (int j = 0; j < kQK / 2; ++j) {
            dst[j] = float(blocks[b].qs[j] & 0x0F) * d + m;
            dst[j + kQK / 2] = float(blocks[b].qs[j] >> 4) * d + m;
        }
    }
}

// The fifth bit of weight j is bit j of the little-endian 32-bit word qh.
inline uint32_t load_u32_le(const uint8_t* p) {
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

inline void dequantize_q5_0(const void* src, float* dst, size_t n_blocks) {
    const auto* blocks = static_cast<const BlockQ5_0*>(src);
    for (size_t b = 0; b < n_blocks; ++b, dst += kQK) {
        const float d = fp16_to_fp32(blocks[b].d);
        const uint32_t qh = load_u32_le(blocks[b].qh);
        for (int j = 0; j < kQK / 2; ++j) {
            const int high_lo = int((qh >> j) & 1u) << 4;
            const int high_hi = int((qh >> (j + kQK / 2)) & 1u) << 4;
            dst[j] = float(((blocks[b].qs[j] & 0x0F) | high_lo) - 16) * d;
            dst[j + kQK / 2] = float(((blocks[b].qs[j] >> 4) | high_hi) - 16) * d;
        }
    }
}

inline void dequantize_q5_1(const void* src, float* dst, size_t n_blocks) {
    const auto* blocks = static_cast<const BlockQ5_1*>(src);
    for (size_t b = 0; b < n_blocks; ++b, dst += kQK) {
        const float d = fp16_to_fp32(blocks[b].d);
        const float m = fp16_to_fp32(blocks[b].m);
        const uint32_t qh = load_u32_le(blocks[b].qh);
        for (int j = 0; j < kQK / 2; ++j) {
            const int high_lo = int((qh >> j) & 1u) << 4;
            const int high_hi = int((qh >> (j + kQK / 2)) & 1u) << 4;
            dst[j] = float((blocks[b].qs[j] & 0x0F) | high_lo) * d + m;
            dst[j + kQK / 2] = float((blocks[b].qs[j] >> 4) | high_hi) * d + m;
        }
    }
}

inline void dequantize_q8_0(const void* src, float* dst, size_t n_blocks) {
    const auto* blocks = static_cast<const BlockQ8_0*>(src);
    for (size_t b = 0; b < n_blocks; ++b, dst += kQK) {
        const float d = fp16_to_fp32(blocks[b].d);
        for (int j = 0; j < kQK; ++j) dst[j] = float(blocks[b].qs[j]) * d;
    }
}

inline void dequantize_q2_k(const void* src, float* dst, size_t n_blocks) {
    const auto* blocks = static_cast<const BlockQ2_K*>(src);
    for (size_t b = 0; b < n_blocks; ++b) {
        const float d = fp16_to_fp32(blocks[b].d);
        const float dmin = fp16_to_fp32(blocks[b].dmin);
        const uint8_t* q = blocks[b].qs;
        int sub = 0;  // sub-block index 0..15, each of 16 weights
        // Two halves of 128 weights; each byte of a 32-byte run holds one weight of 4 sub-blocks,
        // at bit shifts 0, 2, 4, 6.
        for (int half = 0; half < 2; ++half, q += 32) {
            for (int shift = 0; shift < 8; shift += 2) {
                for (int part = 0; part < 2; ++part, ++sub) {
                    const uint8_t sc = blocks[b].scales[sub];
                    const float scale = d * float(sc & 0x0F);
                    const float min = dmin * float(sc >> 4);
                    for (int l = 0; l < 16; ++l) *dst++ = scale * float((q[part * 16 + l] >> shift) & 3) - min;
                }
            }
        }
    }
}

// Unpacks the sixteen 6-bit scales of a Q3_K block: bytes 0..7 hold the low nibbles (scales 0..7
// in the low halves, 8..15 in the high halves), bytes 8..11 the high two bits, four per byte.
inline void unpack_q3_k_scales(const uint8_t packed[12], int8_t scales[16]) {
    for (int i = 0; i < 16; ++i) {
        const int low = (i < 8 ? packed[i] : packed[i - 8] >> 4) & 0x0F;
        const int high = (packed[8 + (i % 4)] >> (2 * (i / 4))) & 3;
        scales[i] = int8_t((low | (high << 4)) - 32);
    }
}

inline void dequantize_q3_k(const void* src, float* dst, size_t n_blocks) {
    const auto* blocks = static_cast<const BlockQ3_K*>(src);
    for (size_t b = 0; b < n_blocks; ++b) {
        const float d = fp16_to_fp32(blocks[b].d);
        int8_t scales[16];
        unpack_q3_k_scales(blocks[b].scales, scales);
        const uint8_t* q = blocks[b].qs;
        const uint8_t* hmask = blocks[b].hmask;
        uint8_t high_bit = 1;  // which bit of hmask[] belongs to the current 32-weight run
        int sub = 0;
        for (int half = 0; half < 2; ++half, q += 32) {
            for (int shift = 0; shift < 8; shift += 2, high_bit = uint8_t(high_bit << 1)) {
                for (int part = 0; part < 2; ++part, ++sub) {
                    const float scale = d * float(scales[sub]);
                    for (int l = 0; l < 16; ++l) {
                        const int k = part * 16 + l;
                        const int low = (q[k] >> shift) & 3;
                        *dst++ = scale * float(low - ((hmask[k] & high_bit) ? 0 : 4));
                    }
                }
            }
        }
    }
}

// Unpacks scale and min j (0..7) of a Q4_K/Q5_K block: 6 bits each, the first four pairs in the
// low 6 bits of bytes 0..7, the last four split between bytes 8..11 and the top bits of 0..7.
inline void k_quant_scale_min(int j, const uint8_t packed[12], uint8_t* scale, uint8_t* min) {
    if (j < 4) {
        *scale = packed[j] & 63;
        *min = packed[j + 4] & 63;
    } else {
        *scale = uint8_t((packed[j + 4] & 0x0F) | ((packed[j - 4] >> 6) << 4));
        *min = uint8_t((packed[j + 4] >> 4) | ((packed[j] >> 6) << 4));
    }
}

inline void dequantize_q4_k(const void* src, float* dst, size_t n_blocks) {
    const auto* blocks = static_cast<const BlockQ4_K*>(src);
    for (size_t b = 0; b < n_blocks; ++b) {
        const float d = fp16_to_fp32(blocks[b].d);
        const float dmin = fp16_to_fp32(blocks[b].dmin);
        const uint8_t* q = blocks[b].qs;
        // Each 32-byte run holds two sub-blocks: low nibbles first, then high nibbles.
        for (int sub = 0; sub < 8; sub += 2, q += 32) {
            uint8_t sc0, m0, sc1, m1;
            k_quant_scale_min(sub, blocks[b].scales, &sc0, &m0);
            k_quant_scale_min(sub + 1, blocks[b].scales, &sc1, &m1);
            for (int l = 0; l < 32; ++l) *dst++ = d * float(sc0) * float(q[l] & 0x0F) - dmin * float(m0);
            for (int l = 0; l < 32; ++l) *dst++ = d * float(sc1) * float(q[l] >> 4) - dmin * float(m1);
        }
    }
}

inline void dequantize_q5_k(const void* src, float* dst, size_t n_blocks) {
    const auto* blocks = static_cast<const BlockQ5_K*>(src);
    for (size_t b = 0; b < n_blocks; ++b) {
        const float d = fp16_to_fp32(blocks[b].d);
        const float dmin = fp16_to_fp32(blocks[b].dmin);
        const uint8_t* q = blocks[b].qs;
        const uint8_t* qh = blocks[b].qh;
        for (int sub = 0; sub < 8; sub += 2, q += 32) {
            uint8_t sc0, m0, sc1, m1;
            k_quant_scale_min(sub, blocks[b].scales, &sc0, &m0);
            k_quant_scale_min(sub + 1, blocks[b].scales, &sc1, &m1);
            const uint8_t bit0 = uint8_t(1u << sub);  // fifth bit of sub-block `sub` in qh[l]
            const uint8_t bit1 = uint8_t(1u << (sub + 1));
            for (int l = 0; l < 32; ++l)
                *dst++ = d * float(sc0) * float((q[l] & 0x0F) + ((qh[l] & bit0) ? 16 : 0)) - dmin * float(m0);
            for (int l = 0; l < 32; ++l)
                *dst++ = d * float(sc1) * float((q[l] >> 4) + ((qh[l] & bit1) ? 16 : 0)) - dmin * float(m1);
        }
    }
}

inline void dequantize_q6_k(const void* src, float* dst, size_t n_blocks) {
    const auto* blocks = static_cast<const BlockQ6_K*>(src);
    for (size_t b = 0; b < n_blocks; ++b) {
        const float d = fp16_to_fp32(blocks[b].d);
        const uint8_t* ql = blocks[b].ql;
        const uint8_t* qh = blocks[b].qh;
        const int8_t* sc = blocks[b].scales;
        // Two halves of 128 weights; within a half, weight l, l+32, l+64, l+96 share qh[l].
        for (int half = 0; half < 2; ++half, dst += 128, ql += 64, qh += 32, sc += 8) {
            for (int l = 0; l < 32; ++l) {
                const int is = l / 16;
                const int q1 = ((ql[l] & 0x0F) | (((qh[l] >> 0) & 3) << 4)) - 32;
                const int q2 = ((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) - 32;
                const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                dst[l] = d * float(sc[is + 0]) * float(q1);
                dst[l + 32] = d * float(sc[is + 2]) * float(q2);
                dst[l + 64] = d * float(sc[is + 4]) * float(q3);
                dst[l + 96] = d * float(sc[is + 6]) * float(q4);
            }
        }
    }
}

inline void dequantize_q8_k(const void* src, float* dst, size_t n_blocks) {
    const auto* blocks = static_cast<const BlockQ8_K*>(src);
    for (size_t b = 0; b < n_blocks; ++b, dst += kQK_K)
        for (int j = 0; j < kQK_K; ++j) dst[j] = blocks[b].d * float(blocks[b].qs[j]);
}

}  // namespace chord
