// The integer form the fast matrix products compute on. A quantized weight row and an 8-bit
// activation row both become int16 values plus float scales, one scale per "scale block" of S
// weights (S = 32 for Q4_0 … Q8_0, whose activations are Q8_0; S = 256 for the K-quants, whose
// activations are Q8_K):
//
//   w·x = Σ_blocks dx · ( d · Σ w16·x16  −  dmin · Σ_groups m16 · xsum16 )
//
// where xsum16 is the sum of x16 over each group of 16 and m16 the weight's integer min of that
// group (only Q4_1, Q5_1, Q2_K, Q4_K, Q5_K have mins). K-quant sub-block scales are folded into
// w16 (|q·sc| stays far below 2^15), so each scale block needs one int→float conversion. The
// integer sums are exact, so the result equals llama.cpp's dot products up to float rounding.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "chord/quant.hpp"

namespace chord::cpu {

constexpr size_t kGroup = 16;  // weights per min / per activation partial sum

// Which activation quantization a weight type's product uses, and its scale block.
inline size_t scale_block_of(GgmlType type) {
    switch (type) {
        case GgmlType::Q4_0: case GgmlType::Q4_1: case GgmlType::Q5_0: case GgmlType::Q5_1: case GgmlType::Q8_0:
            return kQK;
        case GgmlType::Q2_K: case GgmlType::Q3_K: case GgmlType::Q4_K: case GgmlType::Q5_K: case GgmlType::Q6_K:
            return kQK_K;
        default:
            return 0;  // not an integer product (float weights)
    }
}

inline bool has_mins(GgmlType type) {
    return type == GgmlType::Q4_1 || type == GgmlType::Q5_1 || type == GgmlType::Q2_K || type == GgmlType::Q4_K ||
           type == GgmlType::Q5_K;
}

// Activation rows quantized to 8 bits (Q8_0 for S = 32, Q8_K for S = 256), widened to int16, and
// laid out for the kernels: tokens in tiles of four, interleaved block by block, so that for a
// weight block the four tokens' values are one contiguous run and their scales one vector:
//
//   tile (4 tokens):  [block 0: t0 S values, t1, t2, t3][block 1: t0 …] …   scales [block][t]
//   remaining tokens (n mod 4), one by one:  [S values of block 0][block 1] …   scales [block]
//
// Sized once for the largest batch; quantize() only fills.
constexpr size_t kTile = 4;

struct IntActivations {
    size_t cols = 0, scale_block = 0, rows = 0;
    std::vector<int16_t> x;    // rows × cols values
    std::vector<float> scale;  // rows × cols/S
    std::vector<int16_t> sum;  // rows × cols/16: Σ x16 of each group of 16, laid out as x

    void reserve(size_t max_rows, size_t max_cols) {
        x.resize(max_rows * max_cols);
        scale.resize(max_rows * (max_cols / kQK));
        sum.resize(max_rows * (max_cols / kGroup));
    }

    size_t tiles() const { return rows / kTile; }
    size_t blocks() const { return cols / scale_block; }

    // Token `t`'s S values of block `b`, its scale and its group sums.
    const int16_t* block(size_t t, size_t b) const { return x.data() + offset(t, b, scale_block); }
    float block_scale(size_t t, size_t b) const { return scale[offset(t, b, 1)]; }
    const int16_t* block_sums(size_t t, size_t b) const { return sum.data() + offset(t, b, scale_block / kGroup); }

    // Tile k's four values runs of block b, and its four scales.
    const int16_t* tile_block(size_t k, size_t b) const { return x.data() + (k * blocks() + b) * kTile * scale_block; }
    const float* tile_scales(size_t k, size_t b) const { return scale.data() + (k * blocks() + b) * kTile; }
    const int16_t* tile_sums(size_t k, size_t b) const {
        return sum.data() + (k * blocks() + b) * kTile * (scale_block / kGroup);
    }

    // Sets the shape for n rows of `width` values in scale blocks of `s`; quantize_rows() fills them.
    void prepare(size_t n, size_t width, size_t s) {
        cols = width;
        scale_block = s;
        rows = n;
        if (x.size() < n * width) reserve(n, width);  // only when a caller skipped reserve()
    }

    // Rows [begin, end) of `in` (rows of `cols` floats), quantized as llama.cpp does. Separate
    // ranges may be filled by separate threads.
    void quantize_rows(const float* in, size_t begin, size_t end) {
        const size_t s = scale_block;
        int8_t q[kQK_K];
        for (size_t t = begin; t < end; ++t) {
            for (size_t b = 0; b < blocks(); ++b) {
                const float* values = in + t * cols + b * s;
                float d;
                if (s == kQK) {
                    BlockQ8_0 block;
                    quantize_q8_0(values, &block, kQK);
                    d = fp16_to_fp32(block.d);
                    std::copy(block.qs, block.qs + kQK, q);
                } else {
                    BlockQ8_K block;
                    quantize_q8_k(values, &block, kQK_K);
                    d = block.d;
                    std::copy(block.qs, block.qs + kQK_K, q);
                }
                int16_t* xb = x.data() + offset(t, b, s);
                int16_t* sums = sum.data() + offset(t, b, s / kGroup);
                for (size_t j = 0; j < s; ++j) xb[j] = q[j];
                for (size_t g = 0; g < s / kGroup; ++g) {
                    int total = 0;
                    for (size_t j = 0; j < kGroup; ++j) total += q[g * kGroup + j];
                    sums[g] = int16_t(total);
                }
                scale[offset(t, b, 1)] = d;
            }
        }
    }

    // n rows of `in` (each `width` floats), quantized for scale block `s`.
    void quantize(const float* in, size_t n, size_t width, size_t s) {
        prepare(n, width, s);
        quantize_rows(in, 0, n);
    }

private:
    // Where token t's block b starts, in units of `per_block` entries per (token, block).
    size_t offset(size_t t, size_t b, size_t per_block) const {
        const size_t tiled = tiles() * kTile;
        if (t < tiled) return ((t / kTile * blocks() + b) * kTile + t % kTile) * per_block;
        return (tiled * blocks() + (t - tiled) * blocks() + b) * per_block;
    }
};

// One weight row in integer form. Buffers sized for the widest row; unpack() only fills.
struct IntWeightRow {
    std::vector<int16_t> w;    // [cols]
    std::vector<float> d;      // [cols/S]
    std::vector<float> dmin;   // [cols/S] (rows with mins)
    std::vector<int16_t> m;    // [cols/16] (rows with mins)

    void reserve(size_t max_cols) {
        w.resize(max_cols);
        d.resize(max_cols / kQK);
        dmin.resize(max_cols / kQK);
        m.resize(max_cols / kGroup);
    }
};

// The 6-bit scales of sub-blocks `sub` and `sub + 1` of Q4_K / Q5_K block b (the scale and min
// bytes `packed`); their mins go into `row`, once for each of their groups of 16.
inline void k_sub_block_pair(const uint8_t* packed, int sub, size_t b, IntWeightRow& row, uint8_t& scale0,
                             uint8_t& scale1) {
    uint8_t min0, min1;
    k_quant_scale_min(sub, packed, &scale0, &min0);
    k_quant_scale_min(sub + 1, packed, &scale1, &min1);
    int16_t* m = row.m.data() + b * 16 + size_t(sub) * 2;
    m[0] = m[1] = min0;
    m[2] = m[3] = min1;
}

}  // namespace chord::cpu
