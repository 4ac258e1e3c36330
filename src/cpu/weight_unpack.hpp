// Unpacks one row of quantized weight blocks into the integer form of int_rows.hpp, once per weight
// row per matrix product. Plain loops, one per type: the path of the less common types and the
// reference for the vectorized unpackers of weight_unpack_vector.hpp (compilers do not vectorize
// these loops well on their own).
#pragma once

#include "int_rows.hpp"
#include "weight_unpack_vector.hpp"

namespace chord::cpu {

namespace unpack {

inline void q4_0(const BlockQ4_0* blocks, size_t n_blocks, IntWeightRow& out) {
    for (size_t b = 0; b < n_blocks; ++b) {
        const uint8_t* q = blocks[b].qs;
        int16_t* w = out.w.data() + b * kQK;
        for (int l = 0; l < 16; ++l) {
            w[l] = int16_t((q[l] & 0x0F) - 8);
            w[l + 16] = int16_t((q[l] >> 4) - 8);
        }
        out.d[b] = fp16_to_fp32(blocks[b].d);
    }
}

inline void q4_1(const BlockQ4_1* blocks, size_t n_blocks, IntWeightRow& out) {
    for (size_t b = 0; b < n_blocks; ++b) {
        const uint8_t* q = blocks[b].qs;
        int16_t* w = out.w.data() + b * kQK;
        for (int l = 0; l < 16; ++l) {
            w[l] = int16_t(q[l] & 0x0F);
            w[l + 16] = int16_t(q[l] >> 4);
        }
        out.d[b] = fp16_to_fp32(blocks[b].d);
        out.dmin[b] = -fp16_to_fp32(blocks[b].m);  // + m · Σx, as "− dmin · m16 · xsum16" with m16 = 1
        out.m[2 * b] = out.m[2 * b + 1] = 1;
    }
}

inline void q5_0(const BlockQ5_0* blocks, size_t n_blocks, IntWeightRow& out) {
    for (size_t b = 0; b < n_blocks; ++b) {
        const uint8_t* q = blocks[b].qs;
        const uint32_t qh = load_u32_le(blocks[b].qh);
        int16_t* w = out.w.data() + b * kQK;
        for (int l = 0; l < 16; ++l) {
            w[l] = int16_t(((q[l] & 0x0F) | int((qh >> l) & 1u) << 4) - 16);
            w[l + 16] = int16_t(((q[l] >> 4) | int((qh >> (l + 16)) & 1u) << 4) - 16);
        }
        out.d[b] = fp16_to_fp32(blocks[b].d);
    }
}

inline void q5_1(const BlockQ5_1* blocks, size_t n_blocks, IntWeightRow& out) {
    for (size_t b = 0; b < n_blocks; ++b) {
        const uint8_t* q = blocks[b].qs;
        const uint32_t qh = load_u32_le(blocks[b].qh);
        int16_t* w = out.w.data() + b * kQK;
        for (int l = 0; l < 16; ++l) {
            w[l] = int16_t((q[l] & 0x0F) | int((qh >> l) & 1u) << 4);
            w[l + 16] = int16_t((q[l] >> 4) | int((qh >> (l + 16)) & 1u) << 4);
        }
        out.d[b] = fp16_to_fp32(blocks[b].d);
        out.dmin[b] = -fp16_to_fp32(blocks[b].m);
        out.m[2 * b] = out.m[2 * b + 1] = 1;
    }
}

inline void q8_0(const BlockQ8_0* blocks, size_t n_blocks, IntWeightRow& out) {
    for (size_t b = 0; b < n_blocks; ++b) {
        int16_t* w = out.w.data() + b * kQK;
        for (int l = 0; l < kQK; ++l) w[l] = blocks[b].qs[l];
        out.d[b] = fp16_to_fp32(blocks[b].d);
    }
}

inline void q2_k(const BlockQ2_K* blocks, size_t n_blocks, IntWeightRow& out) {
    for (size_t b = 0; b < n_blocks; ++b) {
        int16_t* w = out.w.data() + b * kQK_K;
        const uint8_t* q = blocks[b].qs;
        int sub = 0;
        for (int half = 0; half < 2; ++half, q += 32)
            for (int shift = 0; shift < 8; shift += 2)
                for (int part = 0; part < 2; ++part, ++sub) {
                    const int scale = blocks[b].scales[sub] & 0x0F;
                    for (int l = 0; l < 16; ++l) w[sub * 16 + l] = int16_t(((q[part * 16 + l] >> shift) & 3) * scale);
                    out.m[b * 16 + size_t(sub)] = int16_t(blocks[b].scales[sub] >> 4);
                }
        out.d[b] = fp16_to_fp32(blocks[b].d);
        out.dmin[b] = fp16_to_fp32(blocks[b].dmin);
    }
}

inline void q3_k(const BlockQ3_K* blocks, size_t n_blocks, IntWeightRow& out) {
    for (size_t b = 0; b < n_blocks; ++b) {
        int8_t scales[16];
        unpack_q3_k_scales(blocks[b].scales, scales);
        int16_t* w = out.w.data() + b * kQK_K;
        const uint8_t* q = blocks[b].qs;
        const uint8_t* hmask = blocks[b].hmask;
        int high_bit = 1;
        int sub = 0;
        for (int half = 0; half < 2; ++half, q += 32)
            for (int shift = 0; shift < 8; shift += 2, high_bit <<= 1)
                for (int part = 0; part < 2; ++part, ++sub)
                    for (int l = 0; l < 16; ++l) {
                        const int k = part * 16 + l;
                        const int value = ((q[k] >> shift) & 3) - ((hmask[k] & high_bit) ? 0 : 4);
                        w[sub * 16 + l] = int16_t(value * scales[sub]);
                    }
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
            for (int l = 0; l < 32; ++l) {
                w[l] = int16_t((q[l] & 0x0F) * sc0);
                w[l + 32] = int16_t((q[l] >> 4) * sc1);
            }
        }
        out.d[b] = fp16_to_fp32(blocks[b].d);
        out.dmin[b] = fp16_to_fp32(blocks[b].dmin);
    }
}

inline void q5_k(const BlockQ5_K* blocks, size_t n_blocks, IntWeightRow& out) {
    for (size_t b = 0; b < n_blocks; ++b) {
        int16_t* w = out.w.data() + b * kQK_K;
        const uint8_t* q = blocks[b].qs;
        const uint8_t* qh = blocks[b].qh;
        for (int sub = 0; sub < 8; sub += 2, q += 32, w += 64) {
            uint8_t sc0, sc1;
            k_sub_block_pair(blocks[b].scales, sub, b, out, sc0, sc1);
            for (int l = 0; l < 32; ++l) {
                w[l] = int16_t(((q[l] & 0x0F) | (((qh[l] >> sub) & 1) << 4)) * sc0);
                w[l + 32] = int16_t(((q[l] >> 4) | (((qh[l] >> (sub + 1)) & 1) << 4)) * sc1);
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
        // Two halves of 128 weights; within a half, weights l, l+32, l+64, l+96 share qh[l].
        for (int half = 0; half < 2; ++half, w += 128, ql += 64, qh += 32, sc += 8) {
            for (int l = 0; l < 32; ++l) {
                const int is = l / 16;
                w[l] = int16_t((((ql[l] & 0x0F) | ((qh[l] & 3) << 4)) - 32) * sc[is]);
                w[l + 32] = int16_t((((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) - 32) * sc[is + 2]);
                w[l + 64] = int16_t((((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32) * sc[is + 4]);
                w[l + 96] = int16_t((((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32) * sc[is + 6]);
            }
        }
        out.d[b] = fp16_to_fp32(blocks[b].d);
    }
}

}  // namespace unpack

// A row of `cols` weights of `type` into `out` with the plain loops (the reference for the
// vectorized unpackers).
inline void unpack_weight_row_plain(GgmlType type, const void* row, size_t cols, IntWeightRow& out) {
    switch (type) {
        case GgmlType::Q4_0: return unpack::q4_0(static_cast<const BlockQ4_0*>(row), cols / kQK, out);
        case GgmlType::Q4_1: return unpack::q4_1(static_cast<const BlockQ4_1*>(row), cols / kQK, out);
        case GgmlType::Q5_0: return unpack::q5_0(static_cast<const BlockQ5_0*>(row), cols / kQK, out);
        case GgmlType::Q5_1: return unpack::q5_1(static_cast<const BlockQ5_1*>(row), cols / kQK, out);
        case GgmlType::Q8_0: return unpack::q8_0(static_cast<const BlockQ8_0*>(row), cols / kQK, out);
        case GgmlType::Q2_K: return unpack::q2_k(static_cast<const BlockQ2_K*>(row), cols / kQK_K, out);
        case GgmlType::Q3_K: return unpack::q3_k(static_cast<const BlockQ3_K*>(row), cols / kQK_K, out);
        case GgmlType::Q4_K: return unpack::q4_k(static_cast<const BlockQ4_K*>(row), cols / kQK_K, out);
        case GgmlType::Q5_K: return unpack::q5_k(static_cast<const BlockQ5_K*>(row), cols / kQK_K, out);
        case GgmlType::Q6_K: return unpack::q6_k(static_cast<const BlockQ6_K*>(row), cols / kQK_K, out);
        default: throw Error(ErrorCode::UnsupportedType, std::string("no integer product for ") + type_name(type));
    }
}

// A row of `cols` weights of `type` into `out` (which must hold `cols`): the vectorized unpacker
// where there is one, else the plain one.
inline void unpack_weight_row(GgmlType type, const void* row, size_t cols, IntWeightRow& out) {
    switch (type) {
        case GgmlType::Q4_0: return unpack_vector::q4_0(static_cast<const BlockQ4_0*>(row), cols / kQK, out);
        case GgmlType::Q8_0: return unpack_vector::q8_0(static_cast<const BlockQ8_0*>(row), cols / kQK, out);
        case GgmlType::Q4_K: return unpack_vector::q4_k(static_cast<const BlockQ4_K*>(row), cols / kQK_K, out);
        case GgmlType::Q6_K: return unpack_vector::q6_k(static_cast<const BlockQ6_K*>(row), cols / kQK_K, out);
        default: return unpack_weight_row_plain(type, row, cols, out);
    }
}

}  // namespace chord::cpu
