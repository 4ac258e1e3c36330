// A decoding step (one token) of a StepGraph as few WebGPU dispatches: the planner walks the
// graph once and records fused kernels where a pattern of operations allows, the backend's
// own operation otherwise; webgpu_library.js keeps what was recorded (bind groups, uniform
// data) as a plan that every later token replays with one call. Per layer of a llama-family
// model that is 6 dispatches:
//   matvec_fused(attention norm, q, k, v) → rope_store (q/k/v biases, q/k norms, RoPE, K/V into the caches) →
//   attention → matvec_fused(wo, added to x) → matvec_fused(FFN norm, gate, up, SwiGLU/GeGLU) →
//   matvec_fused(down, added to x)
// where the matrix products normalize and round their input themselves (each workgroup again;
// else an rms_norm and a rounding dispatch precede them). With post-norms (Gemma) the norm of a
// block's output, the residual addition and the next norm are one residual_norm dispatch. What a token
// changes — its id, its position, the RoPE cos/sin table — lives in StepBuffers, written before
// each replay; everything else is fixed at planning.
#pragma once

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "chord/backend.hpp"
#include "gpu_context.hpp"

namespace chord::webgpu {

// The per-token inputs of a plan, in buffers of their own that the backend writes before a replay.
struct StepBuffers {
    uint32_t token = 0, position = 0, scores = 0;
    std::vector<RopeParams> ropes;        // the graph's distinct RoPE settings
    std::vector<uint32_t> angle_tables;   // one (cos, sin) table per rope, for the token's position
    std::map<size_t, uint32_t> rounded;   // by width: a product's input rounded (without round_in_products)
    std::vector<uint32_t> owned;          // every buffer above and the planner's, released with the plan
    double owned_bytes = 0;               // their bytes
};

struct DeviceLimits {
    uint32_t workgroup_bytes;  // maxComputeWorkgroupStorageSize
    // Workgroups worth spreading a product over: many on a GPU, a few where the device is a CPU
    // (SwiftShader, a fallback adapter), whose cores run them in turn.
    uint32_t workgroups;
    // Whether each workgroup of a product rounds its input itself (one dispatch fewer per
    // product) rather than a rounding dispatch before it (bench/webgpu measures both).
    bool round_in_products;
    // Threads a product's row takes: 32 as matvec.wgsl (the same sums, bit for bit); 8 or 16 for
    // benchmarks (more runs of a row a thread, more rows a workgroup).
    uint32_t lanes;
    // The adapter's largest subgroup size where the device has subgroups and a product's row is one
    // subgroup (matvec_fused_subgroups.wgsl); 0 for the plain kernel.
    uint32_t subgroup_size;
};

class DecodePlanner {
public:
    DecodePlanner(GpuContext& gpu, Backend& backend, StepBuffers& step, const DeviceLimits& limits,
                  const std::map<BufferId, std::vector<float>>& host_vectors, uint32_t placeholder)
        : gpu_(gpu), backend_(backend), step_(step), limits_(limits), host_vectors_(host_vectors), placeholder_(placeholder) {}

    // Records the graph's dispatches (the caller brackets this with chord_gpu_plan_begin/end).
    void plan(const StepGraph& graph);

    static bool same_rope(const RopeParams& a, const RopeParams& b) {
        return a.head_dim == b.head_dim && a.n_rot == b.n_rot && a.freq_base == b.freq_base && a.freq_scale == b.freq_scale &&
               a.neox == b.neox && a.ext_factor == b.ext_factor && a.attn_factor == b.attn_factor && a.corr_low == b.corr_low &&
               a.corr_high == b.corr_high && a.freq_factors == b.freq_factors;
    }

private:
    size_t emit(const std::vector<Op>& ops, size_t i);
    size_t fused_products(const std::vector<Op>& ops, size_t i, const RmsNormOp* norm = nullptr);
    size_t fused_rope_store(const std::vector<Op>& ops, size_t i);
    size_t fused_residual_norm(const std::vector<Op>& ops, size_t i);
    void embed(const EmbedOp& op);
    void rope(const RopeOp& op);
    void attention(const AttentionOp& op, bool store);
    uint32_t angle_table(const RopeParams& rope);
    uint32_t rounded(const Buffer& x, uint32_t mode);
    uint32_t new_buffer(double bytes);

    GpuContext& gpu_;
    Backend& backend_;
    StepBuffers& step_;
    const DeviceLimits limits_;
    const std::map<BufferId, std::vector<float>>& host_vectors_;
    const uint32_t placeholder_;
};

}  // namespace chord::webgpu
