// What a model holds in memory, estimated before anything is allocated, and the budget it must
// fit: the caller's maxMemory, else what the platform can give (the wasm heap's maximum, or the
// machine's physical memory). A model over budget is an OutOfMemory error that says what to
// change, instead of a failed allocation halfway through the load.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "chord/error.hpp"
#include "chord/kv_cache.hpp"
#include "chord/model_config.hpp"

#ifdef __EMSCRIPTEN__
#include <emscripten/heap.h>
#else
#include <unistd.h>
#endif

namespace chord {

// a * b, or the largest uint64_t when that overflows: sizes from hostile metadata stay ordered.
inline uint64_t saturating_mul(uint64_t a, uint64_t b) {
    uint64_t r;
    return __builtin_mul_overflow(a, b, &r) ? std::numeric_limits<uint64_t>::max() : r;
}
inline uint64_t saturating_add(uint64_t a, uint64_t b) {
    uint64_t r;
    return __builtin_add_overflow(a, b, &r) ? std::numeric_limits<uint64_t>::max() : r;
}

struct MemoryNeed {
    uint64_t file = 0;      // the model file's bytes (the CPU computes on them in place)
    uint64_t kv_cache = 0;  // keys and values of every layer for the whole context, in the cache's type
    uint64_t buffers = 0;   // activations of one batch, logits, norm weights as floats
    // (the budget is this process's memory: a GPU's cache and buffers are not counted)

    uint64_t total() const { return saturating_add(saturating_add(file, kv_cache), buffers); }
};

// The KV cache's bytes: keys and values of every layer, `n_ctx` positions, in `type`.
inline uint64_t kv_cache_bytes(const ModelConfig& c, uint64_t n_ctx, KvCacheType type) {
    const uint64_t kv_width = uint64_t(c.n_head_kv) * c.head_dim;  // no 32-bit wrap
    return saturating_mul(saturating_mul(2ull * c.n_layer, n_ctx), kv_cache_row_bytes(type, kv_width));
}

// With `on_device` (WebGPU) the cache and buffers are the device's, not this process's: only the
// file counts (model_gpu_memory_need() is the device's share).
inline MemoryNeed model_memory_need(const ModelConfig& c, uint64_t file_bytes, uint64_t n_ctx, uint64_t batch, bool on_device,
                                    KvCacheType kv_type = KvCacheType::F16) {
    MemoryNeed need;
    need.file = file_bytes;
    if (on_device) return need;
    const uint64_t q_width = uint64_t(c.n_head) * c.head_dim, kv_width = uint64_t(c.n_head_kv) * c.head_dim;  // no 32-bit wrap
    need.kv_cache = kv_cache_bytes(c, n_ctx, kv_type);
    const uint64_t row = 4ull * c.n_embd + 3 * q_width + 4 * kv_width + 4ull * c.n_ff;  // floats per token
    need.buffers = saturating_mul(saturating_add(saturating_mul(batch, row), 2ull * c.n_vocab + c.n_embd * (2ull * c.n_layer + 2)),
                                  sizeof(float));
    return need;
}

// What a device (WebGPU) holds: the weights as uploaded (`weight_bytes`, in `file`), the cache and
// the buffers.
inline MemoryNeed model_gpu_memory_need(const ModelConfig& c, uint64_t weight_bytes, uint64_t n_ctx, uint64_t batch,
                                        KvCacheType kv_type) {
    return model_memory_need(c, weight_bytes, n_ctx, batch, /*on_device=*/false, kv_type);
}

// The most memory a model may hold here, without a budget from the caller.
inline uint64_t platform_memory_limit() {
#ifdef __EMSCRIPTEN__
    return emscripten_get_heap_max();
#else
    const long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGESIZE);
    return pages > 0 && page_size > 0 ? uint64_t(pages) * uint64_t(page_size) : std::numeric_limits<uint64_t>::max();
#endif
}

// "1.9 MiB", "1234 MiB": tenths below 100 MiB.
inline std::string mebibytes(uint64_t bytes) {
    const uint64_t tenths = bytes / (1 << 20) * 10 + bytes % (1 << 20) * 10 / (1 << 20);
    if (tenths >= 1000) return std::to_string(tenths / 10) + " MiB";
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " MiB";
}

// Throws OutOfMemory when `need` does not fit `max_memory` (0: the platform's limit).
inline void check_memory_budget(const MemoryNeed& need, uint64_t max_memory, uint64_t n_ctx) {
    const uint64_t limit = max_memory ? max_memory : platform_memory_limit();
    if (need.total() <= limit) return;
    throw Error(ErrorCode::OutOfMemory,
                "the model needs " + mebibytes(need.total()) + " (file " + mebibytes(need.file) + ", KV cache for " +
                    std::to_string(n_ctx) + " tokens " + mebibytes(need.kv_cache) + ", buffers " + mebibytes(need.buffers) +
                    ") but " + (max_memory ? "the memory budget (maxMemory) is " : "this platform has ") + mebibytes(limit) +
                    (need.kv_cache > need.file ? ": ask for a smaller context" : ""));
}

// Throws OutOfMemory when a device's share `need` does not fit `max_gpu_memory` (0: no budget;
// WebGPU does not say how much memory a device has, and running out there is caught as it happens).
inline void check_gpu_memory_budget(const MemoryNeed& need, uint64_t max_gpu_memory, uint64_t n_ctx) {
    if (max_gpu_memory == 0 || need.total() <= max_gpu_memory) return;
    throw Error(ErrorCode::OutOfMemory,
                "the model needs " + mebibytes(need.total()) + " of GPU memory (weights " + mebibytes(need.file) +
                    ", KV cache for " + std::to_string(n_ctx) + " tokens " + mebibytes(need.kv_cache) + ", buffers " +
                    mebibytes(need.buffers) + ") but the GPU memory budget (maxGpuMemory) is " + mebibytes(max_gpu_memory) +
                    (need.kv_cache > need.file ? ": ask for a smaller context" : ""));
}

}  // namespace chord
