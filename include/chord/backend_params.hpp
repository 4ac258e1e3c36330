// The plain data the backend operations take: buffer ids and the parameters of RoPE and attention.
#pragma once

#include <cstdint>

namespace chord {

using BufferId = uint32_t;
constexpr BufferId kNoBuffer = ~BufferId(0);

// RoPE as ggml computes it: pair k of a head turns by the angle
//   theta_k = position * freq_base^(-2k/n_rot) / freq_factors[k]
// interpolated by freq_scale (YaRN blends interpolation and extrapolation over the pairs
// [corr_low, corr_high] when ext_factor != 0), and cos/sin are multiplied by attn_factor.
struct RopeParams {
    uint32_t head_dim;
    uint32_t n_rot;     // leading dimensions of each head that are rotated
    float freq_base;
    float freq_scale;
    bool neox;          // pairs (i, i + n_rot/2) instead of (2i, 2i+1)
    float ext_factor = 0.0f;   // YaRN's extrapolation mix; 0: plain (linear) scaling
    float attn_factor = 1.0f;  // magnitude scale of cos and sin (YaRN, LongRoPE)
    float corr_low = 0.0f, corr_high = 0.0f;  // YaRN's ramp over pair indices
    BufferId freq_factors = kNoBuffer;        // n_rot/2 divisors of the angles (Llama 3, LongRoPE)
};

struct AttentionParams {
    uint32_t n_head;
    uint32_t n_head_kv;  // each key/value head serves n_head / n_head_kv query heads
    uint32_t head_dim;
    float scale;         // applied to q·k
    float softcap = 0.0f;  // scores become softcap * tanh(score / softcap) before the softmax; 0: off
    uint32_t window = 0;   // sliding window: the query at p sees keys at p - window + 1 .. p; 0: all
};

}  // namespace chord
