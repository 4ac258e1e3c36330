// Loads the WebAssembly module once per page, worker or Node process. The single-threaded build
// is a static import (bundlers bundle it and copy its chord.wasm); the threaded build (threads.js)
// runs in workers of a cross-origin isolated page (loadInWorker's, or a program's own), never on a
// page's main thread: its pthreads block while they wait, which the main thread must never do.
// A model file beyond 4 GiB gets the Memory64 build (memory64.js) where the engine has Memory64.
import createSingleModule from '../dist/single/chord.js';
import { isNode, moduleOptions } from '#platform';
import { loadMemory64Module, memory64Supported } from './memory64.js';
import { loadThreadsModule } from './threads.js';

let modulePromise, memory64Promise;
const variants = new WeakMap();

// Which build loadModule() loads (or loaded): 'single' or 'threads'.
export let variant = 'single';

// The most one block of wasm32 memory can hold. _malloc takes a 32-bit size: a larger number would
// wrap around (5 GiB becomes 1 GiB) and the file would then be written past the end of its block.
export const MAX_BLOCK_BYTES = 2 ** 32 - 2 ** 16;

// The most the Memory64 build's memory holds (its -sMAXIMUM_MEMORY, the engines' limit).
export const MEMORY64_MAX_BYTES = 2 ** 34;

// options: { assetBase } (see LoadOptions); only the first call's count.
export function loadModule(options = {}) {
  modulePromise ??= (async () => {
    if (threadsCanRun()) {
      variant = 'threads';
      return tagged(await loadThreadsModule(options), 'threads');
    }
    return tagged(await createSingleModule(await moduleOptions(options)), 'single');
  })();
  return modulePromise;
}

// The module for a model file of `size` bytes (undefined: not known before it is read): the page's
// (loadModule()'s) where the file fits wasm32 memory, else the Memory64 build where the engine has
// Memory64. Where it has not, the page's, whose allocate() then says why the file cannot load.
export function moduleForSize(size, options = {}) {
  if (!(size > MAX_BLOCK_BYTES || testing.forceMemory64) || !memory64Supported()) return loadModule(options);
  memory64Promise ??= loadMemory64Module(options).then((module) => tagged(module, 'memory64'));
  memory64Promise.catch(() => { memory64Promise = undefined; });  // a failed load is tried again next time
  return memory64Promise;
}

// 'single', 'threads' or 'memory64': the build a module from this file is.
export function variantOf(module) {
  return variants.get(module);
}

// For tests only: { forceMemory64: true } makes moduleForSize() pick the Memory64 build for any
// file (where the engine has Memory64), so that a small model can be checked on it.
export const testing = { forceMemory64: false };

function tagged(module, name) {
  variants.set(module, name);
  return module;
}

function threadsCanRun() {
  const inWorker = typeof WorkerGlobalScope === 'function' && globalThis instanceof WorkerGlobalScope;
  return !isNode && inWorker && globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';
}
