// The WebGPU backend (WebAssembly build only): weights uploaded once in their quantized form and
// dequantized inside the WGSL kernels (shaders/), activations, KV cache and every operation of a
// forward pass on the GPU. The device comes from JS (Module.chordGpuDevice); see
// src/webgpu/webgpu_library.js. Numerics follow the CPU reference kernels: activations rounded as
// llama.cpp rounds them for each weight type, a half-precision KV cache.
#pragma once

#include <memory>
#include <string>

#include "chord/backend.hpp"
#include "chord/gguf.hpp"

namespace chord {

// True when the JS side has given a device.
bool webgpu_available();

// Throws Error(Unsupported) when there is no device. Reads are asynchronous (Backend::begin_read)
// unless the program is asyncified, whose read() can wait for the GPU (the parity test).
// Decoding steps run as a fused plan (src/webgpu/decode_plan.hpp) unless plan_decoding is false
// (the parity test compares the two).
std::unique_ptr<Backend> make_webgpu_backend(bool asynchronous_reads = true, bool plan_decoding = true);

// Why the model's weights do not fit the device's limits (a tensor larger than it binds at once,
// which the backend would refuse with Error(Unsupported)), or "" when they do: `auto` then takes
// the CPU before any weight is uploaded. Needs a device.
std::string webgpu_misfit(const GgufFile& file);

}  // namespace chord
