// Chord: a model on this thread (index.js adds Chord.loadInWorker; the model's worker imports
// this file alone, so that worker bundles hold no second worker).
//
//   const model = await Chord.load(source, { onProgress, signal, contextLength });
//   for await (const { text } of model.generate('Once upon a time', { maxTokens: 64 })) ...
//
// The model file is streamed straight into WebAssembly memory (one copy), and generation runs
// one token per step, yielding to the event loop so that pages stay responsive and an
// AbortSignal can stop it.
import { ChatCompletions } from './chat.js';
import { Embeddings } from './embeddings.js';
import { ChordError, check } from './errors.js';
import { loadModule, moduleForSize, testing, variantOf } from './module.js';
import { modelCache } from './cache.js';
import { mebibytes, readModel } from './sources.js';
import { gpuDevice } from './webgpu.js';

const KV_CACHE_TYPES = ['f16', 'q8_0', 'f32'];
const GENERATE_DEFAULTS = { maxTokens: 256, temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05, repeatPenalty: 1.0 };

export class Chord {
  #native;
  #module;
  #source;
  #busy = false;
  #deviceLost = null;  // on WebGPU: resolves with the device's GPUDeviceLostInfo if it is lost
  #lost = null;        // that info, once it has come
  #outOfMemoryCount = 0;  // the device's out-of-memory errors outside a load's error scope, as last seen
  #outOfMemory = null;    // the error, once this model's generation met one: the model is unusable then

  constructor(native, module, source) {
    this.#native = native;
    this.#module = module;
    this.#source = source;
    if (native.info().backend === 'webgpu') {
      this.#deviceLost = module.chordGpuDevice.lost.then((info) => (this.#lost = info));
      this.#outOfMemoryCount = module.chordGpuOutOfMemory?.count ?? 0;
    }
    this.chat = { completions: new ChatCompletions(this) };
    this.embeddings = new Embeddings(this);
  }

  // source: URL string, URL, Request, Blob/File, ArrayBuffer, Uint8Array, ReadableStream, an array
  // of these for a split model, or in Node a file path. A URL or path named like llama.cpp's split
  // files (…-00001-of-00003.gguf) loads every part.
  // maxMemory: bytes the model may hold in wasm memory (file, KV cache, buffers; on WebGPU the
  // weights stream into the GPU and are not counted); a model over it is a ChordError
  // 'out_of_memory' before its memory is taken. Default: the wasm limit, 4 GB (16 GB for a file
  // beyond 4 GiB on the CPU, which loads into the Memory64 build where the engine has it).
  // maxGpuMemory: bytes the model may hold on the GPU (weights as uploaded, KV cache, buffers);
  // over it, 'out_of_memory' before anything is allocated there. Default 0: no budget (WebGPU does
  // not tell how much a device has); a device that runs out while loading is 'out_of_memory' too.
  // kvCacheType: how keys and values are stored, 'f16' (default, as llama.cpp), 'q8_0' or 'f32'.
  // batchSize: prompt tokens per forward pass (default 64 on the CPU, 256 on WebGPU).
  // assetBase: the URL of the package's dist/ folder, where its wasm files are not beside the code
  // (a CDN, an unusual bundler setup); the first load of a page or worker decides.
  static async load(source, { onProgress, signal, contextLength = 0, cache = false, backend = 'auto', threads, maxMemory = 0, maxGpuMemory = 0, kvCacheType = 'f16', batchSize = 0, assetBase } = {}) {
    checkBackend(backend);
    if (!(Number.isInteger(batchSize) && batchSize >= 0 && batchSize <= 65536))
      throw new ChordError(`batchSize must be a whole number of tokens (0: the backend's), got ${batchSize}`, 'invalid_argument');
    if (!KV_CACHE_TYPES.includes(kvCacheType))
      throw new ChordError(`kvCacheType must be 'f16', 'q8_0' or 'f32', got ${JSON.stringify(kvCacheType)}`, 'invalid_argument');
    for (const [name, value] of [['maxMemory', maxMemory], ['maxGpuMemory', maxGpuMemory]])
      if (!(Number.isSafeInteger(value) && value >= 0)) throw new ChordError(`${name} must be a whole number of bytes, got ${value}`, 'invalid_argument');
    if (!(cache === null || typeof cache === 'boolean' || cache === 'opfs' || cache === 'cache-api' || (cache && typeof cache === 'object')))
      throw new ChordError(`cache must be true, false, 'opfs', 'cache-api' or a Cache-like object, got ${JSON.stringify(cache)}`, 'invalid_argument');
    if (assetBase !== undefined && !(typeof assetBase === 'string' || assetBase instanceof URL))
      throw new ChordError(`assetBase must be the URL of the package's dist/ folder, got ${assetBase}`, 'invalid_argument');
    if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1))
      throw new ChordError(`threads must be a whole number of at least 1, got ${threads}`, 'invalid_argument');
    const moduleOptions = { assetBase: assetBase && new URL(assetBase, globalThis.location?.href).href };
    await loadModule(moduleOptions);
    // The module fits the file's size (module.js); then 'auto' computes on WebGPU where there is an
    // adapter and the model fits its limits, else on the CPU, and says why.
    let backendName = 'cpu', backendReason = backend === 'cpu' ? 'asked for' : '';
    let watchedDevice = null;  // the device whose out-of-memory errors during the load are caught
    const moduleFor = async (size, { cpu = false } = {}) => {
      let module = await moduleForSize(size, moduleOptions);
      if (backend === 'cpu') return module;
      if (cpu) {  // a streamed load found that the model does not fit the GPU (backendReason says why)
        backendName = 'cpu';
        return module;
      }
      // On WebGPU the weights stream past wasm memory: a file beyond 4 GiB needs no Memory64 there.
      if (variantOf(module) === 'memory64' && !testing.forceMemory64) {
        const page = await loadModule(moduleOptions);
        if ((await gpuDevice(page)).device) module = page;
      }
      // The Memory64 build's WebGPU library reads pointers as Numbers, which are BigInts there.
      const { device, reason } = variantOf(module) === 'memory64'
        ? { reason: 'the Memory64 build (for model files beyond 4 GiB) computes on the CPU only' }
        : await gpuDevice(module);
      if (device) {
        if (!watchedDevice) {
          watchedDevice = device;
          device.pushErrorScope('out-of-memory');
        }
        backendName = 'webgpu';
        backendReason = backend === 'webgpu' ? 'asked for' : 'a WebGPU adapter is there';
      } else if (backend === 'webgpu') {
        throw new ChordError(`the WebGPU backend cannot run here: ${reason}`, 'unsupported');
      } else {
        backendReason = reason;
      }
      return module;
    };
    // On WebGPU the weights stream from the source into GPU buffers (weight-stream.js): wasm memory
    // holds the headers and a staging area, never the weights. 'auto' decides from the headers
    // whether they fit the device; where not, the files are read for the CPU as usual.
    let streamedNative = null;
    const streamInto = (module) => (backendName !== 'webgpu' ? null : async (headers, fileSizes) => {
      const native = new module.WasmModel();
      try {
        const opened = check(native.openStreamed(headers, fileSizes, contextLength, 1, backend === 'auto' ? 'webgpu-or-cpu' : 'webgpu',
          maxMemory, maxGpuMemory, kvCacheType, batchSize));
        if (opened.cpuBecause) {
          native.delete();
          backendReason = `the model does not fit the WebGPU adapter: ${opened.cpuBecause}`;
          return null;
        }
        streamedNative = native;
        return { native, ...opened };
      } catch (error) {
        native.delete();
        throw error;
      }
    });
    const open = async () => {
      let loaded;
      try {
        loaded = await readModel(moduleFor, source, { onProgress, signal, cache, maxMemory, streamInto });
      } catch (error) {
        streamedNative?.delete();
        throw error;
      }
      if (loaded.streamed) {
        return new Chord(loaded.streamed, loaded.module, { cache: loaded.cache, cacheWhere: loaded.cacheWhere, files: loaded.files, backendReason });
      }
      return openWhole(loaded);
    };
    const openWhole = async (loaded) => {
      const module = loaded.module;
      threads = Math.min(threads ?? defaultThreads(module), defaultThreads(module)); // the worker pool holds one per core
      const native = new module.WasmModel();
      try {
        // takes ownership of the blocks, even on failure
        const addresses = loaded.blocks.map((b) => b.address), sizes = loaded.blocks.map((b) => b.size);
        const auto = backend === 'auto' && backendName === 'webgpu';
        const opened = check(native.open(addresses, sizes, contextLength, threads, auto ? 'webgpu-or-cpu' : backendName, maxMemory, maxGpuMemory, kvCacheType, batchSize));
        if (opened.cpuBecause) backendReason = `the model does not fit the WebGPU adapter: ${opened.cpuBecause}`;
      } catch (error) {
        native.delete();
        await loaded.forget();
        throw error;
      }
      return new Chord(native, module, { cache: loaded.cache, cacheWhere: loaded.cacheWhere, files: loaded.blocks.length, backendReason });
    };
    let model, failure;
    try {
      model = await open();
    } catch (error) {
      failure = error;
    }
    return gpuLoadOutcome(watchedDevice, model, failure);
  }

  // The wasm heap's size (it grows, never shrinks) and the bytes in use in it: { heapBytes, allocatedBytes }.
  static async memoryUsage() {
    return (await loadModule()).memoryUsage();
  }

  // The model files `cache: true` keeps (OPFS or the Cache API): list(), has(url), size(), delete(url), clear().
  static cache = modelCache;

  // Takes a URL's model file out of the cache, or every model without a URL (Chord.cache's older form).
  static deleteCached(url) {
    return url === undefined ? modelCache.clear().then(() => true) : modelCache.delete(url);
  }

  // Architecture, sizes, weight type, context, backend, and the wasm build in use.
  // Also after the GPU device was lost.
  get info() {
    return { ...this.#live({ lostToo: true }).info(), build: variantOf(this.#module), ...this.#source };
  }

  tokenize(text, { bos = true, special = false } = {}) {
    return check(this.#live().tokenize(String(text), bos, special));
  }

  detokenize(ids, { special = false } = {}) {
    return check(this.#live().detokenize(Array.from(ids), special));
  }

  // Logits after `ids` at positions nPast… (forgets the generation cache). For tests and tools.
  // A Float32Array on the CPU backend, a Promise of one on WebGPU (await works for both).
  forward(ids, nPast = 0) {
    const native = this.#live();
    const result = check(native.forward(Array.from(ids), nPast));
    if (!result.pending) return result;
    return this.#gpuPending().then(() => check(native.forwardResult()));
  }

  // The prompt text of `messages`: { prompt, template }. The model's own chat template (its
  // tokenizer.chat_template, rendered as llama.cpp renders it; template 'model'), or the built-in
  // format `template` names (chatml, llama3, ...: for models without one). tools: OpenAI-style
  // tools for the template to describe; variables: the template's other variables
  // (chat_template_kwargs); enableThinking: variables.enable_thinking, Qwen3's switch.
  chatPrompt(messages, { template, addGenerationPrompt = true, enableThinking, tools, variables = {} } = {}) {
    if (enableThinking !== undefined && typeof enableThinking !== 'boolean')
      throw new ChordError(`enableThinking must be true or false, got ${JSON.stringify(enableThinking)}`, 'invalid_argument');
    if (variables === null || typeof variables !== 'object' || Array.isArray(variables))
      throw new ChordError('the template variables must be an object', 'invalid_argument');
    if (tools !== undefined && !Array.isArray(tools)) throw new ChordError('tools must be an array', 'invalid_argument');
    if (!Array.isArray(messages)) throw new ChordError('messages must be an array', 'invalid_argument');
    const request = { messages, tools, addGenerationPrompt, variables: enableThinking === undefined ? variables : { ...variables, enable_thinking: enableThinking } };
    return check(this.#live().chatPrompt(JSON.stringify(request), template ?? null));
  }

  // The embedding of a text (or an array of texts: one each): the model's last hidden state after
  // its output norm, pooled over the tokens ('mean' | 'last' | 'cls'; default: the file's, else
  // mean) and L2-normalized unless normalize is false. A Promise of a Float32Array (n_embd) per
  // text (WebGPU brings each batch's hidden states back asynchronously).
  async embed(input, { pooling, normalize = true } = {}) {
    if (!Array.isArray(input) || input.every((t) => Number.isInteger(t))) return (await this.embedOne(input, { pooling, normalize })).embedding;
    const embeddings = [];
    for (const one of input) embeddings.push((await this.embedOne(one, { pooling, normalize })).embedding);
    return embeddings;
  }

  // One text or token-id array: a Promise of { embedding, tokens } (embeddings.create counts the tokens).
  async embedOne(input, { pooling, normalize = true } = {}) {
    const native = this.#live();
    if (pooling !== undefined && !['mean', 'last', 'cls'].includes(pooling))
      throw new ChordError(`pooling must be 'mean', 'last' or 'cls', got ${JSON.stringify(pooling)}`, 'invalid_argument');
    if (typeof normalize !== 'boolean') throw new ChordError('normalize must be true or false', 'invalid_argument');
    if (this.#busy) throw new ChordError('a generation is running on this model', 'invalid_argument');
    let result = check(native.embed(typeof input === 'string' ? input : Array.from(input), pooling ?? null, normalize));
    this.#busy = true;  // the cache holds the embedding's batches until its last one is back
    try {
      while (result.pending) {
        await this.#gpuPending();
        result = check(native.embedStep());
      }
      return result;
    } finally {
      this.#busy = false;
    }
  }

  // A Promise of the conversation's cache as bytes (the tokens in the context and their keys and
  // values), to store (OPFS, IndexedDB) and give back to loadSession() later, on this model or the
  // same file loaded again with the same contextLength and kvCacheType, on either backend: the next
  // generation then only reads what is new. (A Promise: WebGPU brings the cache back asynchronously.)
  async saveSession() {
    const native = this.#live();
    if (this.#busy) throw new ChordError('a generation is running on this model', 'invalid_argument');
    const saved = check(native.saveSession());
    if (!saved.pending) return saved;
    this.#busy = true;  // the cache must stay as it is until it is back
    try {
      await this.#gpuPending();
      return check(native.saveSessionResult());
    } finally {
      this.#busy = false;
    }
  }

  // Restores saveSession()'s bytes: { cachedTokens }. Bytes of another model, context length or
  // cache type are invalid_argument; damaged ones truncated / malformed (the session is unchanged).
  loadSession(bytes) {
    if (this.#busy) throw new ChordError('a generation is running on this model', 'invalid_argument');
    if (!(bytes instanceof Uint8Array)) throw new ChordError('loadSession takes the Uint8Array saveSession() gave', 'invalid_argument');
    return check(this.#live().loadSession(bytes));
  }

  // A finished reply in a tool-call format (info.toolCallFormat: 'hermes', 'llama3-json', 'mistral',
  // 'qwen3-coder', 'none'): { content, reasoning, toolCalls: [{ id, name, arguments }] }. The tools
  // offered, where given, tell which raw values are strings (qwen3-coder writes 42 for "42").
  parseReply(text, format = this.info.toolCallFormat, tools = undefined) {
    return check(this.#live().parseReply(text, format, tools === undefined ? '' : JSON.stringify(tools)));
  }

  // GBNF (for the `grammar` option) of a reply that is nothing but calls of `tools` (OpenAI's
  // [{ type: 'function', function: { name, parameters } }]) in the model's tool-call format: of
  // `name` only where given, and only one call unless `parallel`. chat.completions uses it for
  // tool_choice 'required' and a named function.
  toolCallGrammar(tools, { name = '', parallel = true, format = this.info.toolCallFormat } = {}) {
    if (!Array.isArray(tools)) throw new ChordError('tools must be an array', 'invalid_argument');
    return check(this.#live().toolCallGrammar(JSON.stringify(tools), format, name, parallel));
  }

  // A reply still streaming: { reasoning, content } where content stops before anything that is or
  // may become a tool call's marker (so a stream never shows a marker and takes it back).
  replySoFar(text, format = this.info.toolCallFormat) {
    return check(this.#live().replySoFar(text, format));
  }

  // Yields { text, token, logprobs? } as text becomes certain; stops at maxTokens, an end-of-generation
  // token, a stop string, the end of the context, or `signal` (also while the prompt is read:
  // that goes a batch per step, and onPromptProgress({ read, total }) hears of each).
  async *generate(prompt, options = {}) {
    const native = this.#live();
    if (this.#busy) throw new ChordError('a generation is already running on this model', 'invalid_argument');
    const { signal, onPromptProgress, ...rest } = options;
    const settings = { ...GENERATE_DEFAULTS, ...rest }; // checked, key by key, in C++
    signal?.throwIfAborted?.();
    this.#busy = true;
    try {
      const { promptTokens } = check(native.begin(typeof prompt === 'string' ? prompt : Array.from(prompt), settings));
      // With topLogprobs, each chunk carries the logprobs of the tokens since the last chunk.
      const logprobs = settings.topLogprobs === undefined ? null : [];
      const chunk = (step) => ({ text: step.text, token: step.token, ...(logprobs ? { logprobs: logprobs.splice(0) } : {}) });
      for (let n = 0; ; n++) {
        if (signal?.aborted) {
          const last = check(native.cancel());
          if (last.text) yield chunk(last);
          break;
        }
        let step = check(native.step());
        while (step.pending) {  // WebGPU: the logits are on their way
          await this.#gpuPending();
          step = check(native.step());
        }
        if (step.promptRead) onPromptProgress?.({ read: step.promptRead, total: promptTokens });
        if (step.logprob) logprobs?.push(step.logprob);
        if (step.text) yield chunk(step);
        if (step.done) break;
        // Let the page breathe (and an abort arrive): after each batch of the prompt, every 8 tokens.
        if (step.promptRead || n % 8 === 7) await new Promise((resolve) => setTimeout(resolve, 0));
      }
    } finally {
      this.#busy = false;
    }
  }

  // The whole generation at once: { text, tokens, finishReason, timings }.
  async complete(prompt, options = {}) {
    for await (const _ of this.generate(prompt, options)) {
      // the generator fills the native result
    }
    return this.lastResult();
  }

  // The result of the last generation (also after a streamed one).
  lastResult() {
    const r = this.#live().result();
    return {
      text: r.text,
      tokens: Array.from(r.tokens),
      finishReason: r.finishReason,
      timings: { promptTokens: r.promptTokens, promptTokensComputed: r.promptTokensComputed, promptMs: r.promptMs,
        predictedTokens: r.predictedTokens, predictedMs: r.predictedMs },
      contextShifts: r.contextShifts,
      ...(r.logprobs ? { logprobs: r.logprobs } : {}),
    };
  }

  async unload() {
    if (this.#native) {
      this.#native.delete(); // frees the model and its bytes in wasm memory
      this.#native = null;
    }
  }

  #live({ lostToo = false } = {}) {
    if (!this.#native) throw new ChordError('the model has been unloaded', 'invalid_argument');
    if (this.#lost && !lostToo) throw deviceLostError(this.#lost);
    if (this.#outOfMemory && !lostToo) throw this.#outOfMemory;
    return this.#native;
  }

  // Waits for the GPU's results; a device lost meanwhile is device_lost (its reads fail first,
  // and the lost promise settles soon after); a buffer the GPU had no memory for meanwhile,
  // out_of_memory (from then on: the backend holds a buffer that was never made).
  async #gpuPending() {
    let failure = null;  // a read that failed: the device lost, or a buffer of it never made
    try {
      await this.#module.chordGpuPending;
    } catch (error) {
      failure = error;
      const lost = await Promise.race([this.#deviceLost, new Promise((resolve) => setTimeout(resolve, 1000, null))]);
      if (lost) throw deviceLostError(lost, error);
    }
    if (this.#lost) throw deviceLostError(this.#lost);
    const outOfMemory = this.#module.chordGpuOutOfMemory;
    if (outOfMemory && outOfMemory.count !== this.#outOfMemoryCount) {
      this.#outOfMemoryCount = outOfMemory.count;
      const held = this.#native.info().memory;
      this.#outOfMemory = new ChordError(`the GPU ran out of memory during a generation (${outOfMemory.message}); the model holds ` +
        `${mebibytes(held.weights.bytes)} of weights, ${mebibytes(held.kvCache.bytes)} of KV cache and ` +
        `${mebibytes(held.activations.bytes)} of buffers there: unload it and load it again with a smaller contextLength or ` +
        'batchSize, or with backend: \'cpu\'', 'out_of_memory', { cause: failure ?? undefined });
    }
    if (this.#outOfMemory) throw this.#outOfMemory;
    if (failure) throw failure;
  }
}

// The threaded build computes on every core by default (its worker pool has one per core); the
// single-threaded builds on one.
function defaultThreads(module) {
  return variantOf(module) === 'threads' ? Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 1) : 1;
}

// A device that ran out of memory while a model's buffers were made says so only through its
// error scope, after the fact: then the model is freed, and the load is 'out_of_memory'.
async function gpuLoadOutcome(device, model, failure) {
  const gpuError = device && (await device.popErrorScope().catch(() => null));
  if (!gpuError) {
    if (failure) throw failure;
    return model;
  }
  const held = model?.info.memory;
  await model?.unload();
  const needs = held ? `: it needs ${mebibytes(held.weights.bytes)} of weights, ${mebibytes(held.kvCache.bytes)} of KV cache and ` +
    `${mebibytes(held.activations.bytes)} of buffers there` : '';
  throw new ChordError(`the GPU ran out of memory while the model was loaded (${gpuError.message})${needs}; ` +
    'ask for a smaller contextLength or a smaller model, or load it with backend: \'cpu\'', 'out_of_memory', { cause: failure ?? gpuError });
}

function deviceLostError(info, cause) {
  return new ChordError(`the GPU device was lost (${info.reason ?? 'unknown'}${info.message ? `: ${info.message}` : ''}): ` +
    'unload this model and load it again', 'device_lost', { cause });
}

function checkBackend(backend) {
  if (backend === 'auto' || backend === 'cpu' || backend === 'webgpu') return;
  throw new ChordError(`backend must be 'auto', 'cpu' or 'webgpu', got '${backend}'`, 'invalid_argument');
}
