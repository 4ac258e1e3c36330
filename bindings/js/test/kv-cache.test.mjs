// The KV cache type (LoadOptions.kvCacheType): f16 by default as llama.cpp, q8_0 and f32 on
// request, reported with the cache's bytes in model.info, in the model and in a worker; anything
// else is a ChordError "invalid_argument".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { Chord, ChordError } from '../src/index.js';
import { sharedPath } from '../test-support/shared.mjs';

const storiesPath = sharedPath('models', 'stories260K-f32.gguf');
const synthPath = sharedPath('models', 'synth-llama-q4_0.gguf');
const golden = JSON.parse(readFileSync(sharedPath('golden', 'stories260K-f32.json'), 'utf8')).cases[0];

// keys and values of every layer, contextLength positions of kvHeads x head size values
function cacheBytes(info, bytesPerValue) {
  const values = 2 * info.layers * info.contextLength * info.kvHeads * (info.embeddingLength / info.heads);
  return values * bytesPerValue;
}

test('the KV cache is f16 by default, and model.info says so with its size', async () => {
  const model = await Chord.load(storiesPath, { contextLength: 256, backend: 'cpu' });
  try {
    assert.equal(model.info.kvCacheType, 'f16');
    assert.equal(model.info.kvCacheBytes, cacheBytes(model.info, 2));
    assert.equal(model.info.kvCacheBytes, 2 * 5 * 256 * 32 * 2);
    const r = await model.complete(golden.prompt, { maxTokens: 16, temperature: 0 });
    assert.deepEqual(r.tokens, golden.steps.map((s) => s.token));  // llama.cpp's tokens, with llama.cpp's cache
  } finally {
    await model.unload();
  }
});

test('q8_0 and f32 caches: their size in model.info, and they generate', async () => {
  const bytesPerValue = { f16: 2, q8_0: 34 / 32, f32: 4 };
  for (const kvCacheType of ['f16', 'q8_0', 'f32']) {
    const model = await Chord.load(synthPath, { contextLength: 64, backend: 'cpu', kvCacheType });
    try {
      assert.equal(model.info.kvCacheType, kvCacheType);
      assert.equal(model.info.kvCacheBytes, cacheBytes(model.info, bytesPerValue[kvCacheType]));
      assert.equal((await model.complete('Once upon a time', { maxTokens: 4, temperature: 0 })).tokens.length, 4);
    } finally {
      await model.unload();
    }
  }
});

test('a bad kvCacheType is an invalid_argument ChordError, and the module stays usable', async () => {
  for (const kvCacheType of ['F16', 'q4_0', '', 8, null]) {
    await assert.rejects(Chord.load(storiesPath, { kvCacheType, backend: 'cpu' }),
      (e) => e instanceof ChordError && e.code === 'invalid_argument' && /'f16', 'q8_0' or 'f32'/.test(e.message), String(kvCacheType));
  }
  // q8_0 blocks of 32 do not fit stories260K's heads of 8 values
  await assert.rejects(Chord.load(storiesPath, { kvCacheType: 'q8_0', backend: 'cpu' }),
    (e) => e instanceof ChordError && e.code === 'invalid_argument' && /multiple of 32/.test(e.message));
  const model = await Chord.load(storiesPath, { backend: 'cpu' });
  assert.equal(model.info.kvCacheType, 'f16');
  await model.unload();
});

test('a model in a worker takes kvCacheType too', async () => {
  const model = await Chord.loadInWorker(synthPath, { contextLength: 64, backend: 'cpu', kvCacheType: 'q8_0' });
  try {
    assert.equal(model.info.kvCacheType, 'q8_0');
    assert.equal(model.info.kvCacheBytes, cacheBytes(model.info, 34 / 32));
  } finally {
    await model.unload();
  }
});
