// The quantized matrix products on relaxed SIMD's byte dot product
// (`i16x8.relaxed_dot_i8x16_i7x16_s`: int8 × 7-bit int, adjacent pairs summed into int16 lanes —
// one instruction for 16 products on x86 and ARM, where SIMD128 needs five).
// This file is a WebAssembly module of its own, built by a newer clang than Emscripten's (which
// cannot emit the instruction) and instantiated beside the main module on the same memory
// (relaxed_library.js); engines without relaxed SIMD never load it, and the main module's
// SIMD128 kernels run instead.
//
// Weights are the 7-bit operand: their unsigned quants (Q4: 0..15, Q6: 0..63) go in as they are,
// and the offset of the types that centre them (Q4_0: q − 8, Q6_K: q − 32) comes off afterwards
// through the activations' group sums. Activations are the int8 operand, one row per token
// (ByteActivations in byte_activations.hpp). The int16 lanes cannot overflow (a pair is at most
// 2 · 63 · 127 = 16002; Q4 sums two pairs: 7620), and the multiply by a sub-block's scale is the
// widening `i32x4.dot_i16x8_s`, so every sum is exact, as in the other kernels.
//
// No global, no data, no stack: the module owns no memory of its own (the build checks this).
#include <wasm_simd128.h>

#include <cstddef>
#include <cstdint>

#include "../simd128_blocks.hpp"
#include "../simd128_lanes.hpp"
#include "chord/quant_blocks.hpp"

namespace chord::cpu::relaxed {
namespace {

using simd128::four_half_scales;
using simd128::half_to_float;
using simd128::horizontal_sum;
using simd128::lane_sum;
using simd128::q4_k_scales_and_mins;
using simd128::transpose_sum;

// Tokens per pass over a weight row (each unpacked weight vector serves each). The main module
// sends decoding steps and batches below its 4-token prefill tiles, so three covers every call.
constexpr int kMaxTokens = 3;

// x (16 int8) · w (16 values in 0..127), adjacent pairs of products summed: 8 int16 lanes.
inline v128_t dot16(const int8_t* x, v128_t w) { return wasm_i16x8_relaxed_dot_i8x16_i7x16(wasm_v128_load(x), w); }

// The 8 int16 lanes of v widened and summed in pairs: 4 int32 lanes.
inline v128_t widen(v128_t v) { return wasm_i32x4_extadd_pairwise_i16x8(v); }

inline v128_t low_nibbles(v128_t q) { return wasm_v128_and(q, wasm_i8x16_splat(0x0F)); }
inline v128_t high_nibbles(v128_t q) { return wasm_v128_and(wasm_u16x8_shr(q, 4), wasm_i8x16_splat(0x0F)); }

// Sums of pairs of adjacent int16 group sums (per 16 → per 32) for eight pairs.
inline v128_t pair_sums(const int16_t* sums) {
    return wasm_i16x8_narrow_i32x4(wasm_i32x4_extadd_pairwise_i16x8(wasm_v128_load(sums)),
                                   wasm_i32x4_extadd_pairwise_i16x8(wasm_v128_load(sums + 8)));
}

// The activations of tokens t0 … t0 + T − 1: token t's int8 values at x + t · cols, its scale per
// scale block at scale + t · blocks, its int16 sum per 16 values at sums + t · cols / 16.
struct Tile {
    const int8_t* x;
    const float* scale;
    const int16_t* sums;
    size_t cols, blocks;
    const int8_t* values(int t) const { return x + size_t(t) * cols; }
    const float* scales(int t) const { return scale + size_t(t) * blocks; }
    const int16_t* group_sums(int t) const { return sums + size_t(t) * (cols / 16); }
};

// Q4_0: four blocks at a time; their four sums become one vector, corrected, converted and scaled
// together (the order of float operations of decode_simd128's legacy_row).
template <int T>
void q4_0_row(const BlockQ4_0* blocks, size_t n_blocks, const Tile& tile, float* out, size_t out_stride) {
    v128_t acc[T];
    float tail[T];
    for (int t = 0; t < T; ++t) acc[t] = wasm_f32x4_splat(0.0f), tail[t] = 0.0f;
    size_t b = 0;
    for (; b + 4 <= n_blocks; b += 4) {
        v128_t block_sum[T][4];
        for (int k = 0; k < 4; ++k) {
            const v128_t q = wasm_v128_load(blocks[b + k].qs);
            const v128_t lo = low_nibbles(q), hi = high_nibbles(q);
            for (int t = 0; t < T; ++t) {
                const int8_t* x = tile.values(t) + (b + k) * kQK;
                block_sum[t][k] = widen(wasm_i16x8_add(dot16(x, lo), dot16(x + 16, hi)));
            }
        }
        const v128_t w_scales = four_half_scales(reinterpret_cast<const uint8_t*>(&blocks[b].d), sizeof(BlockQ4_0));
        for (int t = 0; t < T; ++t) {
            // Σ (q − 8) x = Σ q x − 8 Σ x, with Σ x of each block from its two group sums.
            const v128_t x_sums = wasm_i32x4_extadd_pairwise_i16x8(wasm_v128_load(tile.group_sums(t) + 2 * b));
            const v128_t sums = wasm_i32x4_sub(transpose_sum(block_sum[t][0], block_sum[t][1], block_sum[t][2], block_sum[t][3]),
                                               wasm_i32x4_shl(x_sums, 3));
            const v128_t scales = wasm_f32x4_mul(w_scales, wasm_v128_load(tile.scales(t) + b));
            acc[t] = wasm_f32x4_add(acc[t], wasm_f32x4_mul(wasm_f32x4_convert_i32x4(sums), scales));
        }
    }
    for (; b < n_blocks; ++b) {
        const v128_t q = wasm_v128_load(blocks[b].qs);
        const v128_t lo = low_nibbles(q), hi = high_nibbles(q);
        for (int t = 0; t < T; ++t) {
            const int8_t* x = tile.values(t) + b * kQK;
            const int32_t x_sum = int32_t(tile.group_sums(t)[2 * b]) + int32_t(tile.group_sums(t)[2 * b + 1]);
            const int32_t sum = lane_sum(widen(wasm_i16x8_add(dot16(x, lo), dot16(x + 16, hi)))) - 8 * x_sum;
            tail[t] += half_to_float(blocks[b].d) * tile.scales(t)[b] * float(sum);
        }
    }
    for (int t = 0; t < T; ++t) out[size_t(t) * out_stride] = horizontal_sum(acc[t]) + tail[t];
}

// Int16 lane `lane` of v in every int16 lane: a shuffle with a constant pattern (engines emit
// two immediate shuffles for it, where a swizzle needs its mask built in a register first).
template <int lane>
inline v128_t splat_lane(v128_t v) { return wasm_i16x8_shuffle(v, v, lane, lane, lane, lane, lane, lane, lane, lane); }

inline v128_t splat_int16(v128_t v, int lane) {
    switch (lane) {  // a constant after unrolling: one case remains
        case 0: return splat_lane<0>(v);
        case 1: return splat_lane<1>(v);
        case 2: return splat_lane<2>(v);
        case 3: return splat_lane<3>(v);
        case 4: return splat_lane<4>(v);
        case 5: return splat_lane<5>(v);
        case 6: return splat_lane<6>(v);
        default: return splat_lane<7>(v);
    }
}

// Q4_K: per 32-weight sub-block an integer dot product, times its 6-bit scale, summed in int32
// lanes over the block; the mins' share from the activations' sums per 32.
template <int T>
void q4_k_row(const BlockQ4_K* blocks, size_t n_blocks, const Tile& tile, float* out, size_t out_stride) {
    v128_t acc[T];  // float lanes, summed at the end of the row
    for (int t = 0; t < T; ++t) acc[t] = wasm_f32x4_splat(0.0f);
    for (size_t b = 0; b < n_blocks; ++b) {
        const v128_t scales_mins = q4_k_scales_and_mins(blocks[b].scales);
        const v128_t scales = wasm_u16x8_extend_low_u8x16(scales_mins);
        v128_t dots[T];
        for (int t = 0; t < T; ++t) dots[t] = wasm_i32x4_splat(0);
        const uint8_t* q = blocks[b].qs;
        for (int j = 0; j < 8; j += 2, q += 32) {  // sub-blocks j (low nibbles) and j + 1 (high nibbles)
            const v128_t qa = wasm_v128_load(q), qb = wasm_v128_load(q + 16);
            const v128_t lo_a = low_nibbles(qa), lo_b = low_nibbles(qb), hi_a = high_nibbles(qa), hi_b = high_nibbles(qb);
            const v128_t scale_lo = splat_int16(scales, j), scale_hi = splat_int16(scales, j + 1);
            for (int t = 0; t < T; ++t) {
                const int8_t* x = tile.values(t) + b * kQK_K + size_t(j) * 32;
                const v128_t lo = wasm_i16x8_add(dot16(x, lo_a), dot16(x + 16, lo_b));
                const v128_t hi = wasm_i16x8_add(dot16(x + 32, hi_a), dot16(x + 48, hi_b));
                dots[t] = wasm_i32x4_add(dots[t], wasm_i32x4_add(wasm_i32x4_dot_i16x8(lo, scale_lo), wasm_i32x4_dot_i16x8(hi, scale_hi)));
            }
        }
        const v128_t mins = wasm_u16x8_extend_high_u8x16(scales_mins);
        const float d = half_to_float(blocks[b].d), dmin = half_to_float(blocks[b].dmin);
        for (int t = 0; t < T; ++t) {
            const v128_t min_dots = wasm_i32x4_dot_i16x8(mins, pair_sums(tile.group_sums(t) + b * 16));
            const float x_scale = tile.scales(t)[b];
            acc[t] = wasm_f32x4_add(acc[t], wasm_f32x4_sub(
                wasm_f32x4_mul(wasm_f32x4_convert_i32x4(dots[t]), wasm_f32x4_splat(d * x_scale)),
                wasm_f32x4_mul(wasm_f32x4_convert_i32x4(min_dots), wasm_f32x4_splat(dmin * x_scale))));
        }
    }
    for (int t = 0; t < T; ++t) out[size_t(t) * out_stride] = horizontal_sum(acc[t]);
}

// Q6_K: per 16-weight group an integer dot product of the 6-bit quants (0..63), times the group's
// signed scale; the − 32 offset comes off as 32 · Σ scale · (Σ x of the group).
template <int T>
void q6_k_row(const BlockQ6_K* blocks, size_t n_blocks, const Tile& tile, float* out, size_t out_stride) {
    const v128_t two_bits = wasm_i8x16_splat(3);
    v128_t acc[T];  // float lanes, summed at the end of the row
    for (int t = 0; t < T; ++t) acc[t] = wasm_f32x4_splat(0.0f);
    for (size_t b = 0; b < n_blocks; ++b) {
        const BlockQ6_K& block = blocks[b];
        v128_t dots[T];
        for (int t = 0; t < T; ++t) dots[t] = wasm_i32x4_splat(0);
        const v128_t scales8 = wasm_v128_load(block.scales);
        const v128_t scales_lo = wasm_i16x8_extend_low_i8x16(scales8), scales_hi = wasm_i16x8_extend_high_i8x16(scales8);
        for (int half = 0; half < 2; ++half) {
            const uint8_t* ql = block.ql + half * 64;
            const uint8_t* qh = block.qh + half * 32;
            const v128_t scales = half == 0 ? scales_lo : scales_hi;  // groups 8·half … 8·half + 7
            for (int l = 0; l < 32; l += 16) {
                // Weights l.., l+32.., l+64.., l+96.. of this half: its groups g, g+2, g+4, g+6.
                const int g = l / 16;
                const v128_t low_a = wasm_v128_load(ql + l), low_b = wasm_v128_load(ql + l + 32), high = wasm_v128_load(qh + l);
                const v128_t q1 = wasm_v128_or(low_nibbles(low_a), wasm_i16x8_shl(wasm_v128_and(high, two_bits), 4));
                const v128_t q2 = wasm_v128_or(low_nibbles(low_b), wasm_i16x8_shl(wasm_v128_and(wasm_u16x8_shr(high, 2), two_bits), 4));
                const v128_t q3 = wasm_v128_or(high_nibbles(low_a), wasm_i16x8_shl(wasm_v128_and(wasm_u16x8_shr(high, 4), two_bits), 4));
                const v128_t q4 = wasm_v128_or(high_nibbles(low_b), wasm_i16x8_shl(wasm_v128_and(wasm_u16x8_shr(high, 6), two_bits), 4));
                const v128_t s1 = splat_int16(scales, g), s2 = splat_int16(scales, g + 2);
                const v128_t s3 = splat_int16(scales, g + 4), s4 = splat_int16(scales, g + 6);
                for (int t = 0; t < T; ++t) {
                    const int8_t* x = tile.values(t) + b * kQK_K + size_t(half) * 128 + size_t(l);
                    const v128_t sum = wasm_i32x4_add(
                        wasm_i32x4_add(wasm_i32x4_dot_i16x8(dot16(x, q1), s1), wasm_i32x4_dot_i16x8(dot16(x + 32, q2), s2)),
                        wasm_i32x4_add(wasm_i32x4_dot_i16x8(dot16(x + 64, q3), s3), wasm_i32x4_dot_i16x8(dot16(x + 96, q4), s4)));
                    dots[t] = wasm_i32x4_add(dots[t], sum);
                }
            }
        }
        const float d = half_to_float(block.d);
        for (int t = 0; t < T; ++t) {
            const int16_t* sums = tile.group_sums(t) + b * 16;
            const v128_t offset = wasm_i32x4_add(wasm_i32x4_dot_i16x8(scales_lo, wasm_v128_load(sums)),
                                                 wasm_i32x4_dot_i16x8(scales_hi, wasm_v128_load(sums + 8)));
            const v128_t total = wasm_i32x4_sub(dots[t], wasm_i32x4_shl(offset, 5));
            acc[t] = wasm_f32x4_add(acc[t], wasm_f32x4_mul(wasm_f32x4_convert_i32x4(total), wasm_f32x4_splat(tile.scales(t)[b] * d)));
        }
    }
    for (int t = 0; t < T; ++t) out[size_t(t) * out_stride] = horizontal_sum(acc[t]);
}

// The kernels by weight type, each for 1 … kMaxTokens tokens.
struct Q4_0 {
    using Block = BlockQ4_0;
    static constexpr size_t kWeights = kQK;
    template <int T> static void row(const Block* w, size_t n, const Tile& x, float* out, size_t stride) { q4_0_row<T>(w, n, x, out, stride); }
};
struct Q4_K {
    using Block = BlockQ4_K;
    static constexpr size_t kWeights = kQK_K;
    template <int T> static void row(const Block* w, size_t n, const Tile& x, float* out, size_t stride) { q4_k_row<T>(w, n, x, out, stride); }
};
struct Q6_K {
    using Block = BlockQ6_K;
    static constexpr size_t kWeights = kQK_K;
    template <int T> static void row(const Block* w, size_t n, const Tile& x, float* out, size_t stride) { q6_k_row<T>(w, n, x, out, stride); }
};

// Each weight row against the tokens a tile of kMaxTokens at a time (the row stays in cache).
template <typename Type>
void rows(const uint8_t* w, size_t row_bytes, size_t n_rows, size_t cols, const int8_t* x, const float* x_scale,
          const int16_t* x_sums, size_t n_tokens, float* out, size_t out_stride) {
    const size_t n_blocks = cols / Type::kWeights;
    for (size_t r = 0; r < n_rows; ++r) {
        const auto* blocks = reinterpret_cast<const typename Type::Block*>(w + r * row_bytes);
        for (size_t t0 = 0; t0 < n_tokens; t0 += kMaxTokens) {
            const Tile tile{x + t0 * cols, x_scale + t0 * n_blocks, x_sums + t0 * (cols / 16), cols, n_blocks};
            float* o = out + t0 * out_stride + r;
            switch (n_tokens - t0) {
                case 1: Type::template row<1>(blocks, n_blocks, tile, o, out_stride); break;
                case 2: Type::template row<2>(blocks, n_blocks, tile, o, out_stride); break;
                default: Type::template row<3>(blocks, n_blocks, tile, o, out_stride); break;
            }
        }
    }
}

}  // namespace
}  // namespace chord::cpu::relaxed

using namespace chord;
using namespace chord::cpu::relaxed;

// Rows [0, n_rows) of a `type` weight matrix (rows `row_bytes` apart, `cols` weights each) times
// n_tokens activation rows: out[t · out_stride + r]. Types as GgmlType: Q4_0 = 2, Q4_K = 12, Q6_K = 14.
extern "C" __attribute__((export_name("rows"))) void chord_relaxed_rows(
    uint32_t type, const uint8_t* w, uint32_t row_bytes, uint32_t n_rows, uint32_t cols, const int8_t* x,
    const float* x_scale, const int16_t* x_sums, uint32_t n_tokens, float* out, uint32_t out_stride) {
    switch (type) {
        case 2: return rows<Q4_0>(w, row_bytes, n_rows, cols, x, x_scale, x_sums, n_tokens, out, out_stride);
        case 12: return rows<Q4_K>(w, row_bytes, n_rows, cols, x, x_scale, x_sums, n_tokens, out, out_stride);
        case 14: return rows<Q6_K>(w, row_bytes, n_rows, cols, x, x_scale, x_sums, n_tokens, out, out_stride);
        default:
            __builtin_trap();  // the main module asks only for these types
    }
}
