// Compiled by `tsc --noEmit` only: the declarations describe the API as the README uses it.
import { Chord, ChordError, type ChatCompletionChunk, type CompleteResult } from 'wasm-chord';

async function usage(): Promise<void> {
  const controller = new AbortController();
  const model = await Chord.load('https://example.com/model.gguf', {
    onProgress: ({ loaded, total }) => console.log(loaded, total ?? 'unknown'),
    signal: controller.signal,
    contextLength: 1024,
    cache: true,
    backend: 'auto',
    threads: 2,
  });
  const split = await Chord.load(['https://example.com/m-00001-of-00002.gguf', new Blob([])], { cache: false });
  const status: 'hit' | 'stored' | string = split.info.cache;
  console.log(status, split.info.files, await Chord.deleteCached('https://example.com/model.gguf'));
  const cached = await Chord.load('https://example.com/model.gguf', { cache: 'opfs', assetBase: 'https://cdn.example.com/wasm-chord/dist/' });
  const where: 'opfs' | 'cache-api' | 'custom' | null = cached.info.cacheWhere;
  for (const entry of await Chord.cache.list()) console.log(entry.url, entry.size, entry.where, where);
  console.log(await Chord.cache.has(new URL('https://example.com/model.gguf')), await Chord.cache.size(), await Chord.cache.delete('x'));
  await Chord.cache.clear();
  // @ts-expect-error: not a cache store
  await Chord.load('https://example.com/model.gguf', { cache: 'indexeddb' });
  const ids: number[] = model.tokenize('Hello', { bos: true });
  const text: string = model.detokenize(ids);
  const arch: string = model.info.architecture;
  const small = await Chord.load('https://example.com/model.gguf', { kvCacheType: 'q8_0' });
  const kvType: 'f16' | 'q8_0' | 'f32' = small.info.kvCacheType;
  console.log(kvType, small.info.kvCacheBytes / 2 ** 20);
  for await (const chunk of model.generate('Once upon a time', { maxTokens: 32, stop: ['\n'], signal: controller.signal })) {
    console.log(chunk.text, chunk.token);
  }
  const result: CompleteResult = await model.complete(ids, { temperature: 0 });
  console.log(result.finishReason, result.timings.predictedMs, text, arch);
  const reply = await model.chat.completions.create({ messages: [{ role: 'user', content: 'Hi' }], max_tokens: 16 });
  console.log(reply.choices[0].message.content, reply.usage.total_tokens);
  const quick = await model.chat.completions.create({
    messages: [{ role: 'user', content: 'Hi' }],
    chat_template_kwargs: { enable_thinking: false },
  });
  const { prompt, template } = model.chatPrompt([{ role: 'user', content: 'Hi' }], { template: 'qwen3', enableThinking: false });
  console.log(quick.choices[0].message.content, prompt, template);
  const stream = await model.chat.completions.create({ messages: [{ role: 'user', content: 'Hi' }], stream: true });
  for await (const chunk of stream) {
    const c: ChatCompletionChunk = chunk;
    console.log(c.choices[0].delta.content);
  }
  // Structured output, tool calls, logprobs, n, embeddings, saved sessions.
  const json = await model.chat.completions.create({
    messages: [{ role: 'user', content: 'Hi' }], n: 2, logprobs: true, top_logprobs: 2, logit_bias: { '13': -100 },
    response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } },
    tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }], tool_choice: 'auto',
  });
  const first = json.choices[0];
  console.log(first.message.tool_calls?.[0].function.arguments, first.logprobs?.content[0].top_logprobs[0].logprob, first.finish_reason === 'tool_calls');
  await model.chat.completions.create({ messages: [], tool_choice: { type: 'function', function: { name: 'f' } }, parallel_tool_calls: false });
  // @ts-expect-error: tool_choice is 'auto', 'none', 'required' or a named function
  await model.chat.completions.create({ messages: [], tool_choice: 'always' });
  const vector: Float32Array = await model.embed('Hi', { pooling: 'mean' });
  const vectors: Float32Array[] = await model.embed(['a', 'b']);
  const listed = await model.embeddings.create({ input: ['a', 'b'], encoding_format: 'base64' });
  console.log(vector.length, vectors.length, listed.data[0].embedding, listed.usage.prompt_tokens, model.info.toolCallFormat);
  const state: Uint8Array = await model.saveSession();
  console.log(model.loadSession(state).cachedTokens, model.parseReply('x').toolCalls.length);
  const grammarResult = await model.complete('x', { grammar: 'root ::= "a"', topLogprobs: 1, contextShift: false, nKeep: -1 });
  console.log(grammarResult.logprobs?.[0].top[0].token, grammarResult.contextShifts, grammarResult.timings.promptTokensComputed);
  try {
    await Chord.load(new Uint8Array(4));
  } catch (e) {
    if (e instanceof ChordError) {
      // codes are a union: a program switches on them, and a misspelled one does not compile
      if (e.code === 'http_status') console.log(e.status, e.cause);
      // @ts-expect-error: 'not_ggfu' is not a ChordErrorCode
      if (e.code === 'not_ggfu') console.log(e.message);
    }
  }
  const backend: 'cpu' | 'webgpu' = model.info.backend;
  // @ts-expect-error: info.backend is never 'auto'
  if (model.info.backend === 'auto') console.log(backend);
  await model.unload();
  const remote = await Chord.loadInWorker(new Blob([new Uint8Array(8)]), {
    onProgress: ({ loaded }) => console.log(loaded),
    workerUrl: new URL('https://cdn.example.com/wasm-chord/dist/worker.js'),
  });
  const remoteIds: number[] = await remote.tokenize('Hi');
  console.log((await remote.chatPrompt([{ role: 'user', content: 'Hi' }], { enableThinking: false })).prompt);
  for await (const chunk of remote.generate(remoteIds, { maxTokens: 4 })) console.log(chunk.text);
  await remote.unload();
}

void usage;
