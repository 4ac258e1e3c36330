// A model that does not fit the WebGPU device's limits: 'auto' computes on the CPU and says why,
// 'webgpu' is an `unsupported` error. The device is Dawn's (SwiftShader here) seen through a proxy
// that reports a 4 KB storage binding limit, smaller than stories260K's larger matrices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, globals } from 'webgpu';

import { Chord } from '../src/index.js';
import { sharedPath } from '../test-support/shared.mjs';

process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.XDG_RUNTIME_DIR ??= '/tmp';
Object.assign(globalThis, globals);

const maxStorageBufferBindingSize = 4096;
// An object whose `limits` say otherwise; everything else is the real one's (methods bound to it).
function withLimits(target, limits) {
  return new Proxy(target, {
    get(t, key) {
      if (key === 'limits') return limits(t.limits);
      const value = t[key];
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
}
const gpu = create([]);
const smallLimits = (real) => ({ maxBufferSize: real.maxBufferSize, maxStorageBufferBindingSize });
globalThis.navigator = {
  gpu: {
    requestAdapter: async (options) => {
      const adapter = await gpu.requestAdapter(options);
      return adapter && withLimits(adapter, smallLimits);
    },
  },
};
// The adapter's (proxied) limits are what the loader asks for; the device must report them too.
const requestDevice = globalThis.GPUAdapter.prototype.requestDevice;
globalThis.GPUAdapter.prototype.requestDevice = async function (descriptor) {
  const { requiredLimits, ...rest } = descriptor ?? {};
  return withLimits(await requestDevice.call(this, rest), smallLimits);
};

const storiesPath = sharedPath('models', 'stories260K-f32.gguf');

test('auto falls back to the CPU when a tensor is larger than the device binds, and says why', async () => {
  const model = await Chord.load(storiesPath, { backend: 'auto' });
  assert.equal(model.info.backend, 'cpu');
  assert.match(model.info.backendReason, /does not fit the WebGPU adapter: tensor '.+' takes \d+ bytes, more than this GPU binds at once \(4096\)/);
  const { text } = await model.complete('Once upon a time', { maxTokens: 8, temperature: 0 });
  assert.ok(text.length > 0);
  await model.unload();
});

test('backend webgpu with a model too large for the device is an unsupported error, and loading goes on working', async () => {
  await assert.rejects(Chord.load(storiesPath, { backend: 'webgpu' }),
    (e) => e.code === 'unsupported' && /more than this GPU binds at once \(4096\)/.test(e.message));
  const model = await Chord.load(storiesPath, { backend: 'cpu' });
  assert.equal(model.info.backend, 'cpu');
  await model.unload();
});
