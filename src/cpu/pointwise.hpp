// Element-wise functions with ggml's exact numerics, so that the CPU backend matches llama.cpp
// to the rounding: GELU through half precision (ggml's CPU build looks it up in a table of
// half-precision results), soft-capping as scale, tanh, scale, and RoPE's YaRN angle.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "chord/backend.hpp"
#include "chord/fp16.hpp"

namespace chord::cpu {

inline float round_to_half(float x) { return fp16_to_fp32(fp32_to_fp16(x)); }

// GELU, tanh form: 0.5 x (1 + tanh(sqrt(2/pi) x (1 + 0.044715 x^2))).
inline float gelu_tanh(float x) {
    constexpr float kSqrt2OverPi = 0.79788456080286535587989211986876f, kCoefA = 0.044715f;
    return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * x * (1.0f + kCoefA * x * x)));
}

// ggml's CPU GELU: identity above 10, zero below -10, and in between the half-precision GELU of
// the half-precision input (its 64K-entry table, computed here instead of stored).
inline float gelu_as_ggml(float x) {
    if (x <= -10.0f) return 0.0f;
    if (x >= 10.0f) return x;
    return round_to_half(gelu_tanh(round_to_half(x)));
}

// cap * tanh(x / cap), with the division as ggml's multiplication by 1 / cap.
inline float soft_capped(float x, float cap) { return std::tanh(x * (1.0f / cap)) * cap; }

// cos and sin of RoPE pair k whose plain angle is `theta_extrap`, as ggml's rope_yarn: the angle
// interpolated by freq_scale, blended back towards extrapolation by YaRN's ramp over the pairs
// [corr_low, corr_high], and both scaled by attn_factor (and YaRN's magnitude correction).
inline void rope_cos_sin(float theta_extrap, const RopeParams& p, size_t k, float& c, float& s) {
    const float theta_interp = p.freq_scale * theta_extrap;
    float theta = theta_interp, mscale = p.attn_factor;
    if (p.ext_factor != 0.0f) {
        const float y = (float(k) - p.corr_low) / std::max(0.001f, p.corr_high - p.corr_low);
        const float ramp_mix = (1.0f - std::min(1.0f, std::max(0.0f, y))) * p.ext_factor;
        theta = theta_interp * (1.0f - ramp_mix) + theta_extrap * ramp_mix;
        mscale *= 1.0f + 0.1f * std::log(1.0f / p.freq_scale);
    }
    c = std::cos(theta) * mscale;
    s = std::sin(theta) * mscale;
}

}  // namespace chord::cpu
