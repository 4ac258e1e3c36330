// The WebGPU backend through the package's API in Node: the npm `webgpu` package (Dawn) as
// navigator.gpu, on Chromium's SwiftShader Vulkan driver here (no GPU needed). The golden suite
// with the CPU's expectations (test-support/golden-check.mjs), and a streamed generation that
// matches the CPU's tokens. tests/wasm/webgpu_test.cpp checks each kernel against the CPU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, globals } from 'webgpu';

import { Chord } from '../src/index.js';
import { checkGolden, describeGolden } from '../test-support/golden-check.mjs';
import { goldenModelPath, goldenNames, readGolden } from '../test-support/golden-models.mjs';
import { sharedPath } from '../test-support/shared.mjs';

process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.XDG_RUNTIME_DIR ??= '/tmp';
Object.assign(globalThis, globals);
globalThis.navigator = { gpu: create([]) };

const storiesPath = sharedPath('models', 'stories260K-f32.gguf');

test('backend auto takes WebGPU where there is an adapter, and says so', async () => {
  const model = await Chord.load(storiesPath);
  assert.equal(model.info.backend, 'webgpu');
  assert.equal(model.info.backendReason, 'a WebGPU adapter is there');
  assert.equal(model.info.kernels, 'wgsl');
  assert.equal(model.info.batchSize, 256);  // the tiled products' prompt batch (LoadOptions.batchSize)
  await model.unload();
});

test('a streamed generation on WebGPU gives the CPU\'s tokens', async () => {
  const options = { maxTokens: 24, temperature: 0 };
  const cpu = await Chord.load(storiesPath, { backend: 'cpu' });
  const expected = (await cpu.complete('Once upon a time', options)).tokens;
  await cpu.unload();
  const gpu = await Chord.load(storiesPath, { backend: 'webgpu' });
  const tokens = [];
  for await (const { token } of gpu.generate('Once upon a time', options)) tokens.push(token);
  assert.deepEqual(gpu.lastResult().tokens, expected);
  assert.deepEqual(tokens.filter((t) => t !== undefined).length > 0, true);
  await gpu.unload();
});

// Each KV cache type on WebGPU (kv_cache.wgsl) against the CPU with the same type, as
// tests/wasm/webgpu_test.cpp judges forward passes: a prompt, then decoding steps on the CPU's best
// token; the CPU's best token wherever its margin is clear, its five best logits within 0.02 (F16
// weights: no 8-bit activations to move by a step).
test('every KV cache type on WebGPU computes the CPU\'s logits with that type', async () => {
  const path = sharedPath('models', 'synth-llama-f16.gguf');
  for (const kvCacheType of ['f16', 'q8_0', 'f32']) {
    const cpu = await Chord.load(path, { backend: 'cpu', contextLength: 64, kvCacheType });
    const gpu = await Chord.load(path, { backend: 'webgpu', contextLength: 64, kvCacheType });
    try {
      assert.equal(gpu.info.kvCacheType, kvCacheType);
      assert.equal(gpu.info.kvCacheBytes, cpu.info.kvCacheBytes);
      let ids = cpu.tokenize('Once upon a time, in a land far away'), nPast = 0, maxDiff = 0;
      for (let step = 0; step < 5; step++) {
        const expected = await cpu.forward(ids, nPast), ours = await gpu.forward(ids, nPast);
        const order = [...expected.keys()].sort((x, y) => expected[y] - expected[x]);
        for (const t of order.slice(0, 5)) maxDiff = Math.max(maxDiff, Math.abs(ours[t] - expected[t]));
        const best = ours.indexOf(Math.max(...ours));
        if (expected[order[0]] - expected[order[1]] > 0.05) assert.equal(best, order[0], `${kvCacheType} step ${step}`);
        nPast += ids.length;
        ids = [order[0]];
      }
      console.log(`[ measured ] webgpu ${kvCacheType} KV cache: max top-5 logit diff ${maxDiff.toFixed(4)} against the CPU`);
      assert.ok(maxDiff <= 0.02, `${kvCacheType}: ${maxDiff}`);
    } finally {
      await cpu.unload();
      await gpu.unload();
    }
  }
});

// SwiftShader takes milliseconds a dispatch, so the test command runs the golden suite here on three
// models (F32; Q4_0; Q4_K + Q6_K with biases and a BPE vocabulary): the newer architectures run it
// on WebGPU in Chromium (test/browser-golden.test.mjs), ~40 s each. CHORD_WEBGPU_GOLDEN=all runs
// every golden model here (~15 min); the parity test tests/wasm/webgpu_test.cpp covers every
// model's products and forward passes against the CPU.
const everyModel = process.env.CHORD_WEBGPU_GOLDEN === 'all';
const sampled = ['stories260K-f32', 'synth-llama-q4_0', 'synth-qwen2-bpe-q4_k_m'];
for (const name of goldenNames()) {
  if (!everyModel && !sampled.includes(name)) continue;
  test(`golden ${name} on WebGPU`, async () => {
    const golden = readGolden(name);
    const model = await Chord.load(goldenModelPath(name, golden), { contextLength: 256, backend: 'webgpu' });
    try {
      assert.equal(model.info.backend, 'webgpu');
      console.log(describeGolden(await checkGolden(name, model, golden), 'webgpu (Node, Dawn)'));
    } finally {
      await model.unload();
    }
  });
}
