// Loads the WebAssembly module once per page, worker or Node process.
import createChordModule from '../dist/single/chord.js';

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string' && typeof window === 'undefined';

let modulePromise;

export function loadModule() {
  modulePromise ??= (async () => {
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

export { isNode };
