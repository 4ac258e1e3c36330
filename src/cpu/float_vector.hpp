// Float loops of attention (q·k over a head, y += a·v) four lanes at a time, written once with
// GCC/Clang vector extensions: WASM SIMD128 in the wasm builds, SSE/AVX natively. Compilers do not
// vectorize float sums on their own (it reorders them), so the lanes are explicit.
#pragma once

#include <cstddef>
#include <cstring>

namespace chord::cpu {

typedef float f32x4 __attribute__((vector_size(16)));

inline f32x4 load4(const float* p) {
    f32x4 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// Σ a[i]·b[i]
inline float dot(const float* a, const float* b, size_t n) {
    f32x4 sum0 = {0, 0, 0, 0}, sum1 = sum0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        sum0 += load4(a + i) * load4(b + i);
        sum1 += load4(a + i + 4) * load4(b + i + 4);
    }
    const f32x4 sum = sum0 + sum1;
    float total = (sum[0] + sum[1]) + (sum[2] + sum[3]);
    for (; i < n; ++i) total += a[i] * b[i];
    return total;
}

// y[i] += a·x[i]
inline void add_scaled(float a, const float* x, float* y, size_t n) {
    const f32x4 scale = {a, a, a, a};
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const f32x4 sum = load4(y + i) + scale * load4(x + i);
        std::memcpy(y + i, &sum, sizeof sum);
    }
    for (; i < n; ++i) y[i] += a * x[i];
}

}  // namespace chord::cpu
