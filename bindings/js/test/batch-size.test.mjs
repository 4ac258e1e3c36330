// The prompt batch (LoadOptions.batchSize): the backend's by default (64 tokens on the CPU), any
// size on request — each batch one step that onPromptProgress hears of, the same tokens whatever
// the size — and anything but a whole number a ChordError "invalid_argument".
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { Chord, ChordError } from '../src/index.js';
import { sharedPath } from '../test-support/shared.mjs';

const storiesPath = sharedPath('models', 'stories260K-f32.gguf');
const prompt = 'Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her friends.';

async function generate(options) {
  const model = await Chord.load(storiesPath, { backend: 'cpu', ...options });
  try {
    const reads = [];
    const result = await model.complete(prompt, { maxTokens: 8, temperature: 0, onPromptProgress: ({ read }) => reads.push(read) });
    return { batchSize: model.info.batchSize, reads, tokens: result.tokens, promptTokens: result.timings.promptTokens };
  } finally {
    await model.unload();
  }
}

test('the CPU reads a prompt 64 tokens a step by default, and batchSize changes the step', async () => {
  const byDefault = await generate({});
  assert.equal(byDefault.batchSize, 64);
  assert.ok(byDefault.promptTokens > 16 && byDefault.promptTokens <= 64, `${byDefault.promptTokens} prompt tokens`);
  assert.deepEqual(byDefault.reads, [byDefault.promptTokens]);
  const small = await generate({ batchSize: 7 });
  assert.equal(small.batchSize, 7);
  const expected = [];
  for (let read = 7; read < small.promptTokens; read += 7) expected.push(read);
  assert.deepEqual(small.reads, [...expected, small.promptTokens]);
  assert.deepEqual(small.tokens, byDefault.tokens);
});

test('a bad batchSize is an invalid_argument ChordError', async () => {
  for (const batchSize of [-1, 1.5, '64', null, 1e6]) {
    await assert.rejects(Chord.load(storiesPath, { backend: 'cpu', batchSize }),
      (e) => e instanceof ChordError && e.code === 'invalid_argument' && /batchSize/.test(e.message), String(batchSize));
  }
});
