// Load time and memory of a load from a path (issue 21, parts 1 and 4), in Node (Dawn for WebGPU):
//   node bench/webgpu/load.mjs MODEL.gguf [loads=3] [backend=webgpu|cpu]
// On WebGPU each load streams the file into GPU buffers, on the CPU it reads it into wasm memory.
// Prints, per load, the milliseconds to a loaded model and to its first token (on WebGPU the first
// generation builds the pipelines), the file's MB/s through the load beside a plain read of the
// file (the disk's, or the page cache's), the process's resident memory at the peak of the load
// (sampled at each progress event) and after it, and the wasm heap's allocated bytes at the peak,
// against the file's size and the GPU buffers' bytes.
import { readFileSync, statSync } from 'node:fs';
import { Chord } from '../../bindings/js/src/index.js';
import { create } from './dawn.mjs';

const [modelPath, loads = '3', backend = 'webgpu'] = process.argv.slice(2);
if (!modelPath) {
  console.error('usage: node bench/webgpu/load.mjs MODEL.gguf [loads=3] [backend=webgpu|cpu]');
  process.exit(2);
}
globalThis.navigator = { gpu: create([]) };

const MB = 1e6, mb = (n) => Math.round(n / MB);
const fileBytes = statSync(modelPath).size;
const readStarted = performance.now();
readFileSync(modelPath);
const plainReadMBs = Math.round(fileBytes / MB / ((performance.now() - readStarted) / 1000));
const results = [];
for (let i = 0; i < Number(loads); i++) {
  const rssBefore = process.memoryUsage().rss, heapBefore = (await Chord.memoryUsage()).allocatedBytes;
  let rssPeak = rssBefore, heapPeak = heapBefore;
  const heapSamples = [];
  const t0 = performance.now();
  const model = await Chord.load(modelPath, {
    backend, contextLength: 1024,
    onProgress: () => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      heapSamples.push(Chord.memoryUsage().then((m) => { heapPeak = Math.max(heapPeak, m.allocatedBytes); }));
    },
  });
  const loadMs = performance.now() - t0;
  await model.complete('Once upon a time', { maxTokens: 1, temperature: 0 });
  const readyMs = performance.now() - t0;
  await Promise.all(heapSamples);
  const { weights, kvCache, activations } = model.info.memory;
  results.push({
    loadMs: Math.round(loadMs), firstTokenMs: Math.round(readyMs), loadMBs: Math.round(fileBytes / MB / (loadMs / 1000)), rssBeforeMB: mb(rssBefore),
    rssPeakMB: mb(rssPeak - rssBefore), rssAfterMB: mb(process.memoryUsage().rss - rssBefore), heapPeakMB: mb(heapPeak - heapBefore),
    gpuMB: weights.where === 'gpu' ? mb(weights.bytes + kvCache.bytes + activations.bytes) : 0,
  });
  console.error(`load ${i + 1}: ${JSON.stringify(results.at(-1))}`);
  await model.unload();
}
console.log(JSON.stringify({ model: modelPath, backend, fileMB: mb(fileBytes), plainReadMBs, loads: results }, null, 1));
