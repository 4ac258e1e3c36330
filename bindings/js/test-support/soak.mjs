// Soak: load, generate, unload, over and over, watching memory (the wasm heap and the bytes in use
// in it; Node's JS heap and RSS, which move with the garbage collector). Every third generation is aborted
// part way, so that cancelled ones are soaked too. Returns the memory after the first cycle (when
// lazily built tables exist) and after the last: a leak shows as growth between them.
//   node bindings/js/test-support/soak.mjs [CYCLES]   (scripts/soak.sh: 1000 cycles)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Chord } from '../src/index.js';

const defaultModel = fileURLToPath(new URL('../../../models/stories260K-f32.gguf', import.meta.url));

async function cycle(bytes, i) {
  const model = await Chord.load(bytes, { contextLength: 128 });
  const controller = new AbortController();
  let tokens = 0;
  const options = { maxTokens: 24, seed: i, signal: controller.signal };
  for await (const _ of model.generate('Once upon a time', options)) {
    if (++tokens === 6 && i % 3 === 2) controller.abort();
  }
  const { finishReason } = model.lastResult();
  await model.unload();
  return finishReason;
}

async function snapshot() {
  globalThis.gc?.(); // with --expose-gc: RSS without the garbage of the cycles
  const usage = await Chord.memoryUsage();
  const node = process.memoryUsage();
  return { heapBytes: usage.heapBytes, allocatedBytes: usage.allocatedBytes, jsHeapBytes: node.heapUsed, rssBytes: node.rss };
}

export async function soak(cycles, modelPath = defaultModel) {
  const bytes = new Uint8Array(readFileSync(modelPath));
  const reasons = {};
  const started = performance.now();
  let first;
  for (let i = 0; i < cycles; i++) {
    const reason = await cycle(bytes, i);
    reasons[reason] = (reasons[reason] ?? 0) + 1;
    if (i === 0) first = await snapshot();
  }
  return { cycles, first, last: await snapshot(), finishReasons: reasons, seconds: (performance.now() - started) / 1000 };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const cycles = Number(process.argv[2] ?? 1000);
  const r = await soak(cycles, process.argv[3]);
  const mb = (b) => (b < 2 ** 20 ? `${b} bytes` : `${(b / 2 ** 20).toFixed(2)} MiB`);
  console.log(`${r.cycles} load/generate/unload cycles in ${r.seconds.toFixed(1)} s (finish reasons ${JSON.stringify(r.finishReasons)})`);
  for (const key of ['heapBytes', 'allocatedBytes', 'jsHeapBytes', 'rssBytes']) {
    console.log(`  ${key.padEnd(15)} after cycle 1: ${mb(r.first[key]).padStart(11)}   after cycle ${r.cycles}: ${mb(r.last[key]).padStart(11)}`);
  }
}
