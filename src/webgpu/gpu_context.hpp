// What the WebGPU backend's kernels are recorded with: the table of its buffers (weights,
// activations, caches, each with its shape and types), the pipelines compiled from shaders/ (on
// first use, by key), and dispatch. Shared by the op-by-op backend (webgpu_backend.cpp) and the
// decoding plan (decode_plan.hpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "chord/backend_params.hpp"
#include "chord/error.hpp"
#include "chord/kv_cache.hpp"
#include "chord/quant.hpp"
#include "gpu_device.hpp"
#include "wgsl_sources.hpp"

namespace chord::webgpu {

constexpr uint32_t kGroupSize = 64;     // the workgroup size of the small kernels
constexpr uint32_t kMaxGroups = 32768;  // per grid dimension (WebGPU guarantees 65535)

// A grid of `items` threads (or workgroups, with per_group = 1) in rows of at most kMaxGroups groups.
struct Grid {
    uint32_t x, y;
};
inline Grid grid_for(size_t items, size_t per_group) {
    const size_t groups = std::max<size_t>(1, (items + per_group - 1) / per_group);
    const uint32_t x = uint32_t(std::min<size_t>(groups, kMaxGroups));
    return {x, uint32_t((groups + x - 1) / x)};
}

// round_activations.wgsl's mode for a weight type (activation_rounding.hpp's choice).
inline uint32_t rounding_mode(GgmlType type) {
    switch (type) {
        case GgmlType::F32: return 0;
        case GgmlType::F16: return 1;
        case GgmlType::BF16: return 2;
        case GgmlType::Q4_0: case GgmlType::Q4_1: case GgmlType::Q5_0: case GgmlType::Q5_1: case GgmlType::Q8_0: return 3;
        case GgmlType::Q2_K: case GgmlType::Q3_K: case GgmlType::Q4_K: case GgmlType::Q5_K: case GgmlType::Q6_K: return 4;
        default:
            throw Error(ErrorCode::UnsupportedType, std::string("matrix multiplication with ") + type_name(type) +
                                                        " weights is not supported");
    }
}

enum class Kind : uint32_t { Weight = 1, Activations = 2, Cache = 3 };

// Rows first_row … first_row + rows − 1 of a weight, in GPU buffer `gpu`.
struct WeightPart {
    uint32_t gpu = 0;
    size_t first_row = 0, rows = 0;
};

struct Buffer {
    Kind kind = Kind::Activations;
    uint32_t gpu = 0;
    double bytes = 0;  // of the GPU buffer (size_t is 32 bits in wasm)
    size_t rows = 0, cols = 0;
    GgmlType type = GgmlType::F32;       // as stored on the GPU
    GgmlType file_type = GgmlType::F32;  // as in the file: decides the activations' rounding
    KvCacheType cache_type = KvCacheType::F32;  // caches: how keys or values are stored
    // Weights: their rows in parts, each a GPU buffer; one part (`gpu`) unless the weight is more
    // than the device binds at once (maxStorageBufferBindingSize), when each kernel that reads it
    // runs once per part. Split weights have gpu = 0.
    std::vector<WeightPart> parts;
    bool split() const { return parts.size() > 1; }
};

class GpuContext {
public:
    BufferId register_buffer(Kind kind, Buffer b) {
        b.kind = kind;
        buffers_.push_back(b);
        return BufferId(uint32_t(kind) << 28 | uint32_t(buffers_.size() - 1));
    }
    const Buffer& get(BufferId id, Kind kind) const {
        const size_t index = id & 0x0FFFFFFFu;
        if ((id >> 28) != uint32_t(kind) || index >= buffers_.size())
            throw Error(ErrorCode::InvalidArgument, "invalid buffer id " + std::to_string(id));
        return buffers_[index];
    }
    static void check_rows(const Buffer& a, size_t rows) {
        if (rows > a.rows) throw Error(ErrorCode::InvalidArgument, "more rows than the buffer holds");
    }

    // The pipeline of a kernel whose WGSL is `parts` in order, compiled on first use.
    uint32_t pipeline(const std::string& key, std::initializer_list<std::string_view> parts) {
        auto found = pipelines_.find(key);
        if (found != pipelines_.end()) return found->second;
        std::string source;
        for (std::string_view part : parts) source += part;
        return compile(key, source);
    }
    // A kernel that reads or writes a KV cache of one type (KV_TYPE, then `parts`).
    uint32_t kv_pipeline(const char* name, std::initializer_list<std::string_view> parts, KvCacheType type) {
        static_assert(uint32_t(KvCacheType::F16) == 0 && uint32_t(KvCacheType::Q8_0) == 1 && uint32_t(KvCacheType::F32) == 2,
                      "kv_cache.wgsl's KV_F16, KV_Q8_0, KV_F32");
        const std::string key = std::string(name) + "_" + kv_cache_type_name(type);
        auto found = pipelines_.find(key);
        if (found != pipelines_.end()) return found->second;
        std::string source = "const KV_TYPE: u32 = " + std::to_string(uint32_t(type)) + "u;\n";
        for (std::string_view part : parts) source += part;
        return compile(key, source);
    }
    // A kernel that reads weights (weights.wgsl, then `parts`) of one stored type. BF16 weights
    // (stored as F32) sum their exact products exactly (WIDE_SUMS; see weight_dots.wgsl): one
    // bfloat activation a rounding step off in ~10⁴ otherwise, which shows in the logits.
    uint32_t weight_pipeline(const char* name, std::initializer_list<std::string_view> parts, const Buffer& weights) {
        const std::string key = std::string(name) + "_" + weight_key(weights);
        auto found = pipelines_.find(key);
        if (found != pipelines_.end()) return found->second;
        std::string source = weight_constants(weights, "") + wgsl::weights;
        for (std::string_view part : parts) source += part;
        return compile(key, source);
    }
    static bool wide_sums(const Buffer& weights) { return weights.file_type == GgmlType::BF16; }
    static std::string weight_key(const Buffer& weights) {
        return std::string(type_name(weights.type)) + (wide_sums(weights) ? "_wide" : "");
    }
    // WEIGHT_TYPE and WIDE_SUMS (with `suffix` after each name) for weights.wgsl and weight_dots.wgsl.
    static std::string weight_constants(const Buffer& weights, const std::string& suffix) {
        return "const WEIGHT_TYPE" + suffix + ": u32 = " + std::to_string(uint32_t(weights.type)) + "u;\n" +
               "const WIDE_SUMS" + suffix + ": bool = " + (wide_sums(weights) ? "true" : "false") + ";\n";
    }

    // For kernels whose source the caller generates: the pipeline of `key` if compiled (else 0),
    // and compiling it.
    uint32_t compiled(const std::string& key) const {
        auto found = pipelines_.find(key);
        return found == pipelines_.end() ? 0 : found->second;
    }
    uint32_t compile(const std::string& key, const std::string& source) {
        const uint32_t id = chord_gpu_pipeline(source.c_str(), key.c_str());
        pipelines_.emplace(key, id);
        return id;
    }

    // Params: a struct or array of 4-byte fields, as the kernel's uniform struct lays them out.
    template <typename Params>
    static void record(uint32_t pipeline_id, std::initializer_list<uint32_t> buffers, const Params& params, uint32_t x,
                       uint32_t y, uint32_t z = 1) {
        static_assert(sizeof(Params) % 16 == 0, "uniform parameters are padded to 16 bytes");
        chord_gpu_dispatch(pipeline_id, buffers.begin(), uint32_t(buffers.size()), &params, sizeof(Params), x, y, z);
    }

protected:
    std::vector<Buffer> buffers_;

private:
    std::map<std::string, uint32_t> pipelines_;
};

}  // namespace chord::webgpu
