// The rest of OpenAI's request in chat.completions: n choices (seed + i each, streamed one after
// another), logprobs / top_logprobs (whole and per chunk), logit_bias, and their errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { Chord, ChordError } from '../src/index.js';
import { sharedPath } from '../test-support/shared.mjs';

const base = { messages: [{ role: 'user', content: 'Once upon a time' }], template: 'chatml' };

async function streamed(request, model) {
  const byChoice = new Map();
  for await (const chunk of await model.chat.completions.create({ ...request, stream: true })) {
    for (const { index, delta, logprobs } of chunk.choices) {
      const choice = byChoice.get(index) ?? { content: '', logprobs: [] };
      choice.content += delta.content ?? '';
      choice.logprobs.push(...(logprobs?.content ?? []));
      byChoice.set(index, choice);
    }
  }
  return byChoice;
}

test('n choices: different answers, the same ones again for the same seed, streamed alike', async () => {
  const model = await Chord.load(sharedPath('models', 'stories260K-f32.gguf'));
  try {
    const request = { ...base, n: 3, temperature: 1, seed: 7, max_tokens: 12 };
    const reply = await model.chat.completions.create(request);
    assert.deepEqual(reply.choices.map((c) => c.index), [0, 1, 2]);
    const contents = reply.choices.map((c) => c.message.content);
    assert.ok(new Set(contents).size >= 2, `different answers: ${JSON.stringify(contents)}`);
    assert.deepEqual((await model.chat.completions.create(request)).choices.map((c) => c.message.content), contents);
    assert.equal(reply.usage.completion_tokens, 36);
    const stream = await streamed(request, model);
    assert.deepEqual([...stream.keys()], [0, 1, 2]);
    assert.deepEqual([...stream.values()].map((c) => c.content), contents);
  } finally {
    model.unload();
  }
});

test('logprobs: each token of the answer with its logprob and the most likely tokens, whole and streamed', async () => {
  const model = await Chord.loadInWorker(sharedPath('models', 'stories260K-f32.gguf'));
  try {
    const request = { ...base, logprobs: true, top_logprobs: 2, temperature: 0, max_tokens: 8 };
    const reply = await model.chat.completions.create(request);
    const { content } = reply.choices[0].logprobs;
    assert.equal(content.length, 8);
    assert.equal(content.map((t) => t.token).join(''), reply.choices[0].message.content);
    for (const t of content) {
      assert.ok(t.logprob <= 0);
      assert.equal(t.top_logprobs.length, 2);
      assert.equal(t.top_logprobs[0].token, t.token);  // greedy writes the most likely token
      assert.ok(t.top_logprobs[0].logprob >= t.top_logprobs[1].logprob);
      assert.deepEqual(Buffer.from(t.bytes).toString(), t.token);
    }
    assert.deepEqual((await streamed(request, model)).get(0).logprobs, content);
    // Without logprobs, choices say null.
    assert.equal((await model.chat.completions.create({ ...base, max_tokens: 2 })).choices[0].logprobs, null);
  } finally {
    await model.unload();
  }
});

test('logit_bias moves the answer; bad n, logprobs and logit_bias are invalid_argument', async () => {
  const model = await Chord.load(sharedPath('models', 'stories260K-f32.gguf'));
  try {
    const greedy = await model.chat.completions.create({ ...base, temperature: 0, max_tokens: 1 });
    const [first] = model.lastResult().tokens;
    const banned = await model.chat.completions.create({ ...base, temperature: 0, max_tokens: 1, logit_bias: { [first]: -100 } });
    assert.notEqual(banned.choices[0].message.content, greedy.choices[0].message.content);
    for (const bad of [{ n: 0 }, { n: 1.5 }, { n: 17 }, { top_logprobs: 2 }, { logprobs: 'yes' }, { logprobs: true, top_logprobs: 21 },
      { logit_bias: [1, 2] }, { logit_bias: { abc: 1 } }]) {
      await assert.rejects(model.chat.completions.create({ ...base, max_tokens: 1, ...bad }),
        (e) => e instanceof ChordError && e.code === 'invalid_argument', JSON.stringify(bad));
    }
  } finally {
    model.unload();
  }
});
