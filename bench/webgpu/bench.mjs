// Prefill and decode speed of the WebGPU backend in Node, with Dawn (the npm `webgpu` package) as
// navigator.gpu: how issue 8 measures a real GPU (through the `device` tool; see bench/webgpu/README.md).
//   node bench/webgpu/bench.mjs MODEL.gguf [n=64] [words=128,440] [INSPECT.json]
// Prefill of a prompt of each word count (bench/browser/chord.html's words: 128 words are ~150
// tokens, 440 ~512), then n decoded tokens, both ways a decoding plan can round the inputs of its
// products; for each, the GPU dispatches a token records, the CPU time recording them takes and,
// where the adapter has 'timestamp-query', the GPU time of a token and of each kernel.
// INSPECT.json (`chord inspect --json MODEL.gguf`) gives the bytes of weights a decode step reads,
// to report decode as bandwidth.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { Chord } from '../../bindings/js/src/index.js';
import { loadModule } from '../../bindings/js/src/module.js';
import { weightBytesPerToken } from '../browser/weights-read.mjs';

const [modelPath, n = '64', words = '128,440', inspectPath] = process.argv.slice(2);
if (!modelPath) {
  console.error('usage: node bench/webgpu/bench.mjs MODEL.gguf [n=64] [words=128,440] [INSPECT.json]');
  process.exit(2);
}
// `webgpu` is a devDependency of the package, so it resolves from bindings/js.
const require = createRequire(new URL('../../bindings/js/package.json', import.meta.url));
const { create, globals } = await import(require.resolve('webgpu'));
Object.assign(globalThis, globals);
const gpu = create([]); // kept referenced: Dawn's instance must outlive every device
globalThis.navigator = { gpu };
const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
if (!adapter) throw new Error('no WebGPU adapter');

// The device the library would ask for, with timestamps where the adapter has them.
const module = await loadModule();
const timestamps = adapter.features.has('timestamp-query');
const { maxStorageBufferBindingSize, maxBufferSize, maxComputeWorkgroupStorageSize } = adapter.limits;
module.chordGpuDevice = await adapter.requestDevice({
  requiredFeatures: timestamps ? ['timestamp-query'] : [],
  requiredLimits: { maxStorageBufferBindingSize, maxBufferSize, maxComputeWorkgroupStorageSize },
});
const promptOf = (count) => Array.from({ length: count }, (_, i) => ['the', 'little', 'llama', 'ran', 'home', 'again'][i % 6]).join(' ');
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));  // the last token's timestamps

// n decoded tokens: tok/s, the plan's dispatches, the CPU time recording a token, its GPU time; then
// each kernel's GPU time, from 16 more tokens whose dispatches each run in a pass of their own.
async function decodeSpeed(model) {
  const stats = { tokens: 0, recordMs: 0, gpuMs: 0, timed: 0 };
  module.chordGpuStats = stats;
  const { timings } = await model.complete(promptOf(16), { maxTokens: +n, temperature: 0 });
  module.chordGpuStats = undefined;
  await settle();
  const perKernel = { tokens: 0, recordMs: 0, gpuMs: 0, timed: 0, perKernel: true };
  if (timestamps) {
    module.chordGpuStats = perKernel;
    await model.complete(promptOf(16), { maxTokens: 17, temperature: 0 });
    module.chordGpuStats = undefined;
    await settle();
  }
  const decode = (1e3 * (timings.predictedTokens - 1)) / timings.predictedMs; // as llama.cpp counts: n − 1 steps
  return {
    tokensPerSecond: +decode.toFixed(1), tokens: timings.predictedTokens,
    dispatchesPerToken: model.info.gpuDispatchesPerToken,
    recordMsPerToken: +(stats.recordMs / stats.tokens).toFixed(3),
    gpuMsPerToken: stats.timed ? +(stats.gpuMs / stats.timed).toFixed(3) : null,
    kernels: Object.entries(perKernel.kernels ?? {})
      .map(([label, { ms, count }]) => ({ label, msPerToken: +(ms / perKernel.tokens).toFixed(4), dispatchesPerToken: count / perKernel.tokens }))
      .sort((a, b) => b.msPerToken - a.msPerToken),
  };
}

const t0 = performance.now();
let model = await Chord.load(modelPath, { backend: 'webgpu', contextLength: 1024 });
const loadMs = performance.now() - t0;
// The first generation builds the pipelines (one prompt batch and one decode step of each shape).
await model.complete('Once upon a time', { maxTokens: 4, temperature: 0 });
const prefill = [];
for (const count of words.split(',').map(Number)) {
  const { timings } = await model.complete(promptOf(count), { maxTokens: 1, temperature: 0 });
  prefill.push({ tokens: timings.promptTokens, tokensPerSecond: +((1e3 * timings.promptTokens) / timings.promptMs).toFixed(1) });
}
// Decoding both ways the plan can round the products' inputs (a fresh load plans again).
const decode = {};
for (const roundInProducts of [true, false]) {
  module.chordGpuPlanOptions = { roundInProducts };
  if (!roundInProducts) {
    await model.unload();
    model = await Chord.load(modelPath, { backend: 'webgpu', contextLength: 1024 });
    await model.complete('Once upon a time', { maxTokens: 4, temperature: 0 });
  }
  decode[roundInProducts ? 'productsRoundTheirInput' : 'roundingDispatches'] = await decodeSpeed(model);
}
const result = {
  adapter: { vendor: adapter.info.vendor, architecture: adapter.info.architecture, description: adapter.info.description,
    shaderF16: adapter.features.has('shader-f16'), timestamps },
  model: modelPath, backend: model.info.backend, loadMs: Math.round(loadMs), prefill, decode,
};
if (inspectPath) {
  const bytes = weightBytesPerToken(JSON.parse(readFileSync(inspectPath, 'utf8')));
  result.weightMBPerToken = +(bytes / 1e6).toFixed(1);
  for (const way of Object.values(decode)) way.weightGBPerSecond = +((bytes * way.tokensPerSecond) / 1e9).toFixed(1);
}
console.log(JSON.stringify(result, null, 1));
await model.unload();
process.exit(0);
