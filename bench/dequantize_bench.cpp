// Throughput of the reference dequantizers (GB/s of quantized input) per weight type.
// The fast kernels of later issues are measured against these.
//   build/native/bin/chord_bench_dequantize [--benchmark_filter=Q4]
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "chord/quant.hpp"

namespace {

void BM_Dequantize(benchmark::State& state, chord::GgmlType type) {
    const chord::TypeTraits& traits = chord::type_traits(type);
    const size_t n_elements = 1 << 20;  // 1M weights: larger than L2, like a real weight matrix row set
    const size_t n_bytes = n_elements / traits.block_elements * traits.block_bytes;
    // Random bytes are valid blocks for every type; scales are kept finite by masking half exponents.
    std::vector<uint8_t> blocks(n_bytes);
    std::mt19937 rng(42);
    for (uint8_t& b : blocks) b = uint8_t(rng() & 0x3B);
    std::vector<float> out(n_elements);
    for (auto _ : state) {
        chord::dequantize(type, blocks.data(), out.data(), n_elements);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(n_bytes));
    state.counters["weights/s"] =
        benchmark::Counter(double(state.iterations()) * double(n_elements), benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK_CAPTURE(BM_Dequantize, F16, chord::GgmlType::F16);
BENCHMARK_CAPTURE(BM_Dequantize, BF16, chord::GgmlType::BF16);
BENCHMARK_CAPTURE(BM_Dequantize, Q4_0, chord::GgmlType::Q4_0);
BENCHMARK_CAPTURE(BM_Dequantize, Q4_1, chord::GgmlType::Q4_1);
BENCHMARK_CAPTURE(BM_Dequantize, Q5_0, chord::GgmlType::Q5_0);
BENCHMARK_CAPTURE(BM_Dequantize, Q5_1, chord::GgmlType::Q5_1);
BENCHMARK_CAPTURE(BM_Dequantize, Q8_0, chord::GgmlType::Q8_0);
BENCHMARK_CAPTURE(BM_Dequantize, Q2_K, chord::GgmlType::Q2_K);
BENCHMARK_CAPTURE(BM_Dequantize, Q3_K, chord::GgmlType::Q3_K);
BENCHMARK_CAPTURE(BM_Dequantize, Q4_K, chord::GgmlType::Q4_K);
BENCHMARK_CAPTURE(BM_Dequantize, Q5_K, chord::GgmlType::Q5_K);
BENCHMARK_CAPTURE(BM_Dequantize, Q6_K, chord::GgmlType::Q6_K);
