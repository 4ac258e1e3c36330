// Prefill and decode speed of the WebGPU backend in Node, with Dawn (the npm `webgpu` package) as
// navigator.gpu: how issue 8 measures a real GPU (through the `device` tool; see bench/webgpu/README.md).
//   node bench/webgpu/bench.mjs MODEL.gguf [n=64] [words=128,440] [INSPECT.json]
// Prefill of a prompt of each word count (bench/browser/chord.html's words: 128 words are ~150
// tokens, 440 ~512) with the default prompt batch and with batches of 64 and 512, then n decoded tokens, both ways a decoding plan can round the inputs of its
// products; for each, the GPU dispatches a token records, the CPU time recording them takes and,
// where the adapter has 'timestamp-query', the GPU time of a token and of each kernel (of a prompt
// too).
// INSPECT.json (`chord inspect --json MODEL.gguf`) gives the bytes of weights a decode step reads,
// to report decode as bandwidth.
// Every load (the model is loaded from its path, streamed into GPU buffers) is timed: `loads` lists
// the milliseconds to a loaded model, those of its first generation (which builds the pipelines),
// and the process's peak resident memory after each, against the file's size (`fileMB`).
import { readFileSync, statSync } from 'node:fs';
import { Chord } from '../../bindings/js/src/index.js';
import { loadModule } from '../../bindings/js/src/module.js';
import { deviceDescriptor } from '../../bindings/js/src/webgpu.js';
import { weightBytesPerToken } from '../browser/weights-read.mjs';
import { dawnAdapter } from './dawn.mjs';

const [modelPath, n = '64', words = '128,440', inspectPath] = process.argv.slice(2);
if (!modelPath) {
  console.error('usage: node bench/webgpu/bench.mjs MODEL.gguf [n=64] [words=128,440] [INSPECT.json]');
  process.exit(2);
}
const { gpu, adapter } = await dawnAdapter();
globalThis.navigator = { gpu };  // (also keeps Dawn's instance referenced)
// The most one binding (a weight matrix is one) and one buffer can hold: printed first, so that a
// load that fails on them still shows them.
const limits = { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize, maxBufferSize: adapter.limits.maxBufferSize };
console.error(`adapter limits: ${JSON.stringify(limits)}`);

// The device the library would ask for, with timestamps where the adapter has them.
const module = await loadModule();
const timestamps = adapter.features.has('timestamp-query');
module.chordGpuDevice = await adapter.requestDevice(deviceDescriptor(adapter, ['timestamp-query']));
// `count` words; each prompt starts at the next word of the six, so that no prompt begins as the one
// before did (the session would reuse that prefix from its cache and compute only the rest).
let prompts = 0;
const promptOf = (count) => {
  const first = prompts++;
  return Array.from({ length: count }, (_, i) => ['the', 'little', 'llama', 'ran', 'home', 'again'][(first + i) % 6]).join(' ');
};
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));  // the last token's timestamps

// n decoded tokens: tok/s; n more with timing: the plan's dispatches, the CPU time recording a
// token, its GPU time; then each kernel's GPU time, from 16 more tokens whose dispatches each run
// in a pass of their own.
async function decodeSpeed(model) {
  const { timings } = await model.complete(promptOf(16), { maxTokens: +n, temperature: 0 });
  // Timing changes how a step is encoded (its timestamps; no encoding ahead): measured apart.
  const stats = { tokens: 0, recordMs: 0, gpuMs: 0, timed: 0 };
  module.chordGpuStats = stats;
  await model.complete(promptOf(16), { maxTokens: +n, temperature: 0 });
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
      .map(([label, { ms, count, boundBytes }]) => ({
        label, msPerToken: +(ms / perKernel.tokens).toFixed(4), dispatchesPerToken: count / perKernel.tokens,
        // a product reads its bound buffers once (weights, input, output): its bandwidth
        ...(label.startsWith('matvec') ? { GBPerSecond: +(boundBytes / ms / 1e6).toFixed(1) } : {}),
      }))
      .sort((a, b) => b.msPerToken - a.msPerToken),
  };
}

// A model, ready: the first generation builds the pipelines (one prompt batch and one decode step of each shape).
// Each load's milliseconds and the process's peak resident memory (MB) go to `loads`.
const MB = 1e6;
const peakRssMB = () => Math.round((process.resourceUsage().maxRSS * 1024) / MB);  // maxRSS is in KiB
const loads = [];
async function load(options = {}, what = JSON.stringify(options)) {
  const t0 = performance.now();
  const loaded = await Chord.load(modelPath, { backend: 'webgpu', contextLength: 1024, ...options });
  const ms = performance.now() - t0, peakRssMBAfterLoad = peakRssMB();
  const t1 = performance.now();
  await loaded.complete('Once upon a time', { maxTokens: 4, temperature: 0 });
  loads.push({ what, ms: Math.round(ms), firstGenerationMs: Math.round(performance.now() - t1), peakRssMBAfterLoad, peakRssMB: peakRssMB() });
  console.error(`load ${loads.length} (${what}): ${JSON.stringify(loads.at(-1))}`);
  return loaded;
}

// Each prompt's GPU ms by kernel (each dispatch timed in a pass of its own), from one more run.
async function promptKernels(model, count) {
  const stats = { tokens: 0, recordMs: 0, gpuMs: 0, timed: 0, promptKernels: {} };
  module.chordGpuStats = stats;
  await model.complete(promptOf(count), { maxTokens: 1, temperature: 0 });
  module.chordGpuStats = undefined;
  await settle();
  return Object.entries(stats.promptKernels).map(([label, { ms, count }]) => ({ label, ms: +ms.toFixed(3), dispatches: count }))
    .sort((a, b) => b.ms - a.ms);
}

async function prefillSpeed(model, { kernels = false } = {}) {
  const prefill = [];
  for (const count of words.split(',').map(Number)) {
    const runs = [];  // three runs, as llama-bench -r 3: the mean and the spread
    for (let r = 0; r < 3; ++r) {
      const { timings } = await model.complete(promptOf(count), { maxTokens: 1, temperature: 0 });
      runs.push({ tokens: timings.promptTokens, tokensPerSecond: (1e3 * timings.promptTokens) / timings.promptMs });
    }
    const speeds = runs.map((run) => run.tokensPerSecond);
    prefill.push({ tokens: runs[0].tokens, tokensPerSecond: +(speeds.reduce((a, b) => a + b) / 3).toFixed(1),
      min: +Math.min(...speeds).toFixed(1), max: +Math.max(...speeds).toFixed(1),
      ...(kernels && timestamps ? { kernels: await promptKernels(model, count) } : {}) });
  }
  return prefill;
}

const fileMB = Math.round(statSync(modelPath).size / MB), rssMBBeforeLoad = Math.round(process.memoryUsage().rss / MB);
let model = await load({}, 'first');
const loadMs = loads[0].ms;
const prefill = await prefillSpeed(model, { kernels: true });
// Prefill with other prompt batch sizes than the default (a fresh load each).
const prefillByBatchSize = { [model.info.batchSize]: prefill };
for (const batchSize of [64, 512].filter((b) => b !== model.info.batchSize)) {
  const other = await load({ batchSize }, `batchSize ${batchSize}`);
  prefillByBatchSize[batchSize] = await prefillSpeed(other);
  await other.unload();
}
// Decoding both ways the plan can round the products' inputs, with a row a subgroup (where the
// device has subgroups) or the plain kernels' 32 or 16 threads a row, and with the products
// spread over more workgroups than the backend's 256 at most (a fresh load plans again).
const decode = {};
const plans = {
  productsRoundTheirInput: { roundInProducts: true },
  plainKernels: { roundInProducts: true, subgroups: false },
  roundingDispatches: { roundInProducts: false },
  productsOver1024Workgroups: { roundInProducts: true, productWorkgroups: 1024 },
  productsOver4096Workgroups: { roundInProducts: true, productWorkgroups: 4096 },
  plainRowsOf16Threads: { roundInProducts: true, subgroups: false, productLanes: 16 },
  // the first plan again, after the others: how much a fresh load late in the run changes tok/s
  productsRoundTheirInputAgain: { roundInProducts: true },
};
for (const [name, options] of Object.entries(plans)) {
  module.chordGpuPlanOptions = options;
  if (name !== 'productsRoundTheirInput') {
    await model.unload();
    model = await load({}, `plan ${name}`);
  }
  decode[name] = await decodeSpeed(model);
}
module.chordGpuPlanOptions = undefined;
const result = {
  adapter: { vendor: adapter.info.vendor, architecture: adapter.info.architecture, description: adapter.info.description,
    shaderF16: adapter.features.has('shader-f16'), timestamps, limits },
  model: modelPath, fileMB, backend: model.info.backend, loadMs, rssMBBeforeLoad, loads, batchSize: model.info.batchSize, prefill, prefillByBatchSize, decode,
};
if (inspectPath) {
  const bytes = weightBytesPerToken(JSON.parse(readFileSync(inspectPath, 'utf8')));
  result.weightMBPerToken = +(bytes / 1e6).toFixed(1);
  for (const way of Object.values(decode)) way.weightGBPerSecond = +((bytes * way.tokensPerSecond) / 1e9).toFixed(1);
}
console.log(JSON.stringify(result, null, 1));
await model.unload();
process.exit(0);
