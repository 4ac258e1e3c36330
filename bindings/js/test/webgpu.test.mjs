// The WebGPU backend through the package's API in Node: the npm `webgpu` package (Dawn) as
// navigator.gpu, on Chromium's SwiftShader Vulkan driver here (no GPU needed). The golden suite
// with the CPU's expectations (test-support/golden-check.mjs), and a streamed generation that
// matches the CPU's tokens. tests/wasm/webgpu_test.cpp checks each kernel against the CPU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { create, globals } from 'webgpu';

import { Chord } from '../src/index.js';
import { checkGolden, describeGolden } from '../test-support/golden-check.mjs';
import { sharedPath } from '../test-support/shared.mjs';

process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.XDG_RUNTIME_DIR ??= '/tmp';
Object.assign(globalThis, globals);
globalThis.navigator = { gpu: create([]) };

const genericKernels = JSON.parse(readFileSync(new URL('../../../tests/data/llama_cpp_generic_kernels.json', import.meta.url), 'utf8'));
const storiesPath = sharedPath('models', 'stories260K-f32.gguf');

test('backend auto takes WebGPU where there is an adapter, and says so', async () => {
  const model = await Chord.load(storiesPath);
  assert.equal(model.info.backend, 'webgpu');
  assert.equal(model.info.backendReason, 'a WebGPU adapter is there');
  assert.equal(model.info.kernels, 'wgsl');
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

// SwiftShader takes milliseconds a dispatch, so the test command runs the golden suite on three
// models (F32; Q4_0; Q4_K + Q6_K with biases and a BPE vocabulary) and CHORD_WEBGPU_GOLDEN=all on
// every one (~4 min; the parity test tests/wasm/webgpu_test.cpp covers every model's products and
// forward passes against the CPU).
const everyModel = process.env.CHORD_WEBGPU_GOLDEN === 'all';
const sampled = ['stories260K-f32', 'synth-llama-q4_0', 'synth-qwen2-bpe-q4_k_m'];
for (const file of readdirSync(sharedPath('golden')).filter((f) => f.endsWith('.json')).sort()) {
  const name = file.slice(0, -5);
  if (!everyModel && !sampled.includes(name)) continue;
  test(`golden ${name} on WebGPU`, async () => {
    const golden = JSON.parse(readFileSync(sharedPath('golden', file), 'utf8'));
    const model = await Chord.load(sharedPath('models', `${name}.gguf`), { contextLength: 256, backend: 'webgpu' });
    try {
      assert.equal(model.info.backend, 'webgpu');
      console.log(describeGolden(await checkGolden(name, model, golden, genericKernels), 'webgpu (Node, Dawn)'));
    } finally {
      await model.unload();
    }
  });
}
