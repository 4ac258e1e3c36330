// Long conversations in the npm package: a generation three times the context keeps going by
// shifting it as llama.cpp does (llama.cpp's own 768 greedy tokens in a 256-token context, five
// shifts: tests/data/context_shift), contextShift: false stops it; and a session's cache saved as
// bytes and loaded into the same file loaded again (here and in a worker) continues with the very
// tokens it would have written, reading only what is new; foreign or damaged bytes are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { Chord, ChordError } from '../src/index.js';
import { checkResumed, checkShiftGolden, firstTurn, sessionOptions as options, shiftGolden as golden, stories } from '../test-support/long-conversations.mjs';

test('three times the context: llama.cpp\'s context shift, token for token; opting out stops at the end', async () => {
  const model = await Chord.load(stories, { contextLength: golden.n_ctx, threads: 1 });
  try {
    await checkShiftGolden(model);
    const stopped = await model.complete(golden.prompt_tokens, { maxTokens: golden.tokens.length, temperature: 0, stopAtEndOfGeneration: false, contextShift: false });
    assert.equal(stopped.finishReason, 'context_full');
    assert.equal(stopped.contextShifts, 0);
    assert.deepEqual(stopped.tokens, golden.tokens.slice(0, stopped.tokens.length));
  } finally {
    model.unload();
  }
});

test('saveSession / loadSession: the same next tokens as never stopped, and only the new part is read', async () => {
  const first = await Chord.load(stories, options);
  let turn;
  try {
    turn = await firstTurn(first);
  } finally {
    first.unload();
  }
  const { saved, conversation, expected } = turn;
  for (const load of [(p) => Chord.load(p, options), (p) => Chord.loadInWorker(p, options)]) {
    const again = await load(stories);
    try {
      await checkResumed(again, turn);
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
