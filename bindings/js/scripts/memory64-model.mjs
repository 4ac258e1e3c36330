// A model file beyond 4 GiB on the CPU, in headless Chromium: test-support/memory64.html with
// ?only=memory64, so that the loader picks the Memory64 build by the file's size alone (as a page
// would), generates a few greedy tokens and prints what it measured. Not a test (minutes, GBs):
//   chord synth --shape llama3-8b --type q4_k_m --vocab ../shared/vocab/ggml-vocab-gpt-2.gguf --vocab-size 128256 -o /tmp/8b.gguf
//   node scripts/memory64-model.mjs /tmp/8b.gguf [tokens=3] [ctx=256]
import path from 'node:path';
import { statSync } from 'node:fs';

import { runPage } from '../test-support/chromium.mjs';

const [file, tokens = '3', ctx = '256'] = process.argv.slice(2);
if (!file) throw new Error('usage: node scripts/memory64-model.mjs MODEL.gguf [tokens] [ctx]');
const started = performance.now();
const { result } = await runPage(
  `memory64.html?only=memory64&model=/big/${encodeURIComponent(path.basename(file))}&tokens=${tokens}&ctx=${ctx}`,
  { routes: { '/big/': path.dirname(path.resolve(file)) }, timeout: 3_600_000 });
const seconds = (performance.now() - started) / 1000;
if (!result.ok) throw new Error(result.error);
const m = result.memory64Build;
console.log(JSON.stringify({
  file: path.basename(file), bytes: statSync(file).size, build: m.build, backend: m.backend, kernels: m.kernels,
  tokens: m.tokens, margins: m.margins, text: m.text, timings: m.timings, decodeTokS: m.timings.predictedTokens / (m.timings.predictedMs / 1000),
  heapBytes: result.usage.heapBytes, pageSeconds: seconds,
}, null, 1));
