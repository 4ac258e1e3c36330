// The model's own chat template in the npm package: a model whose file carries Phi-3's template
// (written by `chord synth` with Phi-3's vocabulary) renders it through the Jinja interpreter on
// this thread and in a worker; a built-in format still overrides it; and chat.completions.create
// refuses every request field it does not implement.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Chord, ChordError } from '../src/index.js';
import { sharedPath } from '../test-support/shared.mjs';

const repoDir = fileURLToPath(new URL('../../../', import.meta.url));
const modelPath = path.join(repoDir, 'build', 'test-output', 'phi3-template-q8_0.gguf');
const messages = [{ role: 'user', content: 'Hi' }];
const phi3Prompt = '<|user|>\nHi<|end|>\n<|assistant|>\n'; // Phi-3's template; its "<s>" is the tokenizer's BOS

before(() => {
  mkdirSync(path.dirname(modelPath), { recursive: true });
  execFileSync(process.env.CHORD_CLI ?? path.join(repoDir, 'build', 'native', 'bin', 'chord'),
    ['synth', '--shape', 'dim=64,layers=1,heads=2,ffn=128', '--type', 'q8_0', '--vocab', sharedPath('vocab', 'ggml-vocab-phi-3.gguf'), '-o', modelPath],
    { stdio: ['ignore', 'ignore', 'inherit'] });
});

test('the file\'s own template is rendered (Jinja), a named built-in format overrides it', async () => {
  const model = await Chord.load(modelPath);
  try {
    assert.equal(model.info.chatTemplate, 'model');
    assert.deepEqual(model.chatPrompt(messages), { prompt: phi3Prompt, template: 'model' });
    // Phi-3's template writes <|assistant|> after every user turn, generation prompt or not: the file decides.
    assert.equal(model.chatPrompt(messages, { addGenerationPrompt: false }).prompt, phi3Prompt);
    assert.deepEqual(model.chatPrompt(messages, { template: 'chatml' }),
      { prompt: '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n', template: 'chatml' });
    // Its template reads no tools and no enable_thinking: both are accepted and change nothing.
    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }];
    assert.equal(model.chatPrompt(messages, { tools, enableThinking: false, variables: { custom: 1 } }).prompt, phi3Prompt);
    const tokens = model.tokenize(phi3Prompt, { bos: true, special: true });
    assert.equal(tokens.filter((t) => t === 1).length, 1, 'one BOS');
    const reply = await model.chat.completions.create({ messages, model: 'phi-3', max_completion_tokens: 3, temperature: 0 });
    assert.equal(reply.usage.prompt_tokens, tokens.length);
    assert.equal(reply.usage.completion_tokens, 3);
  } finally {
    await model.unload();
  }
  const inWorker = await Chord.loadInWorker(modelPath);
  try {
    assert.equal(inWorker.info.chatTemplate, 'model');
    assert.deepEqual(await inWorker.chatPrompt(messages), { prompt: phi3Prompt, template: 'model' });
  } finally {
    await inWorker.unload();
  }
});

test('chat.completions.create: every field it does not implement is an invalid_argument error; usage when streaming', async () => {
  const model = await Chord.load(modelPath);
  try {
    const base = { messages, max_tokens: 2, temperature: 0 };
    for (const extra of [{ functions: [] }, { audio: {} }, { maxTokens: 2 }]) {
      const [field] = Object.keys(extra);
      await assert.rejects(model.chat.completions.create({ ...base, ...extra }),
        (e) => e instanceof ChordError && e.code === 'invalid_argument' && e.message.includes(`implement ${field}`), field);
    }
    await assert.rejects(model.chat.completions.create({ ...base, stream_options: { include_usage: true } }),
      (e) => e.code === 'invalid_argument' && /stream_options/.test(e.message)); // only with stream: true
    await assert.rejects(model.chat.completions.create({ ...base, presence_penalty: 'high' }),
      (e) => e.code === 'invalid_argument' && /presence_penalty/.test(e.message));

    const chunks = [];
    for await (const chunk of await model.chat.completions.create({ ...base, stream: true, stream_options: { include_usage: true } })) chunks.push(chunk);
    const last = chunks.at(-1);
    assert.deepEqual(last.choices, []);
    assert.equal(last.usage.completion_tokens, 2);
    assert.equal(chunks.at(-2).choices[0].finish_reason, 'length');
    const plain = [];
    for await (const chunk of await model.chat.completions.create({ ...base, stream: true })) plain.push(chunk);
    assert.ok(plain.every((chunk) => chunk.usage === undefined && chunk.choices.length === 1));
  } finally {
    await model.unload();
  }
});
