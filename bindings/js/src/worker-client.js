// Chord.loadInWorker(): the same API with the model in a Web Worker (a worker thread in Node), so
// the page never freezes. Every method returns a Promise, since each call crosses to the worker.
import * as Comlink from 'comlink';
import { ChatCompletions } from './chat.js';
import './errors.js'; // ChordError codes survive the trip from the worker
import { isNode } from './module.js';

export async function loadInWorker(source, { onProgress, signal, ...options } = {}) {
  signal?.throwIfAborted?.();
  let worker, endpoint;
  if (isNode) {
    const { Worker } = await import('node:worker_threads');
    const { default: nodeEndpoint } = await import('comlink/dist/esm/node-adapter.mjs');
    worker = new Worker(new URL('./worker.js', import.meta.url));
    endpoint = nodeEndpoint(worker);
  } else {
    // A self-contained bundle of src/worker.js (npm run build): module workers cannot resolve
    // the bare `comlink` import that bundlers and Node resolve for the rest of the package.
    worker = new Worker(new URL('../dist/worker.js', import.meta.url), { type: 'module' });
    endpoint = worker;
  }
  const remote = Comlink.wrap(endpoint);
  const stop = () => worker.terminate();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    // comlink proxies top-level arguments only: the progress callback travels on its own.
    const info = await remote.load(source, options, onProgress ? Comlink.proxy(onProgress) : undefined);
    return new WorkerChord(remote, worker, info);
  } catch (error) {
    stop();
    throw signal?.aborted ? signal.reason : error;
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}

class WorkerChord {
  #remote;
  #worker;

  constructor(remote, worker, info) {
    this.#remote = remote;
    this.#worker = worker;
    this.info = info;
    this.chat = { completions: new ChatCompletions(this) };
  }

  tokenize(text, options) {
    return this.#remote.tokenize(text, options);
  }

  detokenize(ids, options) {
    return this.#remote.detokenize(Array.from(ids), options);
  }

  chatPrompt(messages, options) {
    return this.#remote.chatPrompt(messages, options);
  }

  async *generate(prompt, { signal, onPromptProgress, ...options } = {}) {
    signal?.throwIfAborted?.();
    const progress = onPromptProgress ? Comlink.proxy(onPromptProgress) : undefined; // functions travel as proxies
    const id = await this.#remote.start(typeof prompt === 'string' ? prompt : Array.from(prompt), options, progress);
    const abort = () => this.#remote.abort(id);
    signal?.addEventListener('abort', abort, { once: true });
    try {
      for (;;) {
        const r = await this.#remote.next(id);
        if (r.done) break;
        yield r.value;
      }
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }

  async complete(prompt, options = {}) {
    for await (const _ of this.generate(prompt, options)) {
      // the worker fills its result
    }
    return this.lastResult();
  }

  lastResult() {
    return this.#remote.lastResult();
  }

  async unload() {
    await this.#remote.unload();
    this.#remote[Comlink.releaseProxy]();
    await this.#worker.terminate();
  }
}
