// Loads the bundled stories model with wasm-chord and continues the prompt, greedily.
// ?worker: the model runs in a Web Worker (Chord.loadInWorker), else on the page's thread.
import { Chord } from 'wasm-chord';

const modelUrl = new URL('../../models/stories260K-f32.gguf', import.meta.url); // the bundler copies it
const inWorker = new URLSearchParams(location.search).has('worker');
const $ = (id) => document.getElementById(id);

async function main() {
  const model = await (inWorker ? Chord.loadInWorker : Chord.load)(modelUrl.href);
  $('status').textContent = `Ready: the ${model.info.build} build on the ${model.info.backend}${inWorker ? ', in a worker' : ''}.`;
  $('generate').disabled = false;
  $('form').addEventListener('submit', async (event) => {
    event.preventDefault();
    $('generate').disabled = true;
    $('output').textContent = '';
    const options = { maxTokens: Number($('max-tokens').value), temperature: 0 };
    for await (const { text } of model.generate($('prompt').value, options)) $('output').textContent += text;
    $('generate').disabled = false;
  });
}

main().catch((error) => { $('status').textContent = `Failed: ${error.code ?? error.name}: ${error.message}`; });
