// Writes web-demo/dist/: the demo as a folder any static host serves as it is (GitHub Pages style,
// no custom headers): the page, the package's prebuilt browser build (wasm-chord/: its
// dist/wasm-chord.js, worker and wasm modules, where the package has them), the bundled stories model (models/) and
// coi-serviceworker, which makes the page cross-origin isolated so that the threaded build runs.
//   node web-demo/build.mjs   (after the wasm builds and `npm run build` in bindings/js)
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = (relative) => fileURLToPath(new URL(relative, import.meta.url));
const PACKAGE_FILES = ['wasm-chord.js', 'worker.js', 'single/chord.js', 'single/chord.wasm',
  'threads/chord.js', 'threads/chord.wasm', 'threads/chord.worker.js'];

export function buildDemo(out = here('./dist/')) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const file of ['index.html', 'app.js', 'saved-chat.js', 'tools.js', 'style.css']) cpSync(here(file), `${out}/${file}`);
  for (const file of PACKAGE_FILES) {
    const from = here(`../bindings/js/dist/${file}`);
    if (!existsSync(from)) throw new Error(`${from} is missing: build the wasm modules and run \`npm run build\` in bindings/js first`);
    cpSync(from, `${out}/wasm-chord/dist/${file}`); // dist/: the package's own layout
  }
  cpSync(here('../models/stories260K-f32.gguf'), `${out}/models/stories260K-f32.gguf`);
  cpSync(here('../bindings/js/node_modules/coi-serviceworker/coi-serviceworker.min.js'), `${out}/coi-serviceworker.js`);
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(`the demo is in ${buildDemo()}`);
