// The WebGPU backend through the package's API in Node: the npm `webgpu` package (Dawn) as
// navigator.gpu, on Chromium's SwiftShader Vulkan driver here (no GPU needed). The golden suite
// with the CPU's expectations (test-support/golden-check.mjs), a streamed generation that matches
// the CPU's tokens, context shifts, saved sessions across backends, and embeddings.
// tests/wasm/webgpu_test.cpp checks each kernel against the CPU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { create, globals } from 'webgpu';

import { Chord } from '../src/index.js';
import { checkGolden, describeGolden } from '../test-support/golden-check.mjs';
import { goldenModelPath, goldenNames, readGolden } from '../test-support/golden-models.mjs';
import { checkResumed, checkShiftGolden, firstTurn, sessionOptions, shiftGolden } from '../test-support/long-conversations.mjs';
import { sharedPath } from '../test-support/shared.mjs';
import { compareVectors } from '../test-support/vectors.mjs';

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

// A context shift on WebGPU (move_kv.wgsl turns the cached keys) as on the CPU
// (test/long-conversations.test.mjs): llama.cpp's tokens and shifts, through two shifts (the CPU
// goes through all five; SwiftShader takes a fifth of a second a token).
test('past the context on WebGPU: llama.cpp\'s context shifts, token for token', async () => {
  const model = await Chord.load(storiesPath, { contextLength: shiftGolden.n_ctx, backend: 'webgpu' });
  try {
    await checkShiftGolden(model, 390);  // shifts at tokens 250 and 375
  } finally {
    await model.unload();
  }
});

// Saved sessions have one format on both backends (the CPU's layout): one saved on WebGPU (its
// cache read back asynchronously) goes on on the CPU, and on WebGPU, as it would have, reading only
// what is new; one saved on the CPU goes on on WebGPU.
test('a session saved on WebGPU goes on on the CPU and on WebGPU; one saved on the CPU on WebGPU', async () => {
  for (const [from, to] of [['webgpu', 'cpu'], ['webgpu', 'webgpu'], ['cpu', 'webgpu']]) {
    const first = await Chord.load(storiesPath, { ...sessionOptions, backend: from });
    let turn;
    try {
      turn = await firstTurn(first);
    } finally {
      await first.unload();
    }
    const again = await Chord.load(storiesPath, { ...sessionOptions, backend: to });
    try {
      await checkResumed(again, turn);
    } finally {
      await again.unload();
    }
  }
});

// A Q8_0 cache lies apart on the GPU (codes, then scales: kv_cache.wgsl) and is saved as the CPU's
// blocks: saved on WebGPU and loaded on the CPU, it is what the CPU saves again, byte for byte;
// and the way back.
test('a q8_0 cache saved on WebGPU is the bytes the CPU saves after loading it, and back', async () => {
  const path = sharedPath('models', 'synth-llama-f16.gguf');
  const options = { contextLength: 64, kvCacheType: 'q8_0' };
  const gpu = await Chord.load(path, { ...options, backend: 'webgpu' });
  const cpu = await Chord.load(path, { ...options, backend: 'cpu' });
  try {
    const generate = { maxTokens: 20, temperature: 0, stopAtEndOfGeneration: false };
    for (const [from, to, prompt] of [[gpu, cpu, [1, 15, 27, 3, 99, 42]], [cpu, gpu, [1, 7, 300, 12]]]) {
      await from.complete(prompt, generate);
      const saved = await from.saveSession();
      assert.equal(to.loadSession(saved).cachedTokens, prompt.length + 19);  // the last token is not computed
      assert.deepEqual(await to.saveSession(), saved);
    }
  } finally {
    await gpu.unload();
    await cpu.unload();
  }
});

// Embeddings on WebGPU, a batch at a time (each batch's hidden states read back asynchronously;
// batches of 8 tokens here, so that the second text, of 30 tokens, takes four): the CPU's vectors,
// within the parity test's agreement (tests/wasm/webgpu_test.cpp: each operation within 1e-5
// relative, the logits within 0.02), and llama.cpp's within the CPU's own bounds
// (test/embeddings.test.mjs). The golden's third text, of 162 tokens, takes SwiftShader 20 s a
// pooling: it is left to the CPU's test.
test('embeddings on WebGPU are the CPU\'s, and llama.cpp\'s', async () => {
  const golden = JSON.parse(readFileSync(fileURLToPath(new URL('../../../tests/data/embeddings/stories260K-f32.json', import.meta.url)), 'utf8'));
  const cases = golden.cases.filter((c) => c.text.length < 100);
  const cpu = await Chord.load(storiesPath, { backend: 'cpu', batchSize: 8 });
  const gpu = await Chord.load(storiesPath, { backend: 'webgpu', batchSize: 8 });
  try {
    let worst = 1;
    assert.equal(cases.length, 6);
    for (const c of cases) {
      const ours = await gpu.embed(c.text, { pooling: c.pooling });
      const cpus = compareVectors(ours, await cpu.embed(c.text, { pooling: c.pooling }));
      const llamas = compareVectors(ours, c.embedding);
      worst = Math.min(worst, cpus.cosine);
      const what = `${c.pooling} ${JSON.stringify(c.text.slice(0, 20))}`;
      assert.ok(cpus.cosine >= 0.99999, `${what}: cosine ${cpus.cosine} with the CPU's`);
      assert.ok(llamas.cosine >= 0.999995 && llamas.diff <= 5e-4, `${what}: cosine ${llamas.cosine}, max diff ${llamas.diff} with llama.cpp's`);
    }
    console.log(`[ measured ] webgpu embeddings: ${cases.length} cases, cosine with the CPU's at least ${worst}`);
    const { data } = await gpu.embeddings.create({ input: ['Once upon a time', 'The cat sat'] });
    assert.deepEqual(data[1].embedding, Array.from(await gpu.embed('The cat sat')));
  } finally {
    await cpu.unload();
    await gpu.unload();
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
