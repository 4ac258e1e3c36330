// The package's prebuilt browser files, for pages without a bundler (a CDN, a static folder):
// dist/wasm-chord.js (src/index.js with comlink inside) and dist/worker.js (its Web Worker).
// Both sit one folder below the package as src/ does, so each `new URL('../dist/...',
// import.meta.url)` and the external wasm glue import (../dist/single/chord.js) find the same files.
import { build } from 'esbuild';

const common = {
  bundle: true, format: 'esm', platform: 'browser', target: 'es2022', logLevel: 'warning',
  external: ['../dist/*'], // the Emscripten modules stay files of their own, beside their wasm
};
await Promise.all([
  build({ ...common, entryPoints: ['src/index.js'], outfile: 'dist/wasm-chord.js' }),
  build({ ...common, entryPoints: ['src/worker.js'], outfile: 'dist/worker.js' }),
]);
