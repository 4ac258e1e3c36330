// The WebGPU device the WebGPU backend computes on: navigator.gpu's (in Node, install the npm
// `webgpu` package's as globalThis.navigator = { gpu: create([]) }). One device per module,
// asked for once, and again after it is lost (the models on the lost one report device_lost).

// { device } or, when there is none, { reason }.
export async function gpuDevice(module) {
  if (module.chordGpuDevice) return { device: module.chordGpuDevice };
  const gpu = globalThis.navigator?.gpu;
  if (!gpu) return { reason: 'this environment has no WebGPU (navigator.gpu)' };
  let adapter;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { reason: `no WebGPU adapter (${e?.message ?? e})` };
  }
  if (!adapter) return { reason: 'no WebGPU adapter' };
  let device;
  try {
    device = await adapter.requestDevice(deviceDescriptor(adapter));
  } catch (e) {
    return { reason: `no WebGPU device (${e?.message ?? e})` };
  }
  device.lost.then(() => {
    if (module.chordGpuDevice === device) delete module.chordGpuDevice;
  });
  // Out of memory outside a load's error scope (a buffer that grows mid-generation): counted, so
  // that the model computing then reports out_of_memory rather than what an unmade buffer gives.
  device.addEventListener('uncapturederror', (event) => {
    if (globalThis.GPUOutOfMemoryError && event.error instanceof GPUOutOfMemoryError) {
      const message = event.error.message.split('\n')[0];  // Dawn's first line (then where it was raised)
      module.chordGpuOutOfMemory = { count: (module.chordGpuOutOfMemory?.count ?? 0) + 1, message };
    }
  });
  module.chordGpuDevice = device;
  module.chordGpu = gpu;  // referenced for as long as the device (Dawn in Node needs its instance alive)
  return { device };
}

// What the backend asks of an adapter: the largest buffers it allows (a weight matrix is one
// buffer), its workgroup memory (the fused decoding products keep their input there) and subgroups
// where it has them (a decoding product's row is then one subgroup); `features` (e.g. benchmarks'
// 'timestamp-query') where it has them too. The parity test and bench/webgpu ask the same.
export function deviceDescriptor(adapter, features = []) {
  const { maxStorageBufferBindingSize, maxBufferSize, maxComputeWorkgroupStorageSize } = adapter.limits;
  return {
    requiredFeatures: ['subgroups', ...features].filter((feature) => adapter.features.has(feature)),
    requiredLimits: { maxStorageBufferBindingSize, maxBufferSize, maxComputeWorkgroupStorageSize },
  };
}
