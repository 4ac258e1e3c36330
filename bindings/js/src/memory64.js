// The Memory64 build (dist/memory64/): one thread, 64-bit addresses, for model files beyond what
// wasm32 memory holds (4 GiB); module.js loads it only for such a file, so that other pages never
// fetch it. Its two files are assets, as the threaded build's are (threads.js): bundlers copy each
// `new URL(..., import.meta.url)` file as it is, and the module is imported from its URL at run time.
// Its _malloc and _free take and return Numbers (Emscripten converts them to the 64-bit pointers),
// which are exact up to 2^53.
import { isNode } from '#platform';
import { ChordError } from './errors.js';

// Whether this engine runs wasm with a 64-bit memory (a module of one such memory validates), in a
// browser or its workers: the build is for those alone (Emscripten's -sENVIRONMENT=web,worker).
export function memory64Supported() {
  if (isNode) return false;
  // '\0asm', version 1, a memory section (5) of 3 bytes: one memory, flags 0x04 (64-bit), minimum 1 page
  const bytes = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 3, 1, 0x04, 1]);
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

export async function loadMemory64Module({ assetBase } = {}) {
  const files = assetBase
    ? { script: new URL('memory64/chord.js', assetBase), wasm: new URL('memory64/chord.wasm', assetBase) }
    : {
      script: new URL('../dist/memory64/chord.js', import.meta.url),
      wasm: new URL('../dist/memory64/chord.wasm', import.meta.url),
    };
  let createMemory64Module;
  try {
    ({ default: createMemory64Module } = await import(/* @vite-ignore */ /* webpackIgnore: true */ files.script.href));
  } catch (error) {
    throw new ChordError(`a model file beyond 4 GiB needs the package's Memory64 build, which did not load from ` +
      `${files.script.href} (it is built by the wasm64 preset): ${error.message}`, 'unsupported', { cause: error });
  }
  return createMemory64Module({ locateFile: (file) => (file.endsWith('.wasm') ? files.wasm.href : new URL(file, files.script).href) });
}
