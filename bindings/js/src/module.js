// Loads the WebAssembly module once per page, worker or Node process. The single-threaded build
// is a static import (bundlers bundle it and copy its chord.wasm); the threaded build (threads.js)
// runs in workers of a cross-origin isolated page (loadInWorker's, or a program's own), never on a
// page's main thread: its pthreads block while they wait, which the main thread must never do.
import createSingleModule from '../dist/single/chord.js';
import { isNode, moduleOptions } from '#platform';
import { loadThreadsModule } from './threads.js';

let modulePromise;

// Which build loadModule() loads (or loaded): 'single' or 'threads'.
export let variant = 'single';

// options: { assetBase } (see LoadOptions); only the first call's count.
export function loadModule(options = {}) {
  modulePromise ??= (async () => {
    if (threadsCanRun()) {
      variant = 'threads';
      return loadThreadsModule(options);
    }
    return createSingleModule(await moduleOptions(options));
  })();
  return modulePromise;
}

function threadsCanRun() {
  const inWorker = typeof WorkerGlobalScope === 'function' && globalThis instanceof WorkerGlobalScope;
  return !isNode && inWorker && globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';
}
