// Scales of quantized blocks read into WASM SIMD128 values: shared by the decode kernels of the
// main module and the relaxed-SIMD kernels (src/cpu/relaxed/), which are compiled by different
// clangs, so this header needs nothing beyond the block layouts.
#pragma once

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

#include <cstddef>
#include <cstdint>

namespace chord::cpu::simd128 {

// Exact for every finite half (normal or subnormal), without branches: the bits moved into a
// float's place and the exponent bias corrected by a multiply. Block scales are never inf or nan.
inline float half_to_float(uint16_t h) {
    uint32_t magnitude = uint32_t(h & 0x7FFFu) << 13;
    float f;
    __builtin_memcpy(&f, &magnitude, 4);
    f *= 0x1p112f;
    return (h & 0x8000u) ? -f : f;
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

// The eight 6-bit scales and eight 6-bit mins of a Q4_K block (k_quant_scale_min's packing) as
// bytes 0..7 and 8..15 of one vector. In the 12 packed bytes a (0-3), b (4-7), c (8-11): scales
// 0-3 and mins 0-3 are the low 6 bits of a and b; scales/mins 4-7 take their low 4 bits from the
// low/high nibbles of c and their top 2 from bits 6-7 of a/b. Four bytes at a time in scalar
// registers: fewer instructions than byte shuffles, and beside the vector work.
inline v128_t q4_k_scales_and_mins(const uint8_t* packed) {
    uint32_t a, b, c;
    __builtin_memcpy(&a, packed, 4);
    __builtin_memcpy(&b, packed + 4, 4);
    __builtin_memcpy(&c, packed + 8, 4);
    return wasm_u32x4_make(a & 0x3F3F3F3Fu, (c & 0x0F0F0F0Fu) | ((a >> 2) & 0x30303030u),
                           b & 0x3F3F3F3Fu, ((c >> 4) & 0x0F0F0F0Fu) | ((b >> 2) & 0x30303030u));
}

}  // namespace chord::cpu::simd128
#endif
