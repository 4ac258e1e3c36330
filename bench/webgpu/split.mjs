// A model on WebGPU whole, then with its weights in parts: the device reports a smaller
// maxStorageBufferBindingSize (as adapters that bind 128 MB do), so that every weight larger than
// that is kept in parts of whole rows, each kernel that reads one running once per part.
//   node bench/webgpu/split.mjs MODEL.gguf [maxBinding=134217728] [n=64]
// For each way: load time from the path, the process's peak resident memory, prefill of ~150
// tokens (3 runs), n greedy tokens decoded (tok/s, dispatches a token), and whether the split
// model's greedy tokens are the whole model's.
import { Chord } from '../../bindings/js/src/index.js';
import { loadModule } from '../../bindings/js/src/module.js';
import { deviceDescriptor } from '../../bindings/js/src/webgpu.js';
import { dawnAdapter } from './dawn.mjs';

const [modelPath, maxBindingArg = '134217728', n = '64'] = process.argv.slice(2);
if (!modelPath) {
  console.error('usage: node bench/webgpu/split.mjs MODEL.gguf [maxBinding=134217728] [n=64]');
  process.exit(2);
}
const { gpu, adapter } = await dawnAdapter();  // gpu: kept referenced until the end
const device = await adapter.requestDevice(deviceDescriptor(adapter));
const realBinding = device.limits.maxStorageBufferBindingSize;

// The device as the library sees it: its own, or one whose limits report `maxBinding`.
function reporting(maxBinding) {
  if (!maxBinding) return device;
  return new Proxy(device, {
    get(t, key) {
      if (key === 'limits') return new Proxy(t.limits, { get: (l, name) => (name === 'maxStorageBufferBindingSize' ? maxBinding : l[name]) });
      const value = t[key];
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
}

const module = await loadModule();
const peakRssMB = () => Math.round((process.resourceUsage().maxRSS * 1024) / 1e6);  // maxRSS is in KiB
const prompt = Array.from({ length: 128 }, (_, i) => ['the', 'little', 'llama', 'ran', 'home', 'again'][i % 6]).join(' ');

async function measure(maxBinding) {
  module.chordGpuDevice = reporting(maxBinding);
  const t0 = performance.now();
  const model = await Chord.load(modelPath, { backend: 'webgpu', contextLength: 1024 });
  const loadMs = Math.round(performance.now() - t0), peakRssMBAfterLoad = peakRssMB();
  await model.complete('Once upon a time', { maxTokens: 4, temperature: 0 });  // builds the pipelines
  const prefill = [];
  for (let r = 0; r < 3; ++r) {
    const { timings } = await model.complete(`${r} ${prompt}`, { maxTokens: 1, temperature: 0 });
    prefill.push(+((1e3 * timings.promptTokens) / timings.promptMs).toFixed(1));
  }
  const { tokens, timings } = await model.complete('Once upon a time', { maxTokens: +n, temperature: 0 });
  const result = {
    maxStorageBufferBindingSize: maxBinding || realBinding, loadMs, peakRssMBAfterLoad,
    prefillTokensPerSecond: prefill, decodeTokensPerSecond: +((1e3 * (timings.predictedTokens - 1)) / timings.predictedMs).toFixed(1),
    dispatchesPerToken: model.info.gpuDispatchesPerToken, gpuWeightsMB: Math.round(model.info.memory.weights.bytes / 1e6), tokens,
  };
  await model.unload();
  console.error(JSON.stringify({ ...result, tokens: tokens.length }));
  return result;
}

const whole = await measure(0);
const split = await measure(+maxBindingArg);
console.log(JSON.stringify({ adapter: adapter.info.description || adapter.info.architecture, model: modelPath, whole, split,
  sameTokens: JSON.stringify(whole.tokens) === JSON.stringify(split.tokens) }, null, 1));
void gpu;
process.exit(0);
