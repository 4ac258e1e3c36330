// Long conversations in the npm package: a generation three times the context keeps going by
// shifting it as llama.cpp does (llama.cpp's own 768 greedy tokens in a 256-token context, five
// shifts: tests/data/context_shift), contextShift: false stops it; and a session's cache saved as
// bytes and loaded into the same file loaded again (here and in a worker) continues with the very
// tokens it would have written, reading only what is new; foreign or damaged bytes are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Chord, ChordError } from '../src/index.js';
import { sharedPath } from '../test-support/shared.mjs';

const stories = sharedPath('models', 'stories260K-f32.gguf');
const golden = JSON.parse(readFileSync(fileURLToPath(new URL('../../../tests/data/context_shift/stories260K-f32-f16.json', import.meta.url)), 'utf8'));

test('three times the context: llama.cpp\'s context shift, token for token; opting out stops at the end', async () => {
  const model = await Chord.load(stories, { contextLength: golden.n_ctx, threads: 1 });
  try {
    const r = await model.complete(golden.prompt_tokens, { maxTokens: golden.tokens.length, temperature: 0, nKeep: golden.keep, stopAtEndOfGeneration: false });
    assert.equal(r.contextShifts, golden.shifts.length);
    assert.deepEqual(r.tokens, golden.tokens);
    const stopped = await model.complete(golden.prompt_tokens, { maxTokens: golden.tokens.length, temperature: 0, stopAtEndOfGeneration: false, contextShift: false });
    assert.equal(stopped.finishReason, 'context_full');
    assert.equal(stopped.contextShifts, 0);
    assert.deepEqual(stopped.tokens, golden.tokens.slice(0, stopped.tokens.length));
  } finally {
    model.unload();
  }
});

test('saveSession / loadSession: the same next tokens as never stopped, and only the new part is read', async () => {
  const options = { contextLength: 256 };
  const first = await Chord.load(stories, options);
  const prompt = 'Once upon a time';
  let saved, expected, conversation;
  try {
    const turn = await first.complete(prompt, { maxTokens: 20, temperature: 0 });
    saved = first.saveSession();
    assert.ok(saved instanceof Uint8Array && saved.length > 0);
    conversation = prompt + turn.text + ' Then';
    expected = await first.complete(conversation, { maxTokens: 12, temperature: 0 });
  } finally {
    first.unload();
  }
  for (const load of [(p) => Chord.load(p, options), (p) => Chord.loadInWorker(p, options)]) {
    const again = await load(stories);
    try {
      assert.ok((await again.loadSession(saved)).cachedTokens > 20);
      const resumed = await again.complete(conversation, { maxTokens: 12, temperature: 0 });
      assert.deepEqual(resumed.tokens, expected.tokens);
      assert.ok(resumed.timings.promptTokensComputed <= 3, `read ${resumed.timings.promptTokensComputed} of ${resumed.timings.promptTokens}`);
    } finally {
      await again.unload();
    }
  }
  // Other context length, damaged bytes, not bytes: refused, and the model goes on.
  const other = await Chord.load(stories, { contextLength: 128 });
  try {
    await assert.rejects(async () => other.loadSession(saved), (e) => e instanceof ChordError && e.code === 'invalid_argument');
    await assert.rejects(async () => other.loadSession(saved.slice(0, 40)), (e) => e instanceof ChordError && e.code === 'truncated');
    const damaged = saved.slice();
    damaged[damaged.length - 1] ^= 0xff;
    const same = await Chord.load(stories, options);
    try {
      await assert.rejects(async () => same.loadSession(damaged), (e) => e instanceof ChordError && e.code === 'malformed');
      await assert.rejects(async () => same.loadSession([1, 2, 3]), (e) => e instanceof ChordError && e.code === 'invalid_argument');
      assert.deepEqual((await same.complete(conversation, { maxTokens: 12, temperature: 0 })).tokens, expected.tokens);
    } finally {
      same.unload();
    }
  } finally {
    other.unload();
  }
});
