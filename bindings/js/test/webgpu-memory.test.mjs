// Memory honesty on WebGPU (issue 21): info.memory says what a model holds and where; maxGpuMemory
// refuses a model before anything is allocated on the GPU; a device that runs out of memory while
// a model loads is out_of_memory with the numbers and nothing stays allocated, and one that does
// mid-generation is out_of_memory too; a lost device is
// device_lost, and the model loads again on a new device and gives the same tokens. Dawn in Node on
// SwiftShader, as webgpu.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { create, globals } from 'webgpu';

import { Chord, ChordError } from '../src/index.js';
import { loadModule } from '../src/module.js';
import { sharedPath } from '../test-support/shared.mjs';

process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.XDG_RUNTIME_DIR ??= '/tmp';
Object.assign(globalThis, globals);
globalThis.navigator = { gpu: create([]) };

const storiesPath = sharedPath('models', 'stories260K-f32.gguf');  // F32: every tensor is uploaded as stored
const fileBytes = statSync(storiesPath).size;
const greedy = { maxTokens: 6, temperature: 0 };
const options = { backend: 'webgpu', contextLength: 128 };

const allocated = async () => (await Chord.memoryUsage()).allocatedBytes;

test('info.memory: the weights, cache and buffers on the GPU; on the CPU the file holds the weights', async () => {
  const gpu = await Chord.load(storiesPath, options);
  const cpu = await Chord.load(storiesPath, { ...options, backend: 'cpu' });
  try {
    const g = gpu.info.memory, c = cpu.info.memory;
    for (const part of ['weights', 'kvCache', 'activations']) assert.equal(g[part].where, 'gpu', part);
    for (const part of ['weights', 'kvCache', 'activations', 'file']) assert.equal(c[part].where, 'wasm', part);
    // F32 tensors: the GPU holds the file's tensor bytes, the CPU those (in the file) and float copies of the vectors
    assert.ok(g.weights.bytes > 0.9 * fileBytes && g.weights.bytes < fileBytes, `${g.weights.bytes} of ${fileBytes}`);
    assert.ok(c.weights.bytes >= g.weights.bytes && c.weights.bytes < g.weights.bytes + 64 << 10, `${c.weights.bytes}`);
    assert.equal(g.kvCache.bytes, gpu.info.kvCacheBytes);
    assert.equal(c.kvCache.bytes, cpu.info.kvCacheBytes);
    assert.ok(g.activations.bytes > 0 && c.activations.bytes > 0);
    assert.deepEqual(g.staging, { bytes: 16 << 20, where: 'wasm', whileLoading: true });  // streamed through it
    assert.equal(c.staging.bytes, 0);
    assert.equal(c.file.bytes, fileBytes);
    assert.ok(g.file.bytes < fileBytes / 2, `${g.file.bytes}`);  // the header alone
  } finally {
    await gpu.unload();
    await cpu.unload();
  }
});

test('maxGpuMemory: a model over it is out_of_memory before anything is allocated; at its need it loads', async () => {
  await (await Chord.load(storiesPath, options)).unload();  // the heap at its working size
  const before = await allocated();
  const error = await Chord.load(storiesPath, { ...options, maxGpuMemory: 1 << 20 }).catch((e) => e);
  assert.ok(error instanceof ChordError && error.code === 'out_of_memory', String(error));
  assert.match(error.message, /needs [\d.]+ MiB of GPU memory \(weights [\d.]+ MiB, KV cache for 128 tokens [\d.]+ MiB, buffers [\d.]+ MiB\) but the GPU memory budget \(maxGpuMemory\) is 1\.0 MiB/);
  assert.ok((await allocated()) - before < 64 << 10);
  const need = Number(/needs ([\d.]+) MiB/.exec(error.message)[1]);
  const model = await Chord.load(storiesPath, { ...options, maxGpuMemory: Math.ceil((need + 0.1) * 2 ** 20) });
  assert.equal(model.info.backend, 'webgpu');
  await model.unload();
  await assert.rejects(Chord.load(storiesPath, { ...options, maxGpuMemory: -1 }), (e) => e.code === 'invalid_argument');
});

// Dawn on SwiftShader does not run out of memory on cue: the device is seen through a proxy whose
// error scope reports what a device out of memory reports (a GPUOutOfMemoryError there).
test('a device out of memory while the model loads: out_of_memory with the numbers, nothing left allocated', async () => {
  const module = await loadModule();
  await (await Chord.load(storiesPath, options)).unload();  // the device asked for, the heap at its working size
  const real = module.chordGpuDevice;
  const before = await allocated();
  module.chordGpuDevice = new Proxy(real, {
    get(target, key) {
      if (key === 'popErrorScope') return async () => (await target.popErrorScope()) ?? new GPUOutOfMemoryError('test: out of memory');
      const value = target[key];
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  try {
    for (const source of [storiesPath, new Uint8Array(await (await import('node:fs/promises')).readFile(storiesPath))]) {
      const error = await Chord.load(source, options).catch((e) => e);
      assert.ok(error instanceof ChordError && error.code === 'out_of_memory', String(error));
      assert.match(error.message, /the GPU ran out of memory while the model was loaded \(test: out of memory\): it needs [\d.]+ MiB of weights, [\d.]+ MiB of KV cache and [\d.]+ MiB of buffers there/);
    }
  } finally {
    module.chordGpuDevice = real;
  }
  assert.ok((await allocated()) - before < 64 << 10, 'the model was freed');
  const model = await Chord.load(storiesPath, options);  // the device is fine
  assert.equal((await model.complete('Once upon a time', greedy)).tokens.length, greedy.maxTokens);
  await model.unload();
});

// Out of memory after the load: a buffer that grows mid-generation (a longer prompt than any before
// needs larger scratch buffers) is made, through a proxy, as large as the device allows, which
// SwiftShader cannot back: a real GPUOutOfMemoryError, outside any error scope.
test('a device out of memory mid-generation: out_of_memory with the numbers, then the model loads again', async () => {
  const module = await loadModule();
  const model = await Chord.load(storiesPath, options);
  const expected = (await model.complete('Once upon a time', greedy)).tokens;
  const real = module.chordGpuDevice;
  module.chordGpuDevice = new Proxy(real, {
    get(target, key) {
      if (key === 'createBuffer') return (descriptor) => target.createBuffer({ ...descriptor, size: target.limits.maxBufferSize });
      const value = target[key];
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  try {
    const longPrompt = 'Once upon a time, there was a little girl who liked to play in the park with her friends every day.';
    const error = await model.complete(longPrompt, greedy).catch((e) => e);
    assert.ok(error instanceof ChordError && error.code === 'out_of_memory', String(error));
    assert.match(error.message, /the GPU ran out of memory during a generation \(.+\); the model holds [\d.]+ MiB of weights, [\d.]+ MiB of KV cache and [\d.]+ MiB of buffers there/);
  } finally {
    module.chordGpuDevice = real;
  }
  await assert.rejects(model.complete('Once upon a time', greedy), (e) => e.code === 'out_of_memory');  // its buffer was never made
  assert.equal(model.info.backend, 'webgpu');
  await model.unload();
  const again = await Chord.load(storiesPath, options);
  try {
    assert.deepEqual((await again.complete('Once upon a time', greedy)).tokens, expected);
  } finally {
    await again.unload();
  }
});

test('a lost device: the model is device_lost (info still answers), and loads again on a new device with the same tokens', async () => {
  const model = await Chord.load(storiesPath, options);
  const expected = (await model.complete('Once upon a time', greedy)).tokens;
  const module = await loadModule();
  const device = module.chordGpuDevice;
  device.destroy();
  await device.lost;
  await assert.rejects(model.complete('Once upon a time', greedy),
    (e) => e instanceof ChordError && e.code === 'device_lost' && /the GPU device was lost \(destroyed/.test(e.message));
  assert.throws(() => model.tokenize('Once'), (e) => e.code === 'device_lost');
  assert.equal(model.info.backend, 'webgpu');
  await model.unload();

  const again = await Chord.load(storiesPath, options);
  try {
    assert.notEqual(module.chordGpuDevice, device);
    assert.deepEqual((await again.complete('Once upon a time', greedy)).tokens, expected);
  } finally {
    await again.unload();
  }
});

test('a device lost while a generation waits for the GPU ends it with device_lost', async () => {
  const model = await Chord.load(storiesPath, options);
  const module = await loadModule();
  const steps = model.generate('Once upon a time', { maxTokens: 64, temperature: 0 });
  await steps.next();
  module.chordGpuDevice.destroy();
  await assert.rejects((async () => { for await (const _ of steps); })(), (e) => e.code === 'device_lost');
  await model.unload();
  const again = await Chord.load(storiesPath, options);
  assert.equal((await again.complete('Once upon a time', greedy)).tokens.length, greedy.maxTokens);
  await again.unload();
});
