// The JS API in Node: every kind of source, progress, abort, errors as ChordError, generation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import { Chord, ChordError } from '../src/index.js';
import { sharedPath } from '../test-support/shared.mjs';

const storiesPath = sharedPath('models', 'stories260K-f32.gguf');
const storiesBytes = readFileSync(storiesPath);
const golden = JSON.parse(readFileSync(sharedPath('golden', 'stories260K-f32.json'), 'utf8')).cases[0];
const goldenTokens = golden.steps.map((s) => s.token);

async function greedyTokens(model) {
  return (await model.complete('Once upon a time', { maxTokens: 16, temperature: 0 })).tokens;
}

test('loads from a path, bytes, ArrayBuffer, Blob and ReadableStream with the same result', async () => {
  const sources = {
    path: storiesPath,
    bytes: new Uint8Array(storiesBytes),
    arrayBuffer: storiesBytes.buffer.slice(storiesBytes.byteOffset, storiesBytes.byteOffset + storiesBytes.length),
    blob: new Blob([storiesBytes]),
    stream: new Blob([storiesBytes]).stream(),
  };
  for (const [kind, source] of Object.entries(sources)) {
    const model = await Chord.load(source);
    assert.deepEqual(await greedyTokens(model), goldenTokens, kind);
    await model.unload();
  }
});

test('loads from a URL with progress events, and an HTTP error is an Error', async () => {
  const server = createServer((req, res) => {
    if (req.url !== '/model.gguf') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': storiesBytes.length });
    for (let i = 0; i < storiesBytes.length; i += 65536) res.write(storiesBytes.subarray(i, i + 65536));
    res.end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  try {
    const events = [];
    const model = await Chord.load(`${base}/model.gguf`, { onProgress: (e) => events.push(e) });
    assert.ok(events.length > 1);
    for (let i = 1; i < events.length; i++) assert.ok(events[i].loaded > events[i - 1].loaded);
    assert.deepEqual(events.at(-1), { loaded: storiesBytes.length, total: storiesBytes.length });
    assert.deepEqual(await greedyTokens(model), goldenTokens);
    await model.unload();
    await assert.rejects(Chord.load(`${base}/missing.gguf`), (e) => e instanceof ChordError && e.code === 'http_status' && e.status === 404 && /HTTP 404/.test(e.message));
  } finally {
    server.close();
  }
});

test('an aborted load rejects with the abort reason', async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(Chord.load(storiesPath, { signal: controller.signal }), { name: 'AbortError' });
});

test('bad files are ChordErrors with a code', async () => {
  await assert.rejects(Chord.load(new Uint8Array([1, 2, 3, 4, 5])), (e) => e instanceof ChordError && e.code === 'not_gguf');
  await assert.rejects(Chord.load(storiesBytes.subarray(0, 1000)), (e) => e instanceof ChordError && e.code === 'truncated');
  await assert.rejects(Chord.load(sharedPath('vocab', 'ggml-vocab-gpt-2.gguf')), (e) => e.code === 'unsupported');
});

test('generation streams, stops, aborts, and the model stays usable after errors', async () => {
  const model = await Chord.load(storiesPath);
  assert.deepEqual(model.tokenize('Once upon a time'), golden.prompt_tokens);
  assert.equal(model.detokenize(golden.prompt_tokens), 'Once upon a time');
  assert.equal(model.info.architecture, 'llama');
  assert.equal(model.info.chatTemplate, null); // the stories model has no chat template
  assert.equal(model.info.build, 'single'); // Node has no cross-origin isolation: the single-threaded build
  assert.equal(model.info.kernels, 'simd128'); // Node 20 has relaxed SIMD only behind a flag

  let streamed = '';
  for await (const chunk of model.generate('Once upon a time', { maxTokens: 16, temperature: 0 })) streamed += chunk.text;
  assert.equal(streamed, golden.text);

  const stopped = await model.complete('Once upon a time', { maxTokens: 32, temperature: 0, stop: ['little'] });
  assert.equal(stopped.text, ', there was a ');
  assert.equal(stopped.finishReason, 'stop');

  await assert.rejects(model.complete('Once', { topP: 0 }), (e) => e.code === 'invalid_argument' && /top_p/.test(e.message));

  const controller = new AbortController();
  let chunks = 0;
  for await (const _ of model.generate('Once upon a time', { maxTokens: 200, temperature: 0, signal: controller.signal })) {
    if (++chunks === 3) controller.abort();
  }
  assert.ok(chunks <= 4);
  const after = await model.complete('Once upon a time', { maxTokens: 16, temperature: 0 });
  assert.deepEqual(after.tokens, goldenTokens);
  assert.equal(after.finishReason, 'length');
  assert.equal(after.timings.promptTokens, 5);
  assert.equal(after.timings.predictedTokens, 16);

  await model.unload();
  assert.throws(() => model.tokenize('x'), /unloaded/);
});

test('chat.completions.create, whole and streamed', async () => {
  const model = await Chord.load(storiesPath);
  const request = { messages: [{ role: 'user', content: 'Tell me a story' }], template: 'chatml', max_tokens: 12, temperature: 0 };
  const whole = await model.chat.completions.create(request);
  assert.equal(whole.object, 'chat.completion');
  assert.equal(whole.choices[0].message.role, 'assistant');
  assert.equal(whole.choices[0].finish_reason, 'length');
  assert.equal(whole.usage.completion_tokens, 12);
  assert.equal(whole.usage.total_tokens, whole.usage.prompt_tokens + 12);
  assert.ok(whole.choices[0].message.content.length > 0);

  let content = '';
  const chunks = [];
  for await (const chunk of await model.chat.completions.create({ ...request, stream: true })) {
    chunks.push(chunk);
    content += chunk.choices[0].delta.content ?? '';
  }
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  assert.equal(chunks.at(-1).choices[0].finish_reason, 'length');
  assert.equal(content, whole.choices[0].message.content);

  const { prompt } = model.chatPrompt(request.messages, { template: 'chatml' });
  assert.equal(prompt, '<|im_start|>user\nTell me a story<|im_end|>\n<|im_start|>assistant\n');
  await assert.rejects(model.chat.completions.create({ messages: request.messages }), (e) => e.code === 'unsupported');
  await assert.rejects(model.chat.completions.create({ ...request, messages: [{ role: 'robot', content: 'x' }] }),
    (e) => e.code === 'invalid_argument');
  await model.unload();
});

test('Qwen3 thinking switch: chatPrompt enableThinking and chat_template_kwargs.enable_thinking', async () => {
  const model = await Chord.load(storiesPath);
  const messages = [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }];
  const history = '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n';
  // Thinking on (the default) is llama.cpp's chatml; off ends with Qwen3's empty thinking block.
  assert.deepEqual(model.chatPrompt(messages, { template: 'qwen3' }),
    { prompt: `${history}<|im_start|>assistant\n`, template: 'qwen3' });
  assert.equal(model.chatPrompt(messages, { template: 'qwen3', enableThinking: false }).prompt,
    `${history}<|im_start|>assistant\n<think>\n\n</think>\n\n`);
  assert.equal(model.chatPrompt(messages, { template: 'qwen3', enableThinking: false, addGenerationPrompt: false }).prompt, history);
  // A template without the switch ignores it, as a Jinja template ignores a variable it does not read.
  assert.equal(model.chatPrompt(messages, { template: 'chatml', enableThinking: false }).prompt, `${history}<|im_start|>assistant\n`);
  assert.throws(() => model.chatPrompt(messages, { template: 'qwen3', enableThinking: 'false' }),
    (e) => e instanceof ChordError && e.code === 'invalid_argument' && /enableThinking/.test(e.message));

  // The OpenAI-style call reads the prompt chatPrompt writes: count its tokens.
  const tokens = (enableThinking) =>
    model.tokenize(model.chatPrompt(messages, { template: 'qwen3', enableThinking }).prompt, { bos: true, special: true }).length;
  assert.ok(tokens(false) > tokens(true));
  const request = { messages, template: 'qwen3', max_tokens: 2, temperature: 0 };
  assert.equal((await model.chat.completions.create(request)).usage.prompt_tokens, tokens(true));
  for (const enable_thinking of [false, true]) {
    const reply = await model.chat.completions.create({ ...request, chat_template_kwargs: { enable_thinking } });
    assert.equal(reply.usage.prompt_tokens, tokens(enable_thinking));
  }
  for (const [kwargs, pattern] of [
    [{ enable_thinking: 0 }, /enable_thinking must be true or false/],
    [{ enableThinking: false }, /'enableThinking' is not a variable the built-in chat formats read/],
    ['enable_thinking=false', /must be an object/],
  ]) {
    await assert.rejects(model.chat.completions.create({ ...request, chat_template_kwargs: kwargs }),
      (e) => e instanceof ChordError && e.code === 'invalid_argument' && pattern.test(e.message), JSON.stringify(kwargs));
  }
  await model.unload();
});
