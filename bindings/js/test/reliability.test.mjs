// Limits and cancellation in the wasm package: bad generation options, a memory budget, a heap
// that cannot grow, and an AbortSignal at every step of prompt and generation — each a clear
// ChordError or a clean stop, with the model (or the next load) working as a fresh one afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { Chord } from '../src/index.js';
import { loadModule } from '../src/module.js';
import { sharedPath } from '../test-support/shared.mjs';

const storiesBytes = new Uint8Array(readFileSync(sharedPath('models', 'stories260K-f32.gguf')));
const SAMPLED = { maxTokens: 20, temperature: 0.8, topK: 40, seed: 99 };
// Some 260 tokens: five prompt batches of 64.
const LONG_PROMPT = 'Once upon a time, there was a little girl named Lily. She loved to play outside in the park. '.repeat(9);

async function rejectsWithCode(promise, code, pattern) {
  await assert.rejects(promise, (error) => {
    assert.equal(error.name, 'ChordError');
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  });
}

test('bad generation options are errors that name the option, and the model stays usable', async () => {
  const model = await Chord.load(storiesBytes);
  await rejectsWithCode(model.complete('Once', { topk: 40 }), 'invalid_argument', /'topk' is not one/);
  await rejectsWithCode(model.complete('Once', { temperature: '0.7' }), 'invalid_argument', /'temperature' must be a number/);
  await rejectsWithCode(model.complete('Once', { maxTokens: 1.5 }), 'invalid_argument', /'maxTokens' must be a whole number/);
  await rejectsWithCode(model.complete('Once', { stop: [''] }), 'invalid_argument', /'stop' must hold non-empty strings/);
  await rejectsWithCode(model.complete('Once', { topP: -1 }), 'invalid_argument', /top_p/);
  const r = await model.complete('Once upon a time', { maxTokens: 4, temperature: 0, stop: 'zzz', stopAtEndOfGeneration: true });
  assert.equal(r.tokens.length, 4);
  await model.unload();
});

test('maxMemory: a model over the budget is out_of_memory before its memory is taken', async () => {
  await rejectsWithCode(Chord.load(storiesBytes, { maxMemory: 1e6 }), 'out_of_memory', /more than maxMemory/);
  await rejectsWithCode(Chord.load(storiesBytes, { maxMemory: 2e6, contextLength: 4096 }), 'out_of_memory',
    /KV cache for 4096 tokens .* the memory budget \(maxMemory\) is 1\.9 MiB/);
  await rejectsWithCode(Chord.load(storiesBytes, { contextLength: 2 ** 31 }), 'out_of_memory', /ask for a smaller context/);
  await assert.rejects(Chord.load(storiesBytes, { maxMemory: -5 }), { code: 'invalid_argument' });
  const model = await Chord.load(storiesBytes, { maxMemory: 8e6, contextLength: 512 });
  assert.equal((await model.complete('Once upon a time', { maxTokens: 8, temperature: 0 })).tokens.length, 8);
  await model.unload();
});

test('a wasm heap that cannot grow any more is out_of_memory, and loading works once memory is free', async () => {
  const module = await loadModule();
  const held = []; // [address, size], largest first
  for (let size = 2 ** 30; size >= 2 ** 16;) {  // take all of the 4 GB there is
    const address = module._malloc(size);
    if (address) held.push([address, size]);
    else size /= 2;
  }
  try {
    await rejectsWithCode(Chord.load(storiesBytes), 'out_of_memory', /cannot allocate .* WebAssembly memory for the model file/);
    // Room for the file but not for a 32768-token KV cache (40 MB): the failure comes from inside the load.
    for (let freed = 0; freed < 3 * 2 ** 20;) {
      const [address, size] = held.pop();
      module._free(address);
      freed += size;
    }
    await rejectsWithCode(Chord.load(storiesBytes, { contextLength: 32768 }), 'out_of_memory', /out of memory while loading the model/);
  } finally {
    for (const [address] of held) module._free(address);
  }
  const model = await Chord.load(storiesBytes, { contextLength: 32768 });
  assert.equal((await model.complete('Once upon a time', { maxTokens: 8, temperature: 0 })).tokens.length, 8);
  await model.unload();
});

test('a model placed past 2 GB of wasm memory (where addresses no longer fit an int32) generates as one below', async () => {
  const greedy = { maxTokens: 16, temperature: 0 };
  const low = await Chord.load(storiesBytes);
  const expected = (await low.complete('Once upon a time', greedy)).tokens;
  await low.unload();
  const module = await loadModule();
  const below = module._malloc(2.5 * 2 ** 30) >>> 0;
  assert.ok(below, 'could not take 2.5 GB of wasm memory');
  try {
    const high = await Chord.load(storiesBytes);
    assert.deepEqual((await high.complete('Once upon a time', greedy)).tokens, expected);
    await high.unload();
  } finally {
    module._free(below);
  }
});

// Runs a generation and aborts it at the `at`-th event (a prompt batch read, or a chunk of text);
// false when the generation had ended by then.
async function abortAt(model, at) {
  const controller = new AbortController();
  let events = 0;
  const tick = () => { if (events++ === at) controller.abort(); };
  const options = { ...SAMPLED, signal: controller.signal, onPromptProgress: tick };
  for await (const _ of model.generate(LONG_PROMPT, options)) tick();
  return model.lastResult().finishReason === 'cancelled';
}

test('an AbortSignal at any step of prompt or generation leaves the model giving a fresh result', async () => {
  const fresh = await Chord.load(storiesBytes, { contextLength: 512 });
  const progress = [];
  const expected = await fresh.complete(LONG_PROMPT, { ...SAMPLED, onPromptProgress: (p) => progress.push(p) });
  await fresh.unload();
  assert.ok(progress.length >= 4, `${progress.length} prompt batches`);
  assert.deepEqual(progress.at(-1), { read: expected.timings.promptTokens, total: expected.timings.promptTokens });

  const model = await Chord.load(storiesBytes, { contextLength: 512 });
  let aborted = 0;
  for (let at = 0; await abortAt(model, at); at++) {
    aborted++;
    const again = await model.complete(LONG_PROMPT, SAMPLED);
    assert.deepEqual(again.tokens, expected.tokens, `after an abort at event ${at}`);
    assert.equal(again.text, expected.text);
  }
  console.log(`[ measured ] ${aborted} abort points (${progress.length} prompt batches, ${expected.tokens.length} tokens), ` +
    'each followed by a fresh result');
  assert.ok(aborted >= progress.length + 10);
  await model.unload();
});

// The abort crosses to the worker while it computes: it lands a few steps later, not at once.
test('in a worker too, prompt progress arrives and an abort during the prompt cancels the generation', async () => {
  const fresh = await Chord.load(storiesBytes, { contextLength: 512 });
  const expected = await fresh.complete(LONG_PROMPT, SAMPLED);
  await fresh.unload();
  const model = await Chord.loadInWorker(storiesBytes, { contextLength: 512 });
  try {
    const controller = new AbortController();
    const progress = [];
    const onPromptProgress = (p) => {
      progress.push(p.read);
      controller.abort();
    };
    const long = { ...SAMPLED, maxTokens: 200, signal: controller.signal, onPromptProgress };
    for await (const _ of model.generate(LONG_PROMPT, long)) {
      // text may come before the abort arrives
    }
    const cancelled = await model.lastResult();
    assert.equal(cancelled.finishReason, 'cancelled');
    assert.ok(cancelled.tokens.length < long.maxTokens);
    assert.equal(progress[0], 64);
    assert.deepEqual((await model.complete(LONG_PROMPT, SAMPLED)).tokens, expected.tokens);
  } finally {
    await model.unload();
  }
});
