// IEEE half (binary16) and bfloat16 <-> float conversions, bit-exact and portable.
//
// GGUF stores F16/BF16 tensors and every block scale of the quantized types as 16-bit words; these
// are the reference conversions the dequantizers use. Round-to-nearest-even on the way down, like
// the hardware instructions (F16C, ARM FCVT) and ggml.
#pragma once

#include <cstdint>
#include <cstring>

namespace chord {

inline uint32_t float_bits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}

inline float bits_float(uint32_t u) {
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}

inline float fp16_to_fp32(uint16_t h) {
    const uint32_t sign = uint32_t(h & 0x8000u) << 16;
    const uint32_t exponent = (h >> 10) & 0x1Fu;
    uint32_t mantissa = h & 0x3FFu;
    if (exponent == 0x1F) return bits_float(sign | 0x7F800000u | (mantissa << 13));  // inf / nan
    if (exponent != 0) return bits_float(sign | ((exponent + 112) << 23) | (mantissa << 13));
    if (mantissa == 0) return bits_float(sign);  // +-0
    const float subnormal = float(mantissa) * (1.0f / 16777216.0f);  // mantissa * 2^-24, exact
    return sign ? -subnormal : subnormal;
}

inline uint16_t fp32_to_fp16(float f) {
    const uint32_t u = float_bits(f);
    const uint16_t sign = uint16_t((u >> 16) & 0x8000u);
    const uint32_t abs = u & 0x7FFFFFFFu;
    if (abs > 0x7F800000u) return uint16_t(sign | 0x7E00u | ((abs >> 13) & 0x3FFu));  // nan, quiet
    if (abs >= 0x477FF000u) return uint16_t(sign | 0x7C00u);  // rounds to >= 65520: inf
    if (abs < 0x38800000u) {
        // Result is subnormal (or zero): scale to units of 2^-24 and round to nearest even by
        // letting the float adder drop the fraction at 2^23, where its ulp is exactly 1.
        const float scaled = bits_float(abs) * 16777216.0f;  // exact: power-of-two scale
        const float rounded = (scaled + 8388608.0f) - 8388608.0f;
        return uint16_t(sign | uint16_t(rounded));
    }
    // Normal: rebias the exponent and round the 13 dropped mantissa bits to nearest even.
    const uint32_t odd = (abs >> 13) & 1u;
    const uint32_t rounded = abs + 0xFFFu + odd;
    return uint16_t(sign | ((rounded - 0x38000000u) >> 13));
}

// For block scales: out-of-range values saturate to the largest finite half (65504) instead of
// becoming inf, so that huge weights clip rather than dequantize to inf (and inf * 0 to NaN).
inline uint16_t fp32_to_fp16_saturated(float f) {
    constexpr float kHalfMax = 65504.0f;
    return fp32_to_fp16(f > kHalfMax ? kHalfMax : f < -kHalfMax ? -kHalfMax : f);
}

inline float bf16_to_fp32(uint16_t h) { return bits_float(uint32_t(h) << 16); }

inline uint16_t fp32_to_bf16(float f) {
    const uint32_t u = float_bits(f);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return uint16_t((u >> 16) | 0x40u);  // nan stays nan
    return uint16_t((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}

}  // namespace chord
