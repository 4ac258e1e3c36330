// What differs in Node (package.json "imports" maps #platform here under the `node` condition, so
// that browser bundles never see node: modules): files are paths, the wasm bytes are read from
// disk, workers are worker_threads.
import { readFile, open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Worker, parentPort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';

export const isNode = true;

// Emscripten's options for the single-threaded build: Node has no fetch of file: URLs, so the
// module gets its wasm bytes directly.
export async function moduleOptions() {
  return { wasmBinary: await readFile(new URL('../dist/single/chord.wasm', import.meta.url)) };
}

// The file path a source names, or null: a path (POSIX or Windows, `C:\m.gguf` or `C:/m.gguf`),
// a `file:` URL string or a URL object with the file: protocol.
export function filePath(source) {
  const fileUrl = source instanceof URL ? source.protocol === 'file:' : typeof source === 'string' && /^file:/i.test(source);
  if (fileUrl) return fileURLToPath(source);
  if (typeof source !== 'string') return null;
  return !/^[a-z][a-z0-9+.-]*:/i.test(source) || /^[a-z]:[\\/]/i.test(source) ? source : null;
}

export function openFile(path) {
  return open(path, 'r');
}

// The model's worker (a worker thread running src/worker.js) and the comlink endpoint to it.
export function startWorker(workerUrl) {
  const worker = new Worker(workerUrl ?? new URL('./worker.js', import.meta.url));
  return { worker, endpoint: nodeEndpoint(worker) };
}

// Rejects through `fail` when the worker reports an error or ends.
export function onWorkerFailure(worker, fail) {
  worker.once('error', fail);
  worker.once('exit', (code) => fail(`it exited with code ${code}`));
}

// The worker's side: serve `api` to the thread that started it.
export function exposeToParent(api) {
  Comlink.expose(api, nodeEndpoint(parentPort));
}
