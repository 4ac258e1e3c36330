// A fixed pool of worker threads for splitting one operation's rows. The calling thread works
// too, so a pool of n threads starts n − 1 workers (none for n = 1: the single-threaded wasm build
// has no threads at all). Work is handed out in chunks through an atomic counter, so threads that
// finish early take more. Nothing is allocated per call.
//
// A forward pass hands out a few hundred small jobs back to back, and waking a sleeping thread
// costs tens of microseconds (more in browsers): so workers spin for a while on the job counter
// before they sleep, and the caller spins until the job is done (in a browser's main thread it
// could not sleep anyway).
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace chord::cpu {

class ThreadPool {
public:
    // Body of a parallel loop: items [begin, end), run on thread `thread` (0 = the caller).
    using Body = std::function<void(size_t begin, size_t end, size_t thread)>;

    explicit ThreadPool(size_t n_threads) : n_threads_(std::max<size_t>(1, n_threads)) {
        for (size_t i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { work(i); });
    }

    ~ThreadPool() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_.store(true);
        }
        wake_.notify_all();
        for (std::thread& t : workers_) t.join();
    }

    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    size_t size() const { return n_threads_; }

    // Runs body over [0, n) in chunks of `grain` items and returns when all are done.
    void parallel_for(size_t n, size_t grain, const Body& body) {
        if (n_threads_ == 1 || n <= grain) {
            body(0, n, 0);
            return;
        }
        body_ = &body;
        n_items_ = n;
        grain_ = std::max<size_t>(1, grain);
        next_.store(0, std::memory_order_relaxed);
        busy_.store(workers_.size(), std::memory_order_relaxed);
        {
            std::lock_guard<std::mutex> lock(mutex_);  // a sleeping worker checks the generation under it
            generation_.fetch_add(1, std::memory_order_release);
        }
        wake_.notify_all();
        take_chunks(0);
        while (busy_.load(std::memory_order_acquire) != 0) pause();
        body_ = nullptr;
    }

private:
    // Iterations a worker spins on the job counter before it sleeps: some 100 µs.
    static constexpr int kSpins = 1 << 15;

    static void pause() {
#if defined(__x86_64__) || defined(__i386__)
        _mm_pause();
#endif
    }

    void take_chunks(size_t thread) {
        for (;;) {
            const size_t begin = next_.fetch_add(grain_, std::memory_order_relaxed);
            if (begin >= n_items_) return;
            (*body_)(begin, std::min(n_items_, begin + grain_), thread);
        }
    }

    void work(size_t thread) {
        size_t seen = 0;
        for (;;) {
            for (int spin = 0; generation_.load(std::memory_order_acquire) == seen && !stopping_.load(); ++spin) {
                if (spin < kSpins) {
                    pause();
                    continue;
                }
                std::unique_lock<std::mutex> lock(mutex_);
                wake_.wait(lock, [&] { return stopping_.load() || generation_.load() != seen; });
            }
            if (stopping_.load()) return;
            seen = generation_.load(std::memory_order_acquire);
            take_chunks(thread);
            busy_.fetch_sub(1, std::memory_order_release);
        }
    }

    const size_t n_threads_;
    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::atomic<bool> stopping_{false};
    std::atomic<size_t> generation_{0}, busy_{0};
    const Body* body_ = nullptr;
    size_t n_items_ = 0, grain_ = 1;
    std::atomic<size_t> next_{0};
};

}  // namespace chord::cpu
