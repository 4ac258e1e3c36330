// Throughput of the CPU backend's quantized matrix products per weight type: a 2048 × 2048 weight
// matrix (TinyLlama's attention projections) times 1 token (decoding) or 64 tokens (a prefill
// batch), one thread, fast kernels and reference kernels. GFLOP/s counts 2 per weight per token;
// GB/s the weight bytes read per call.
//   build/native/bin/chord_bench_matmul [--benchmark_filter=Q4_0]
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "chord/cpu_backend.hpp"
#include "chord/quant.hpp"

namespace {

constexpr size_t kRows = 2048, kCols = 2048;

void BM_Matmul(benchmark::State& state, chord::GgmlType type, bool reference) {
    const size_t tokens = size_t(state.range(0));
    const chord::TypeTraits& traits = chord::type_traits(type);
    std::mt19937 rng(1);
    std::normal_distribution<float> normal(0.0f, 0.02f);
    std::vector<float> weights(kRows * kCols), x(tokens * kCols);
    for (float& w : weights) w = normal(rng);
    for (float& v : x) v = normal(rng) * 50.0f;
    std::vector<uint8_t> blocks(kRows * kCols / traits.block_elements * traits.block_bytes);
    chord::quantize(type, weights.data(), blocks.data(), weights.size());

    chord::TensorInfo info{};
    info.name = "bench.weight";
    info.type = type;
    info.n_dims = 2;
    info.shape = {kCols, kRows, 1, 1};
    info.n_elements = kRows * kCols;
    info.n_bytes = blocks.size();
    auto backend = chord::make_cpu_backend({1, reference ? chord::CpuKernels::Reference : chord::CpuKernels::Fast});
    const chord::BufferId w = backend->upload_weight(chord::TensorView{&info, blocks.data(), blocks.size()});
    const chord::BufferId in = backend->create_activations(tokens, kCols);
    const chord::BufferId out = backend->create_activations(tokens, kRows);
    backend->write(in, 0, tokens, x.data());
    for (auto _ : state) backend->matmul(w, in, tokens, out);
    const double calls = double(state.iterations());
    state.counters["GFLOP/s"] = benchmark::Counter(calls * 2.0 * kRows * kCols * double(tokens) / 1e9, benchmark::Counter::kIsRate);
    state.counters["GB/s"] = benchmark::Counter(calls * double(blocks.size()) / 1e9, benchmark::Counter::kIsRate);
}

void register_all() {
    const std::pair<const char*, chord::GgmlType> types[] = {
        {"Q4_0", chord::GgmlType::Q4_0}, {"Q4_1", chord::GgmlType::Q4_1}, {"Q5_0", chord::GgmlType::Q5_0},
        {"Q5_1", chord::GgmlType::Q5_1}, {"Q8_0", chord::GgmlType::Q8_0}, {"Q2_K", chord::GgmlType::Q2_K},
        {"Q3_K", chord::GgmlType::Q3_K}, {"Q4_K", chord::GgmlType::Q4_K}, {"Q5_K", chord::GgmlType::Q5_K},
        {"Q6_K", chord::GgmlType::Q6_K}};
    for (const auto& [name, type] : types)
        for (bool reference : {false, true})
            benchmark::RegisterBenchmark((std::string("Matmul/") + name + (reference ? "/reference" : "/fast")).c_str(),
                                         [type = type, reference](benchmark::State& s) { BM_Matmul(s, type, reference); })
                ->Arg(1)
                ->Arg(64)
                ->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
    register_all();
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    return 0;
}
