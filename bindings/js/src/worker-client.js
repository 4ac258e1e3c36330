// Chord.loadInWorker(): the same API with the model in a Web Worker (a worker thread in Node), so
// the page never freezes. Every method returns a Promise, since each call crosses to the worker.
import * as Comlink from 'comlink';
import { ChatCompletions } from './chat.js';
import { Embeddings } from './embeddings.js';
import { ChordError } from './errors.js'; // (and ChordError codes survive the trip from the worker)
import { onWorkerFailure, startWorker } from '#platform';

// workerUrl: where the worker's script is, for setups that move it (a CDN, a bundler's assets).
export async function loadInWorker(source, { onProgress, signal, workerUrl, ...options } = {}) {
  signal?.throwIfAborted?.();
  let worker, endpoint;
  try {
    ({ worker, endpoint } = startWorker(workerUrl));
  } catch (error) {
    throw new ChordError(`the model's worker could not start: ${error.message}`, 'worker_failed', { cause: error });
  }
  const remote = Comlink.wrap(endpoint);
  const stop = () => worker.terminate();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    // comlink proxies top-level arguments only: the progress callback travels on its own. A worker
    // that cannot start (its script missing or failing) answers nothing: its error event says so.
    const info = await Promise.race([
      remote.load(source, options, onProgress ? Comlink.proxy(onProgress) : undefined),
      workerFailure(worker),
    ]);
    return new WorkerChord(remote, worker, info);
  } catch (error) {
    stop();
    throw signal?.aborted ? signal.reason : error;
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}

// Rejects with a ChordError (worker_failed) when the worker reports an error or ends.
function workerFailure(worker) {
  return new Promise((_, reject) => {
    const fail = (cause) => reject(new ChordError(`the model's worker could not run: ${cause?.message ?? cause}`, 'worker_failed', { cause }));
    onWorkerFailure(worker, fail);
  });
}

class WorkerChord {
  #remote;
  #worker;

  constructor(remote, worker, info) {
    this.#remote = remote;
    this.#worker = worker;
    this.info = info;
    this.chat = { completions: new ChatCompletions(this) };
    this.embeddings = new Embeddings(this);
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

  saveSession() {
    return this.#remote.saveSession();
  }

  loadSession(bytes) {
    return this.#remote.loadSession(bytes);
  }

  embed(input, options) {
    return this.#remote.embed(input, options);
  }

  embedOne(input, options) {
    return this.#remote.embedOne(input, options);
  }

  parseReply(text, format, tools) {
    return this.#remote.parseReply(text, format, tools);
  }

  replySoFar(text, format) {
    return this.#remote.replySoFar(text, format);
  }

  toolCallGrammar(tools, options) {
    return this.#remote.toolCallGrammar(tools, options);
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
