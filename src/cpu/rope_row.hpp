// RoPE on one row of heads at one position, as ggml's CPU rope computes it: the CPU backend's rope()
// on the queries and keys of a step, and its context shift on cached keys (turned by their change
// of position, as llama.cpp's K-shift does).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "chord/backend_params.hpp"
#include "pointwise.hpp"

namespace chord::cpu {

// Turns the first n_rot values of each of the `n_heads` heads of `row` (head_dim apart) by
// `position`: the unscaled angle of pair k is position * base^(-2k/n_rot), stepped by repeated
// multiplication in float, then divided by the pair's frequency factor (`factors`, n_rot/2 of
// them, or none); pairs are (k, k + n_rot/2) for NeoX, (2k, 2k+1) otherwise.
inline void rope_row(float* row, size_t n_heads, const RopeParams& p, const float* factors, int32_t position) {
    const float theta_scale = std::pow(p.freq_base, -2.0f / float(p.n_rot));
    float theta = float(position);
    for (size_t k = 0; k < p.n_rot / 2; ++k, theta *= theta_scale) {
        float c, s;
        rope_cos_sin(factors ? theta / factors[k] : theta, p, k, c, s);
        for (size_t h = 0; h < n_heads; ++h) {
            float* head = row + h * p.head_dim;
            const size_t a = p.neox ? k : 2 * k, b = p.neox ? k + p.n_rot / 2 : 2 * k + 1;
            const float x0 = head[a], x1 = head[b];
            head[a] = x0 * c - x1 * s;
            head[b] = x0 * s + x1 * c;
        }
    }
}

}  // namespace chord::cpu
