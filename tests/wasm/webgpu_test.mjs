// Runs the WebGPU parity test (webgpu_test.cpp, built as build/wasm/bin/chord_wasm_webgpu_test.js)
// on a device of the npm `webgpu` package (Dawn). Without a GPU, Dawn runs on Chromium's
// SwiftShader Vulkan driver: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json.
//   node tests/wasm/webgpu_test.mjs [--models-only] MODEL.gguf...
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename } from 'node:path';

import { deviceDescriptor } from '../../bindings/js/src/webgpu.js';

const require = createRequire(import.meta.url);
const { create, globals } = require('../../bindings/js/node_modules/webgpu');
Object.assign(globalThis, globals);

// The GPU object stays referenced until the end: were it collected, Dawn's pending event
// processing would run on a destroyed instance and crash the process.
const gpu = create([]);
const adapter = await gpu.requestAdapter();
if (!adapter) {
  console.error('no WebGPU adapter (without a GPU: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)');
  process.exit(1);
}
const device = await adapter.requestDevice(deviceDescriptor(adapter));  // as the library asks
let gpuErrors = 0;  // any validation error fails the run
device.addEventListener('uncapturederror', (e) => {
  gpuErrors += 1;
  console.error(`WebGPU error: ${e.error.message}`);
});
console.log(`[ measured ] webgpu adapter: ${adapter.info.vendor} ${adapter.info.description}`);
// main runs with these arguments once the module is ready; the process ends with its status. Until
// then a timer keeps Node alive: a pending GPU readback alone does not.
const modelsOnly = process.argv[2] === '--models-only';
const models = process.argv.slice(modelsOnly ? 3 : 2);
const build = new URL('../../build/wasm/bin/', import.meta.url);
const createTest = require(new URL('chord_wasm_webgpu_test.js', build).pathname);
const keepAlive = setInterval(() => {}, 1000);
const status = await new Promise((resolve) => {
  createTest({
    chordGpuDevice: device, onExit: resolve, onAbort: () => resolve(1),
    // The models go into the module's in-memory file system (with Dawn loaded, Emscripten's
    // direct file access, NODERAWFS, crashes the process).
    arguments: [...(modelsOnly ? ['--models-only'] : []), ...models.map((m) => `/models/${basename(m)}`)],
    preRun: [(module) => {
      module.FS.mkdir('/models');
      for (const m of models) module.FS.writeFile(`/models/${basename(m)}`, readFileSync(m));
    }],
    wasmBinary: readFileSync(new URL('chord_wasm_webgpu_test.wasm', build)),  // Node's fetch cannot read a path
  });
});
clearInterval(keepAlive);
device.destroy();
void gpu;
process.exit(status || (gpuErrors ? 1 : 0));
