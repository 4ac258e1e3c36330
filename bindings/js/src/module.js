// Loads the WebAssembly module once per page, worker or Node process: the threaded build where
// the page is cross-origin isolated (SharedArrayBuffer), the single-threaded one elsewhere.

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string' && typeof window === 'undefined';
const variant = !isNode && globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function' ? 'threads' : 'single';

let modulePromise;

export function loadModule() {
  modulePromise ??= (async () => {
    const { default: createChordModule } =
      variant === 'threads' ? await import('../dist/threads/chord.js') : await import('../dist/single/chord.js');
    const options = {};
    if (isNode) {
      // In Node the module runs as in a worker-less page: hand it the wasm bytes directly.
      const { readFile } = await import('node:fs/promises');
      options.wasmBinary = await readFile(new URL('../dist/single/chord.wasm', import.meta.url));
    }
    return createChordModule(options);
  })();
  return modulePromise;
}

export { isNode, variant };
