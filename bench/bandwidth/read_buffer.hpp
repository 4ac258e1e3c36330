// Reads a buffer as fast as loads allow: 16-byte vector loads into four independent
// accumulators, so that the loads and not a chain of dependent adds set the pace. Returns a
// checksum so that the compiler cannot drop the reads. The SIMD path sits beside the plain one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace chord_bench {

constexpr size_t kReadStep = 64;  // bytes per loop iteration: four 16-byte loads

// bytes: a multiple of kReadStep.
inline uint64_t read_buffer(const uint8_t* data, size_t bytes) {
#if defined(__wasm_simd128__)
    v128_t a = wasm_i64x2_splat(0), b = a, c = a, d = a;
    for (size_t i = 0; i < bytes; i += kReadStep) {
        a = wasm_v128_xor(a, wasm_v128_load(data + i));
        b = wasm_v128_xor(b, wasm_v128_load(data + i + 16));
        c = wasm_v128_xor(c, wasm_v128_load(data + i + 32));
        d = wasm_v128_xor(d, wasm_v128_load(data + i + 48));
    }
    const v128_t s = wasm_v128_xor(wasm_v128_xor(a, b), wasm_v128_xor(c, d));
    return uint64_t(wasm_i64x2_extract_lane(s, 0) ^ wasm_i64x2_extract_lane(s, 1));
#elif defined(__SSE2__)
    __m128i a = _mm_setzero_si128(), b = a, c = a, d = a;
    for (size_t i = 0; i < bytes; i += kReadStep) {
        a = _mm_xor_si128(a, _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i)));
        b = _mm_xor_si128(b, _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i + 16)));
        c = _mm_xor_si128(c, _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i + 32)));
        d = _mm_xor_si128(d, _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i + 48)));
    }
    alignas(16) uint64_t lanes[2];
    _mm_store_si128(reinterpret_cast<__m128i*>(lanes), _mm_xor_si128(_mm_xor_si128(a, b), _mm_xor_si128(c, d)));
    return lanes[0] ^ lanes[1];
#else
    uint64_t acc[8] = {};
    for (size_t i = 0; i < bytes; i += kReadStep)
        for (size_t k = 0; k < 8; ++k) {
            uint64_t v;
            std::memcpy(&v, data + i + 8 * k, 8);
            acc[k] ^= v;
        }
    uint64_t s = 0;
    for (uint64_t v : acc) s ^= v;
    return s;
#endif
}

}  // namespace chord_bench
