// The JS functions of webgpu_library.js as the WebGPU backend calls them. Byte counts and offsets
// are doubles (wasm32's size_t would reach JS as a signed 32-bit number).
#pragma once

#include <cstdint>

extern "C" {
int chord_gpu_ready();
double chord_gpu_max_binding();  // the device's maxStorageBufferBindingSize
uint32_t chord_gpu_workgroup_bytes();  // the device's maxComputeWorkgroupStorageSize
int chord_gpu_is_cpu();  // whether the adapter is a CPU (SwiftShader, a fallback adapter)
int chord_gpu_round_in_products();  // Module.chordGpuPlanOptions.roundInProducts (default 1)
uint32_t chord_gpu_product_workgroups();  // Module.chordGpuPlanOptions.productWorkgroups (0: not set)
uint32_t chord_gpu_product_lanes();  // Module.chordGpuPlanOptions.productLanes (0: not set)
uint32_t chord_gpu_matmul_slices();  // Module.chordGpuPlanOptions.matmulSlices (0: not set)
uint32_t chord_gpu_subgroup_size();  // the adapter's largest subgroup size where the device has subgroups, else 0
uint32_t chord_gpu_pipeline(const char* wgsl, const char* label);
uint32_t chord_gpu_buffer(double bytes);
void chord_gpu_release(uint32_t buffer);
void chord_gpu_write(uint32_t buffer, double offset, const void* data, double bytes);
void chord_gpu_dispatch(uint32_t pipeline, const uint32_t* buffers, uint32_t n_buffers, const void* params,
                        uint32_t params_bytes, uint32_t x, uint32_t y, uint32_t z);
void chord_gpu_copy(uint32_t src, double src_offset, uint32_t dst, double dst_offset, double bytes);
// Plans (webgpu_plan.hpp): between plan_begin and plan_end dispatches and copies are recorded,
// not run; plan_run records them again (0: the plan was dropped, a buffer of it released).
void chord_gpu_plan_begin();
uint32_t chord_gpu_plan_end();
int chord_gpu_plan_run(uint32_t plan);
uint32_t chord_gpu_plan_dispatches(uint32_t plan);
// Asynchronous reads: begin_read submits the recorded work and a copy back (JS awaits
// Module.chordGpuPending, for every read begun since the last ones arrived); read_ready says
// whether that read, finished, is there for read(), which takes it.
void chord_gpu_begin_read(uint32_t buffer, double offset, double bytes);
int chord_gpu_read_ready(uint32_t buffer, double offset, double bytes);
void chord_gpu_read(uint32_t buffer, double offset, void* out, double bytes);
}
