// Prefill and decode speed of the WebGPU backend in Node, with Dawn (the npm `webgpu` package) as
// navigator.gpu: how issue 8 measures a real GPU (through the `device` tool; see bench/webgpu/README.md).
//   node bench/webgpu/bench.mjs MODEL.gguf [n=64] [words=128] [INSPECT.json]
// INSPECT.json (`chord inspect --json MODEL.gguf`) gives the bytes of weights a decode step reads,
// to report decode as bandwidth. The prompt is bench/browser/chord.html's, so the numbers compare.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { Chord } from '../../bindings/js/src/index.js';
import { weightBytesPerToken } from '../browser/weights-read.mjs';

const [modelPath, n = '64', words = '128', inspectPath] = process.argv.slice(2);
if (!modelPath) {
  console.error('usage: node bench/webgpu/bench.mjs MODEL.gguf [n=64] [words=128] [INSPECT.json]');
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

const prompt = Array.from({ length: +words }, (_, i) => ['the', 'little', 'llama', 'ran', 'home', 'again'][i % 6]).join(' ');
const t0 = performance.now();
const model = await Chord.load(modelPath, { backend: 'webgpu', contextLength: 1024 });
const loadMs = performance.now() - t0;
// The first generation builds the pipelines (one prompt batch and one decode step of each shape).
await model.complete('Once upon a time', { maxTokens: 4, temperature: 0 });
const { timings } = await model.complete(prompt, { maxTokens: +n, temperature: 0 });
const prefill = (1e3 * timings.promptTokens) / timings.promptMs;
const decode = (1e3 * (timings.predictedTokens - 1)) / timings.predictedMs; // as llama.cpp counts: n − 1 steps
const result = {
  adapter: { vendor: adapter.info.vendor, architecture: adapter.info.architecture, description: adapter.info.description,
    shaderF16: adapter.features.has('shader-f16') },
  model: modelPath, backend: model.info.backend, loadMs: Math.round(loadMs), timings,
  prefillTokensPerSecond: +prefill.toFixed(1), decodeTokensPerSecond: +decode.toFixed(1),
};
if (inspectPath) {
  const bytes = weightBytesPerToken(JSON.parse(readFileSync(inspectPath, 'utf8')));
  result.weightMBPerToken = +(bytes / 1e6).toFixed(1);
  result.decodeGBPerSecond = +((bytes * decode) / 1e9).toFixed(1);
}
console.log(JSON.stringify(result, null, 1));
await model.unload();
process.exit(0);
