// Native memory bandwidth, to set beside the browser's (bench/browser/bandwidth.html): each
// benchmark thread reads its share of one 512 MB buffer, far larger than the caches.
//   build/native/bin/chord_bench_bandwidth   (bytes_per_second: all threads together)
#include <benchmark/benchmark.h>

#include <vector>

#include "read_buffer.hpp"

namespace {

constexpr size_t kBufferBytes = size_t(512) << 20;

void BM_ReadBandwidth(benchmark::State& state) {
    static const std::vector<uint8_t> buffer(kBufferBytes, 0x5A);  // shared by the threads, filled once
    const size_t share = kBufferBytes / size_t(state.threads()) / chord_bench::kReadStep * chord_bench::kReadStep;
    const uint8_t* mine = buffer.data() + size_t(state.thread_index()) * share;
    for (auto _ : state) benchmark::DoNotOptimize(chord_bench::read_buffer(mine, share));
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(share));
}

}  // namespace

BENCHMARK(BM_ReadBandwidth)->ThreadRange(1, 2)->UseRealTime()->Unit(benchmark::kMillisecond);
