// The hot loop of the quantized matrix products: one weight row (integer form, int_rows.hpp) times
// n activation rows, in plain C++, in WASM SIMD128 and in AVX2. The SIMD128 kernel takes tokens a
// tile of four at a time, so that each loaded weight vector serves four dot products (the GEMM of
// prefill) and the four results come out as one vector; decoding is the one-token case. Every
// variant computes the same integer sums; only float rounding may differ.
#pragma once

#include <cstddef>
#include <cstdint>

#include "int_rows.hpp"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

#include "simd128_lanes.hpp"
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CHORD_HAVE_AVX2_KERNELS 1
#endif

namespace chord::cpu {

// out[t · out_stride] = w · x_t for the activation rows t < x.rows.
using DotRowFn = void (*)(const IntWeightRow& w, bool mins, const IntActivations& x, float* out, size_t out_stride);

// Σ m16 · xsum16 over the groups of scale block b (the mins' share of the product).
inline int32_t min_sum(const IntWeightRow& w, size_t b, const int16_t* sums, size_t groups) {
    int32_t m = 0;
    for (size_t g = 0; g < groups; ++g) m += int32_t(w.m[b * groups + g]) * int32_t(sums[g]);
    return m;
}

inline void dot_row_scalar(const IntWeightRow& w, bool mins, const IntActivations& x, float* out, size_t out_stride) {
    const size_t S = x.scale_block, groups = S / kGroup;
    for (size_t t = 0; t < x.rows; ++t) {
        float acc = 0.0f;
        for (size_t b = 0; b < x.blocks(); ++b) {
            const int16_t* xb = x.block(t, b);
            const int16_t* wb = w.w.data() + b * S;
            int32_t dot = 0;
            for (size_t i = 0; i < S; ++i) dot += int32_t(wb[i]) * int32_t(xb[i]);
            float block = w.d[b] * float(dot);
            if (mins) {
                block -= w.dmin[b] * float(min_sum(w, b, x.block_sums(t, b), groups));
            }
            acc += x.block_scale(t, b) * block;
        }
        out[t * out_stride] = acc;
    }
}

#if defined(__wasm_simd128__)
namespace simd128 {

// The four results of tile k to their rows of the output.
inline void store_tile(v128_t r, float* out, size_t k, size_t out_stride) {
    out[(k * kTile + 0) * out_stride] = wasm_f32x4_extract_lane(r, 0);
    out[(k * kTile + 1) * out_stride] = wasm_f32x4_extract_lane(r, 1);
    out[(k * kTile + 2) * out_stride] = wasm_f32x4_extract_lane(r, 2);
    out[(k * kTile + 3) * out_stride] = wasm_f32x4_extract_lane(r, 3);
}

// Σ m16 · xsum16 over one scale block's groups.
template <size_t S>
inline v128_t min_dot(const int16_t* m, const int16_t* sums) {
    if constexpr (S == kQK_K) {
        return wasm_i32x4_add(wasm_i32x4_dot_i16x8(wasm_v128_load(m), wasm_v128_load(sums)),
                              wasm_i32x4_dot_i16x8(wasm_v128_load(m + 8), wasm_v128_load(sums + 8)));
    } else {
        return wasm_i32x4_make(int32_t(m[0]) * sums[0] + int32_t(m[1]) * sums[1], 0, 0, 0);
    }
}

// The four tokens of tile k: one vector of their four results.
template <size_t S, bool Mins>
v128_t dot_tile(const IntWeightRow& w, const IntActivations& x, size_t k) {
    constexpr size_t groups = S / kGroup;
    v128_t acc = wasm_f32x4_splat(0.0f);
    const int16_t* wb = w.w.data();
    for (size_t b = 0; b < x.blocks(); ++b, wb += S) {
        const int16_t* xb = x.tile_block(k, b);
        v128_t dot0 = wasm_i32x4_splat(0), dot1 = dot0, dot2 = dot0, dot3 = dot0;
        for (size_t j = 0; j < S; j += 8) {
            const v128_t wv = wasm_v128_load(wb + j);
            dot0 = wasm_i32x4_add(dot0, wasm_i32x4_dot_i16x8(wv, wasm_v128_load(xb + j)));
            dot1 = wasm_i32x4_add(dot1, wasm_i32x4_dot_i16x8(wv, wasm_v128_load(xb + S + j)));
            dot2 = wasm_i32x4_add(dot2, wasm_i32x4_dot_i16x8(wv, wasm_v128_load(xb + 2 * S + j)));
            dot3 = wasm_i32x4_add(dot3, wasm_i32x4_dot_i16x8(wv, wasm_v128_load(xb + 3 * S + j)));
        }
        const v128_t scales = wasm_v128_load(x.tile_scales(k, b));
        v128_t block = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(transpose_sum(dot0, dot1, dot2, dot3)),
                                      wasm_f32x4_splat(w.d[b]));
        if constexpr (Mins) {
            const int16_t* m = w.m.data() + b * groups;
            const int16_t* sums = x.tile_sums(k, b);
            const v128_t mins = transpose_sum(min_dot<S>(m, sums), min_dot<S>(m, sums + groups),
                                              min_dot<S>(m, sums + 2 * groups), min_dot<S>(m, sums + 3 * groups));
            block = wasm_f32x4_sub(block, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(mins), wasm_f32x4_splat(w.dmin[b])));
        }
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(block, scales));
    }
    return acc;
}

// Two weight rows × the four tokens of tile k: each activation vector loaded serves both rows.
template <size_t S, bool Mins>
void dot_tile_2rows(const IntWeightRow& w0, const IntWeightRow& w1, const IntActivations& x, size_t k, v128_t& r0,
                    v128_t& r1) {
    constexpr size_t groups = S / kGroup;
    v128_t acc0 = wasm_f32x4_splat(0.0f), acc1 = acc0;
    const int16_t* wa = w0.w.data();
    const int16_t* wb = w1.w.data();
    for (size_t b = 0; b < x.blocks(); ++b, wa += S, wb += S) {
        const int16_t* xb = x.tile_block(k, b);
        v128_t a0 = wasm_i32x4_splat(0), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        for (size_t j = 0; j < S; j += 8) {
            const v128_t va = wasm_v128_load(wa + j), vb = wasm_v128_load(wb + j);
            v128_t xv = wasm_v128_load(xb + j);
            a0 = wasm_i32x4_add(a0, wasm_i32x4_dot_i16x8(va, xv));
            b0 = wasm_i32x4_add(b0, wasm_i32x4_dot_i16x8(vb, xv));
            xv = wasm_v128_load(xb + S + j);
            a1 = wasm_i32x4_add(a1, wasm_i32x4_dot_i16x8(va, xv));
            b1 = wasm_i32x4_add(b1, wasm_i32x4_dot_i16x8(vb, xv));
            xv = wasm_v128_load(xb + 2 * S + j);
            a2 = wasm_i32x4_add(a2, wasm_i32x4_dot_i16x8(va, xv));
            b2 = wasm_i32x4_add(b2, wasm_i32x4_dot_i16x8(vb, xv));
            xv = wasm_v128_load(xb + 3 * S + j);
            a3 = wasm_i32x4_add(a3, wasm_i32x4_dot_i16x8(va, xv));
            b3 = wasm_i32x4_add(b3, wasm_i32x4_dot_i16x8(vb, xv));
        }
        const v128_t scales = wasm_v128_load(x.tile_scales(k, b));
        v128_t block0 = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(transpose_sum(a0, a1, a2, a3)), wasm_f32x4_splat(w0.d[b]));
        v128_t block1 = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(transpose_sum(b0, b1, b2, b3)), wasm_f32x4_splat(w1.d[b]));
        if constexpr (Mins) {
            const int16_t* sums = x.tile_sums(k, b);
            const int16_t* m0 = w0.m.data() + b * groups;
            const int16_t* m1 = w1.m.data() + b * groups;
            const v128_t mins0 = transpose_sum(min_dot<S>(m0, sums), min_dot<S>(m0, sums + groups),
                                               min_dot<S>(m0, sums + 2 * groups), min_dot<S>(m0, sums + 3 * groups));
            const v128_t mins1 = transpose_sum(min_dot<S>(m1, sums), min_dot<S>(m1, sums + groups),
                                               min_dot<S>(m1, sums + 2 * groups), min_dot<S>(m1, sums + 3 * groups));
            block0 = wasm_f32x4_sub(block0, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(mins0), wasm_f32x4_splat(w0.dmin[b])));
            block1 = wasm_f32x4_sub(block1, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(mins1), wasm_f32x4_splat(w1.dmin[b])));
        }
        acc0 = wasm_f32x4_add(acc0, wasm_f32x4_mul(block0, scales));
        acc1 = wasm_f32x4_add(acc1, wasm_f32x4_mul(block1, scales));
    }
    r0 = acc0;
    r1 = acc1;
}

// One token outside the tiles.
template <size_t S, bool Mins>
float dot_token(const IntWeightRow& w, const IntActivations& x, size_t t) {
    constexpr size_t groups = S / kGroup;
    float acc = 0.0f;
    const int16_t* wb = w.w.data();
    const int16_t* xb = x.block(t, 0);  // a single token's blocks are contiguous
    for (size_t b = 0; b < x.blocks(); ++b, wb += S, xb += S) {
        v128_t dot = wasm_i32x4_splat(0);
        for (size_t j = 0; j < S; j += 8)
            dot = wasm_i32x4_add(dot, wasm_i32x4_dot_i16x8(wasm_v128_load(wb + j), wasm_v128_load(xb + j)));
        float block = w.d[b] * float(lane_sum(dot));
        if constexpr (Mins) block -= w.dmin[b] * float(lane_sum(min_dot<S>(w.m.data() + b * groups, x.block_sums(t, b))));
        acc += x.block_scale(t, b) * block;
    }
    return acc;
}

template <size_t S, bool Mins>
void dot_row(const IntWeightRow& w, const IntActivations& x, float* out, size_t out_stride) {
    for (size_t k = 0; k < x.tiles(); ++k) store_tile(dot_tile<S, Mins>(w, x, k), out, k, out_stride);
    for (size_t t = x.tiles() * kTile; t < x.rows; ++t) out[t * out_stride] = dot_token<S, Mins>(w, x, t);
}

template <size_t S, bool Mins>
void dot_2rows(const IntWeightRow& w0, const IntWeightRow& w1, const IntActivations& x, float* out, size_t out_stride) {
    for (size_t k = 0; k < x.tiles(); ++k) {
        v128_t r0, r1;
        dot_tile_2rows<S, Mins>(w0, w1, x, k, r0, r1);
        store_tile(r0, out, k, out_stride);
        store_tile(r1, out + 1, k, out_stride);
    }
    for (size_t t = x.tiles() * kTile; t < x.rows; ++t) {
        out[t * out_stride] = dot_token<S, Mins>(w0, x, t);
        out[t * out_stride + 1] = dot_token<S, Mins>(w1, x, t);
    }
}

}  // namespace simd128

// Two consecutive weight rows: out[t · out_stride] and out[t · out_stride + 1].
inline void dot_2rows_simd128(const IntWeightRow& w0, const IntWeightRow& w1, bool mins, const IntActivations& x,
                              float* out, size_t out_stride) {
    if (x.scale_block == kQK)
        mins ? simd128::dot_2rows<kQK, true>(w0, w1, x, out, out_stride) : simd128::dot_2rows<kQK, false>(w0, w1, x, out, out_stride);
    else
        mins ? simd128::dot_2rows<kQK_K, true>(w0, w1, x, out, out_stride)
             : simd128::dot_2rows<kQK_K, false>(w0, w1, x, out, out_stride);
}

inline void dot_row_simd128(const IntWeightRow& w, bool mins, const IntActivations& x, float* out, size_t out_stride) {
    if (x.scale_block == kQK)
        mins ? simd128::dot_row<kQK, true>(w, x, out, out_stride) : simd128::dot_row<kQK, false>(w, x, out, out_stride);
    else
        mins ? simd128::dot_row<kQK_K, true>(w, x, out, out_stride) : simd128::dot_row<kQK_K, false>(w, x, out, out_stride);
}
#endif

#if defined(CHORD_HAVE_AVX2_KERNELS)
namespace avx2 {

__attribute__((target("avx2"))) inline float horizontal_sum(__m256 v) {
    const __m128 four = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 two = _mm_add_ps(four, _mm_movehl_ps(four, four));
    return _mm_cvtss_f32(_mm_add_ss(two, _mm_shuffle_ps(two, two, 1)));
}

// One token at a time; the scale block's integer dot product in 16-lane steps, scaled and summed
// in a float vector (one horizontal sum per row).
template <size_t S>
__attribute__((target("avx2"))) void dot_row(const IntWeightRow& w, bool mins, const IntActivations& x, float* out,
                                             size_t out_stride) {
    constexpr size_t groups = S / kGroup;
    for (size_t t = 0; t < x.rows; ++t) {
        __m256 acc = _mm256_setzero_ps();
        float min_total = 0.0f;
        const int16_t* wb = w.w.data();
        for (size_t b = 0; b < x.blocks(); ++b, wb += S) {
            const int16_t* xb = x.block(t, b);
            __m256i dot = _mm256_setzero_si256();
            for (size_t j = 0; j < S; j += 16)
                dot = _mm256_add_epi32(dot, _mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb + j)),
                                                              _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb + j))));
            const float scale = x.block_scale(t, b);
            acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_cvtepi32_ps(dot), _mm256_set1_ps(scale * w.d[b])));
            if (mins) {
                min_total += scale * w.dmin[b] * float(min_sum(w, b, x.block_sums(t, b), groups));
            }
        }
        out[t * out_stride] = horizontal_sum(acc) - min_total;
    }
}

}  // namespace avx2

inline void dot_row_avx2(const IntWeightRow& w, bool mins, const IntActivations& x, float* out, size_t out_stride) {
    if (x.scale_block == kQK)
        avx2::dot_row<kQK>(w, mins, x, out, out_stride);
    else
        avx2::dot_row<kQK_K>(w, mins, x, out, out_stride);
}

inline bool cpu_has_avx2() { return __builtin_cpu_supports("avx2"); }
#endif

// The fastest variant this build and CPU have.
inline DotRowFn best_dot_row() {
#if defined(__wasm_simd128__)
    return dot_row_simd128;
#elif defined(CHORD_HAVE_AVX2_KERNELS)
    return cpu_has_avx2() ? dot_row_avx2 : dot_row_scalar;
#else
    return dot_row_scalar;
#endif
}

}  // namespace chord::cpu
