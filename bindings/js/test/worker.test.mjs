// Chord.loadInWorker in Node (a worker thread): the same results, progress, abort, error codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { Chord, ChordError } from '../src/index.js';
import { sharedPath } from '../test-support/shared.mjs';

const golden = JSON.parse(readFileSync(sharedPath('golden', 'stories260K-f32.json'), 'utf8')).cases[0];

test('a model in a worker generates what llama.cpp does, streams, aborts and reports errors', async () => {
  const events = [];
  const model = await Chord.loadInWorker(sharedPath('models', 'stories260K-f32.gguf'), { onProgress: (e) => events.push(e) });
  try {
    assert.ok(events.length > 0);
    assert.equal(events.at(-1).loaded, events.at(-1).total);
    assert.equal(model.info.architecture, 'llama');
    assert.deepEqual(await model.tokenize(golden.prompt), golden.prompt_tokens);
    assert.equal(await model.detokenize(golden.prompt_tokens), golden.prompt);

    const r = await model.complete(golden.prompt, { maxTokens: 16, temperature: 0 });
    assert.deepEqual(r.tokens, golden.steps.map((s) => s.token));
    assert.equal(r.text, golden.text);

    const controller = new AbortController();
    let chunks = 0;
    for await (const _ of model.generate(golden.prompt, { maxTokens: 200, temperature: 0, signal: controller.signal })) {
      if (++chunks === 3) controller.abort();
    }
    assert.ok(chunks <= 5);
    assert.equal((await model.lastResult()).finishReason, 'cancelled');

    const reply = await model.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }], template: 'chatml', max_tokens: 4, temperature: 0 });
    assert.equal(reply.usage.completion_tokens, 4);
    assert.equal((await model.chatPrompt([{ role: 'user', content: 'hi' }], { template: 'qwen3', enableThinking: false })).prompt,
      '<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n');
    await assert.rejects(model.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }], template: 'qwen3',
      chat_template_kwargs: { thinking: false } }), (e) => e instanceof ChordError && e.code === 'invalid_argument');

    await assert.rejects(model.complete('x', { topP: 0 }), (e) => e instanceof ChordError && e.code === 'invalid_argument');
    assert.equal((await model.complete(golden.prompt, { maxTokens: 2, temperature: 0 })).tokens.length, 2);
  } finally {
    await model.unload();
  }
  await assert.rejects(Chord.loadInWorker(new Uint8Array([1, 2, 3, 4])), (e) => e instanceof ChordError && e.code === 'not_gguf');
});

test('a worker that cannot start rejects loadInWorker with worker_failed (no hang)', async () => {
  const missing = new URL('./no-such-worker.js', import.meta.url);
  await assert.rejects(Chord.loadInWorker(sharedPath('models', 'stories260K-f32.gguf'), { workerUrl: missing }),
    (e) => e instanceof ChordError && e.code === 'worker_failed' && e.cause !== undefined);
  const throwing = `data:text/javascript,${encodeURIComponent("throw new Error('broken worker')")}`;
  await assert.rejects(Chord.loadInWorker(sharedPath('models', 'stories260K-f32.gguf'), { workerUrl: new URL(throwing) }),
    (e) => e instanceof ChordError && e.code === 'worker_failed' && /broken worker/.test(e.message));
});
