// A model larger than the WebGPU device binds at once. The device is Dawn's (SwiftShader here)
// seen through a proxy that reports a smaller maxStorageBufferBindingSize (and records the sizes
// of the storage buffers made). A weight larger than that is kept in parts of whole rows, each
// its own buffer, every kernel that reads it running once per part: the same logits, bit for
// bit, as the weight whole. Where not even a few rows fit, 'auto' computes on the CPU and says
// why, and 'webgpu' is an `unsupported` error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, globals } from 'webgpu';

import { Chord } from '../src/index.js';
import { sharedPath } from '../test-support/shared.mjs';

process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.XDG_RUNTIME_DIR ??= '/tmp';
Object.assign(globalThis, globals);

let bindingLimit = 0;       // what the proxies report (0: the real device's)
let largestStorage = 0;     // the largest storage buffer made since the last reset
// An object whose `limits` say otherwise; everything else is the real one's (methods bound to it).
function withLimits(target) {
  return new Proxy(target, {
    get(t, key) {
      if (key === 'limits') {
        const real = t.limits;
        return new Proxy(real, {
          get: (l, name) => (name === 'maxStorageBufferBindingSize' && bindingLimit ? bindingLimit : l[name]),
        });
      }
      if (key === 'createBuffer') {
        return (descriptor) => {
          if (descriptor.usage & GPUBufferUsage.STORAGE) largestStorage = Math.max(largestStorage, descriptor.size);
          return t.createBuffer(descriptor);
        };
      }
      const value = t[key];
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
}
const gpu = create([]);
globalThis.navigator = {
  gpu: {
    requestAdapter: async (options) => {
      const adapter = await gpu.requestAdapter(options);
      return adapter && withLimits(adapter);
    },
  },
};
// The adapter's (proxied) limits are what the loader asks for; the device must report them too.
// Without subgroups: the decoding plan's fused products then sum as matvec.wgsl does, bit for bit,
// where a weight in parts takes matvec.wgsl (with subgroups they differ in the last bits).
const requestDevice = globalThis.GPUAdapter.prototype.requestDevice;
globalThis.GPUAdapter.prototype.requestDevice = async function (descriptor) {
  const { requiredLimits, requiredFeatures, ...rest } = descriptor ?? {};
  return withLimits(await requestDevice.call(this, rest));
};

const storiesPath = sharedPath('models', 'stories260K-f32.gguf');

// Greedy tokens and their top logprobs on WebGPU, the device binding at most `limit` bytes (0: its
// own limit), and the largest storage buffer the load and the generation made.
async function greedyOnWebGpu(path, limit) {
  bindingLimit = limit;
  largestStorage = 0;
  // A context and batches small enough for every activation and cache buffer to fit 32 KB.
  const model = await Chord.load(path, { backend: 'webgpu', contextLength: 64, batchSize: 4 });
  try {
    assert.equal(model.info.backend, 'webgpu');
    // 13 prompt tokens and more: batches of a prompt (matmul_tiled.wgsl or matmul.wgsl), then decoding (the plan)
    const { tokens, logprobs } = await model.complete('Once upon a time there was a little girl who liked to',
      { maxTokens: 10, temperature: 0, topLogprobs: 3, stopAtEndOfGeneration: false });
    return { tokens, logprobs, largestStorage };
  } finally {
    await model.unload();
    bindingLimit = 0;
  }
}

// stories260K: F32 (matmul_tiled.wgsl); synth-llama: Q6_K as stored, BF16 converted to F32 at
// upload (matmul.wgsl's exact sums). Their embedding tables (tied: also the output matrix), FFN
// matrices and more are over 32 KB: in parts of whole rows (128, 52 or 32 of them).
for (const name of ['stories260K-f32', 'synth-llama-q6_k', 'synth-llama-bf16']) {
  test(`${name}: weights larger than the device binds go in parts, with the same logits as whole`, async () => {
    const path = sharedPath('models', `${name}.gguf`);
    const whole = await greedyOnWebGpu(path, 0);
    const split = await greedyOnWebGpu(path, 32768);
    assert.ok(whole.largestStorage > 32768, `some weight is larger than 32 KB (${whole.largestStorage})`);
    assert.ok(split.largestStorage <= 32768, `no buffer larger than the binding limit (${split.largestStorage})`);
    assert.equal(split.tokens.length, 10);
    assert.deepEqual(split.tokens, whole.tokens);
    assert.deepEqual(split.logprobs, whole.logprobs);
  });
}

test('auto falls back to the CPU when not even a few rows of a tensor fit a binding, and says why', async () => {
  bindingLimit = 512;  // stories260K's rows are 256 bytes: 4 of them do not fit
  try {
    const model = await Chord.load(storiesPath, { backend: 'auto' });
    assert.equal(model.info.backend, 'cpu');
    assert.match(model.info.backendReason,
      /does not fit the WebGPU adapter: tensor '.+' takes 1024 bytes in 4 rows \(the least a part of it can hold\), more than this GPU binds at once \(512\)/);
    const { text } = await model.complete('Once upon a time', { maxTokens: 8, temperature: 0 });
    assert.ok(text.length > 0);
    await model.unload();
  } finally {
    bindingLimit = 0;
  }
});

test('backend webgpu with a model too large for the device is an unsupported error, and loading goes on working', async () => {
  bindingLimit = 512;
  try {
    await assert.rejects(Chord.load(storiesPath, { backend: 'webgpu' }),
      (e) => e.code === 'unsupported' && /more than this GPU binds at once \(512\)/.test(e.message));
    const model = await Chord.load(storiesPath, { backend: 'cpu' });
    assert.equal(model.info.backend, 'cpu');
    await model.unload();
  } finally {
    bindingLimit = 0;
  }
});
