// The checks of long conversations that the CPU's tests (test/long-conversations.test.mjs) and
// WebGPU's (test/webgpu.test.mjs) share: llama.cpp's own context shifts, and a saved session that
// goes on, elsewhere, as if it had never stopped.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { sharedPath } from './shared.mjs';

export const stories = sharedPath('models', 'stories260K-f32.gguf');

// llama.cpp's 768 greedy tokens in a context of 256 on the stories model (tests/data/context_shift).
export const shiftGolden = JSON.parse(readFileSync(fileURLToPath(new URL('../../../tests/data/context_shift/stories260K-f32-f16.json', import.meta.url)), 'utf8'));

// The golden's first `maxTokens` tokens on `model` (loaded with contextLength shiftGolden.n_ctx):
// llama.cpp's tokens, and its shifts among them (where a token's position goes back).
export async function checkShiftGolden(model, maxTokens = shiftGolden.tokens.length) {
  const r = await model.complete(shiftGolden.prompt_tokens, { maxTokens, temperature: 0, nKeep: shiftGolden.keep, stopAtEndOfGeneration: false });
  const positions = shiftGolden.positions.slice(0, maxTokens);
  assert.equal(r.contextShifts, positions.filter((p, i) => i > 0 && p < positions[i - 1]).length);
  assert.deepEqual(r.tokens, shiftGolden.tokens.slice(0, maxTokens));
}

// The stories model's options for a saved session: both sides load it so.
export const sessionOptions = { contextLength: 256 };

// A first turn on `model`, its cache saved, then the next turn there: { saved, conversation, expected }.
export async function firstTurn(model) {
  const prompt = 'Once upon a time';
  const turn = await model.complete(prompt, { maxTokens: 20, temperature: 0 });
  const saved = await model.saveSession();
  assert.ok(saved instanceof Uint8Array && saved.length > 0);
  const conversation = prompt + turn.text + ' Then';
  return { saved, conversation, expected: await model.complete(conversation, { maxTokens: 12, temperature: 0 }) };
}

// The next turn on `model` after loadSession(firstTurn's bytes): the same tokens, reading only
// what is new.
export async function checkResumed(model, { saved, conversation, expected }) {
  assert.ok((await model.loadSession(saved)).cachedTokens > 20);
  const resumed = await model.complete(conversation, { maxTokens: 12, temperature: 0 });
  assert.deepEqual(resumed.tokens, expected.tokens);
  assert.ok(resumed.timings.promptTokensComputed <= 3, `read ${resumed.timings.promptTokensComputed} of ${resumed.timings.promptTokens}`);
}
