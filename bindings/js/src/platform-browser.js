// What differs in browsers and their workers (package.json "imports": #platform, every condition
// but `node`): no file paths, the wasm file beside the module (bundlers see its
// `new URL(..., import.meta.url)` and copy it), Web Workers.
import * as Comlink from 'comlink';

export const isNode = false;

// Emscripten's options for the single-threaded build; with `assetBase` (the URL of the package's
// dist/ folder, for CDNs and setups that move the files) the wasm comes from there.
export async function moduleOptions({ assetBase } = {}) {
  return assetBase ? { locateFile: (file) => new URL(`single/${file}`, assetBase).href } : {};
}

export function filePath() {
  return null;
}

export function openFile() {
  throw new Error('file paths are for Node; in a browser, pass a URL, File or Blob');
}

// The model's worker, a module worker. Bundlers see `new Worker(new URL('./worker.js',
// import.meta.url))` and bundle src/worker.js as a worker of its own; in the package's prebuilt
// browser build (dist/wasm-chord.js) the same line finds dist/worker.js. No other `new URL(...,
// import.meta.url)` may name the script: bundlers would copy the raw file as an asset (and webpack
// makes import.meta.url a file: URL outside that pattern).
export function startWorker(workerUrl) {
  let worker;
  if (workerUrl !== undefined) {
    worker = moduleWorker(new URL(workerUrl, globalThis.location?.href));
  } else {
    try {
      worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    } catch (error) {
      // The prebuilt build served from another origin (a CDN): its script cannot be a worker itself.
      if (error?.name !== 'SecurityError') throw error;
      const packageScript = import.meta.url;
      worker = moduleWorker(new URL('./worker.js', packageScript));
    }
  }
  return { worker, endpoint: worker };
}

// A script of another origin starts through a same-origin blob module that imports it.
function moduleWorker(url) {
  const local = url.protocol === 'blob:' || url.protocol === 'data:' || url.origin === globalThis.location?.origin;
  const script = local ? url : URL.createObjectURL(new Blob([`import ${JSON.stringify(url.href)};`], { type: 'text/javascript' }));
  return new Worker(script, { type: 'module' });
}

export function onWorkerFailure(worker, fail) {
  worker.addEventListener('error', (event) => { event.preventDefault?.(); fail(event.message || 'its script failed to load'); }, { once: true });
}

export function exposeToParent(api) {
  Comlink.expose(api);
}
