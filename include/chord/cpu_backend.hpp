// The CPU backend. Quantized matrix products run on integer dot products of the weight blocks
// with 8-bit activations (WASM SIMD128, AVX2 natively, plain C++ elsewhere), split over a thread
// pool. Two slower kinds of kernels stay beside the fast ones, for tests: the same integer
// products in plain C++, and the reference kernels (weights dequantized a row at a time, one
// thread) that the others are tested against.
#pragma once

#include <memory>

#include "chord/backend.hpp"

namespace chord {

enum class CpuKernels {
    Fast,       // the fastest this build and CPU have
    Plain,      // the integer products in plain C++
    Reference,  // dequantized weights, one thread
};

struct CpuOptions {
    unsigned threads = 1;  // 0: one per hardware thread
    CpuKernels kernels = CpuKernels::Fast;
};

std::unique_ptr<Backend> make_cpu_backend(const CpuOptions& options = {});

}  // namespace chord
