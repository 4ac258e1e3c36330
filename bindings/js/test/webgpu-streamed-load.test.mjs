// WebGPU loads stream the weights from the source into GPU buffers (weight-stream.js,
// weight_stream.hpp): from a path, a Blob, bytes, a split set and a URL (cached as it passes,
// resumed where a download drops), the model gives the CPU's tokens; a truncated file fails as
// 'truncated' and leaves nothing allocated; and the wasm heap never holds the weights: a model of
// 144 MB loads with the heap's allocated bytes growing by less than 64 MB. Dawn in Node on
// SwiftShader, as webgpu.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create, globals } from 'webgpu';

import { Chord, ChordError } from '../src/index.js';
import { MemoryCache } from '../test-support/memory-cache.mjs';
import { sharedPath } from '../test-support/shared.mjs';
import { chordCli, splitModel } from '../test-support/split.mjs';

process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.XDG_RUNTIME_DIR ??= '/tmp';
Object.assign(globalThis, globals);
globalThis.navigator = { gpu: create([]) };

const storiesPath = sharedPath('models', 'stories260K-f32.gguf');
const greedy = { maxTokens: 6, temperature: 0 };

async function tokensOf(source, options) {
  const model = await Chord.load(source, options);
  try {
    return { tokens: (await model.complete('Once upon a time', greedy)).tokens, info: model.info };
  } finally {
    await model.unload();
  }
}

// Serves `bytes` at /m.gguf with an ETag and Range; the first response's connection drops after
// `cutAt` bytes where given.
async function server(bytes, { cutAt } = {}) {
  let requests = 0;
  const s = createServer((req, res) => {
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const body = bytes.subarray(start);
    res.writeHead(range ? 206 : 200, { 'content-length': body.length, etag: '"m"',
      ...(range ? { 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` } : {}) });
    if (req.method === 'HEAD') return res.end();
    if (requests++ === 0 && cutAt !== undefined) return res.write(body.subarray(0, cutAt), () => setTimeout(() => res.socket.destroy(), 20));
    res.end(body);
  });
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${s.address().port}/m.gguf`, requests: () => requests,
    close: () => new Promise((r) => { s.closeAllConnections(); s.close(r); }) };
}

test('a WebGPU load from a path, a Blob, bytes or a split set streams the weights and gives the CPU\'s tokens', async () => {
  for (const name of ['stories260K-f32', 'synth-llama-q3_k']) {  // q3_k: rows of 110 bytes, cut in pairs
    const file = sharedPath('models', `${name}.gguf`);
    const bytes = new Uint8Array(readFileSync(file));
    const expected = (await tokensOf(file, { backend: 'cpu' })).tokens;
    for (const [how, source] of [['path', file], ['Blob', new Blob([bytes])], ['bytes', bytes.slice()]]) {
      const { tokens, info } = await tokensOf(source, { backend: 'webgpu' });
      assert.equal(info.backend, 'webgpu', `${name} from ${how}`);
      assert.deepEqual(tokens, expected, `${name} from ${how}`);
    }
  }
  const parts = splitModel(storiesPath, 20);  // the stories model is quick on SwiftShader
  const expected = (await tokensOf(parts, { backend: 'cpu' })).tokens;
  for (const source of [parts, parts.map((p) => new Uint8Array(readFileSync(p)))]) {
    const { tokens, info } = await tokensOf(source, { backend: 'webgpu' });
    assert.equal(info.files, parts.length);
    assert.deepEqual(tokens, expected);
  }
});

test('a WebGPU load from a URL is cached as it streams, then loads from the cache; a dropped download resumes', async () => {
  const bytes = new Uint8Array(readFileSync(storiesPath));
  const expected = (await tokensOf(storiesPath, { backend: 'cpu' })).tokens;
  const s = await server(bytes, { cutAt: 300_000 });
  const cache = new MemoryCache();
  try {
    const first = await tokensOf(s.url, { backend: 'webgpu', cache });
    assert.equal(first.info.cache, 'stored');
    assert.deepEqual(first.tokens, expected);
    assert.equal(s.requests(), 2);  // the first GET broke off; a Range request brought the rest
    assert.deepEqual(cache.entries.get(s.url).body, bytes);
    const second = await tokensOf(s.url, { backend: 'webgpu', cache });
    assert.equal(second.info.cache, 'hit');
    assert.deepEqual(second.tokens, expected);
    assert.equal(s.requests(), 2);  // from the cache: no GET
  } finally {
    await s.close();
  }
});

test('a truncated file streamed to WebGPU fails as truncated and leaves nothing allocated', async () => {
  const bytes = new Uint8Array(readFileSync(storiesPath));
  await tokensOf(bytes, { backend: 'webgpu' });  // the heap has grown to its working size
  const before = (await Chord.memoryUsage()).allocatedBytes;
  for (const cut of [100, 2000, bytes.length - 1000]) {
    await assert.rejects(Chord.load(bytes.slice(0, cut), { backend: 'webgpu' }),
      (e) => e instanceof ChordError && e.code === 'truncated', `cut at ${cut}`);
  }
  const after = (await Chord.memoryUsage()).allocatedBytes;
  assert.ok(after - before < 64 << 10, `allocated ${after - before} bytes more`);
});

// The weights never pass through the heap whole: a model far larger than the bound loads with the
// heap's allocated bytes under its state without weights + 64 MB during the load (the 16 MB staging
// area, the header), and under 8 MB once loaded.
test('a 144 MB model streams to WebGPU with the wasm heap growing by less than 64 MB', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'chord-stream-'));
  try {
    const file = path.join(dir, 'model.gguf');
    execFileSync(chordCli, ['synth', '--shape', 'dim=1024,layers=6,heads=8,kv_heads=4,ffn=2816,ctx=256', '--type', 'f16',
      '--vocab', storiesPath, '-o', file]);
    const fileBytes = statSync(file).size;
    assert.ok(fileBytes > 140e6, `${fileBytes} bytes`);
    const before = (await Chord.memoryUsage()).allocatedBytes;
    let peak = 0;
    const samples = [];
    const model = await Chord.load(file, {
      backend: 'webgpu', contextLength: 64,
      onProgress: () => samples.push(Chord.memoryUsage().then((m) => { peak = Math.max(peak, m.allocatedBytes); })),
    });
    await Promise.all(samples);
    const after = (await Chord.memoryUsage()).allocatedBytes;
    console.log(`[ measured ] streamed WebGPU load of ${(fileBytes / 1e6).toFixed(1)} MB: heap allocated +` +
      `${((peak - before) / 1e6).toFixed(1)} MB at the peak, +${((after - before) / 1e6).toFixed(1)} MB after`);
    assert.ok(samples.length > 10, `${samples.length} progress events`);
    assert.ok(peak - before < 64e6, `peak +${peak - before}`);
    assert.ok(after - before < 8e6, `after +${after - before}`);  // the staging area is given back: metadata, tokenizer, logits
    const gpu = (await model.complete('Once upon a time', { maxTokens: 4, temperature: 0 })).tokens;
    await model.unload();
    const cpu = (await tokensOf(file, { backend: 'cpu', contextLength: 64 })).tokens.slice(0, 4);
    assert.equal(gpu.length, 4);
    assert.deepEqual(gpu.slice(0, 2), cpu.slice(0, 2));  // random weights: small margins later
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The ceilings on the TinyLlama shape (Q4_0, 620 MB): the wasm heap's allocated bytes grow
// by at most the model's state outside the GPU (its headers) + 64 MB while it loads. This process
// grows by the GPU's buffers, which Dawn on SwiftShader keeps in process memory (with ~15 % of its
// own beside them here), and never by a second copy of the weights.
test('a TinyLlama-shaped Q4_0 streams to WebGPU: heap under its headers + 64 MB, no second copy of the weights', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'chord-stream-'));
  try {
    const file = path.join(dir, 'tinyllama-q4_0.gguf');
    execFileSync(chordCli, ['synth', '--shape', 'tinyllama-1.1b', '--type', 'q4_0', '--vocab', sharedPath('vocab', 'ggml-vocab-llama-spm.gguf'), '-o', file]);
    const before = (await Chord.memoryUsage()).allocatedBytes, rssBefore = process.memoryUsage().rss;
    let peak = before, rssPeak = rssBefore;
    const samples = [];
    const started = performance.now();
    const model = await Chord.load(file, {
      backend: 'webgpu', contextLength: 2048,
      onProgress: () => {
        rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
        samples.push(Chord.memoryUsage().then((m) => { peak = Math.max(peak, m.allocatedBytes); }));
      },
    });
    const ms = performance.now() - started;
    await Promise.all(samples);
    const { weights, kvCache, activations, file: headers } = model.info.memory;
    const gpuBytes = weights.bytes + kvCache.bytes + activations.bytes;
    await model.unload();
    const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
    console.log(`[ measured ] TinyLlama-shaped Q4_0 (${mb(statSync(file).size)}) streamed to WebGPU in ${ms.toFixed(0)} ms: heap allocated ` +
      `+${mb(peak - before)} at the peak (headers ${mb(headers.bytes)}); process +${mb(rssPeak - rssBefore)} for ${mb(gpuBytes)} of GPU buffers`);
    assert.equal(weights.where, 'gpu');
    assert.ok(peak - before <= headers.bytes + 64e6, `heap peak +${peak - before}`);
    assert.ok(rssPeak - rssBefore - gpuBytes < weights.bytes / 2, `process +${rssPeak - rssBefore} for ${gpuBytes} of GPU buffers`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
