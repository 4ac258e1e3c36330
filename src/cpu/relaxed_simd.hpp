// The relaxed-SIMD kernels (relaxed/relaxed_kernels.cpp) as the main module sees them: a second
// WebAssembly module, loaded on the same memory by relaxed/relaxed_library.js when the engine has
// relaxed SIMD. WebAssembly build only.
#pragma once

#if defined(__EMSCRIPTEN__)
#include <cstdint>

#include "chord/type_traits.hpp"

extern "C" {
// 1 when the engine validated and compiled the kernels' module, else 0 (then never call rows).
int chord_relaxed_available();
// Rows [0, n_rows) of a weight matrix times n_tokens rows of ByteActivations:
// out[t · out_stride + r]. See relaxed_kernels.cpp.
void chord_relaxed_rows(uint32_t type, const void* w, uint32_t row_bytes, uint32_t n_rows, uint32_t cols,
                        const int8_t* x, const float* x_scale, const int16_t* x_sums, uint32_t n_tokens, float* out,
                        uint32_t out_stride);
}

namespace chord::cpu::relaxed {

inline bool has_kernel(GgmlType type) {
    return type == GgmlType::Q4_0 || type == GgmlType::Q4_K || type == GgmlType::Q6_K;
}

}  // namespace chord::cpu::relaxed
#endif
