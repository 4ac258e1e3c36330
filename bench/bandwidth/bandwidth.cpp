// The memory bandwidth a wasm module gets, the limit of decoding: `threads` threads (the caller
// among them) each read their share of one large buffer, `passes` times. bench/browser/bandwidth.html
// calls it; each pass's combined rate is kept for JS to read.
#include <emscripten/emscripten.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "read_buffer.hpp"

#ifdef __EMSCRIPTEN_PTHREADS__
#include <functional>
#include <thread>
#endif

namespace {

std::vector<double> g_rates;          // GB/s of each pass, all threads together
std::atomic<uint64_t> g_checksum{0};  // keeps every thread's reads alive

// All threads arrive before any leaves, so that every pass starts and ends together.
class SpinBarrier {
public:
    explicit SpinBarrier(int n) : n_(n) {}
    void wait() {
        const int generation = generation_.load(std::memory_order_acquire);
        if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == n_) {
            arrived_.store(0, std::memory_order_relaxed);
            generation_.fetch_add(1, std::memory_order_release);
        } else {
            while (generation_.load(std::memory_order_acquire) == generation) {
            }
        }
    }

private:
    const int n_;
    std::atomic<int> arrived_{0};
    std::atomic<int> generation_{0};
};

#ifdef __EMSCRIPTEN_PTHREADS__
// A helper thread's part: its share, once per pass, in step with the timing thread.
void read_passes(const uint8_t* share, size_t bytes, int passes, SpinBarrier& start, SpinBarrier& end) {
    uint64_t sum = 0;
    for (int p = 0; p < passes; ++p) {
        start.wait();
        sum ^= chord_bench::read_buffer(share, bytes);
        end.wait();
    }
    g_checksum.fetch_xor(sum);
}
#endif

}  // namespace

extern "C" {

// Returns 0, or -1 when the buffer cannot be had, -2 when this build has no threads to give.
EMSCRIPTEN_KEEPALIVE int bandwidth_run(double megabytes, int passes, int threads) {
#ifndef __EMSCRIPTEN_PTHREADS__
    if (threads != 1) return -2;
#endif
    if (threads < 1 || passes < 1) return -2;
    const size_t share = size_t(megabytes * 1e6 / threads) / chord_bench::kReadStep * chord_bench::kReadStep;
    auto* buffer = static_cast<uint8_t*>(std::aligned_alloc(64, share * threads));
    if (!buffer) return -1;
    std::memset(buffer, 0x5A, share * threads);  // really there, not lazily zero pages

    g_rates.assign(passes, 0.0);
    SpinBarrier start(threads), end(threads);
#ifdef __EMSCRIPTEN_PTHREADS__
    std::vector<std::thread> workers;
    for (int t = 1; t < threads; ++t)
        workers.emplace_back(read_passes, buffer + t * share, share, passes, std::ref(start), std::ref(end));
#endif
    uint64_t sum = 0;  // the calling thread reads the first share and keeps the time
    for (int p = 0; p < passes; ++p) {
        start.wait();
        const double t0 = emscripten_get_now();
        sum ^= chord_bench::read_buffer(buffer, share);
        end.wait();
        g_rates[p] = double(share) * threads / ((emscripten_get_now() - t0) * 1e6);
    }
    g_checksum.fetch_xor(sum);
#ifdef __EMSCRIPTEN_PTHREADS__
    for (std::thread& w : workers) w.join();
#endif
    std::free(buffer);
    return 0;
}

EMSCRIPTEN_KEEPALIVE double bandwidth_rate(int pass) {
    return pass >= 0 && size_t(pass) < g_rates.size() ? g_rates[size_t(pass)] : 0.0;
}

// Exported so that the reads are observable and cannot be optimised away.
EMSCRIPTEN_KEEPALIVE double bandwidth_checksum() { return double(g_checksum.load()); }
}
