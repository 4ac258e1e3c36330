// Model sources beyond one file: split models (llama.cpp's gguf-split files, as paths, URLs,
// arrays of bytes), and `cache` over HTTP: stored once, reused, refreshed when the server's file
// changes, used offline, and never left holding a file that failed to load; a streamed load that
// declines the model hands the reading to the module the CPU needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';

import { Chord, ChordError } from '../src/index.js';
import { loadModule } from '../src/module.js';
import { readModel } from '../src/sources.js';
import { MemoryCache } from '../test-support/memory-cache.mjs';
import { sharedPath } from '../test-support/shared.mjs';
import { splitModel } from '../test-support/split.mjs';

const storiesPath = sharedPath('models', 'stories260K-f32.gguf');
const storiesBytes = readFileSync(storiesPath);
const goldenTokens = JSON.parse(readFileSync(sharedPath('golden', 'stories260K-f32.json'), 'utf8')).cases[0].steps.map((s) => s.token);
const parts = splitModel(storiesPath, 20);

async function greedyTokens(model) {
  return (await model.complete('Once upon a time', { maxTokens: 16, temperature: 0 })).tokens;
}

// An HTTP server for `files` (url path -> bytes, changeable) that counts GET requests per path.
async function fileServer(files) {
  const gets = {};
  const server = createServer((req, res) => {
    const body = files[req.url];
    if (!body) return res.writeHead(404).end();
    res.writeHead(200, { 'content-length': body.length });
    if (req.method === 'HEAD') return res.end();
    gets[req.url] = (gets[req.url] ?? 0) + 1;
    res.end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${server.address().port}`, gets, close: () => new Promise((r) => server.close(r)) };
}

test('a split model loads from the path of any part, an array of paths or of bytes, and computes as the whole', async () => {
  assert.ok(parts.length >= 3, `${parts.length} parts`);
  for (const source of [parts[0], parts.at(-1), parts, parts.map((p) => new Uint8Array(readFileSync(p)))]) {
    const model = await Chord.load(source);
    assert.equal(model.info.files, parts.length);
    assert.deepEqual(await greedyTokens(model), goldenTokens);
    await model.unload();
  }
});

test('split models from URLs: progress over all parts; missing or misordered parts are clear errors', async () => {
  const files = Object.fromEntries(parts.map((p) => [`/${path.basename(p)}`, readFileSync(p)]));
  const server = await fileServer(files);
  try {
    const events = [];
    const model = await Chord.load(`${server.base}/${path.basename(parts[0])}`, { onProgress: (e) => events.push(e) });
    const total = parts.reduce((sum, p) => sum + readFileSync(p).length, 0);
    assert.ok(events.every((e) => e.total === total));
    assert.equal(events.at(-1).loaded, total);
    assert.deepEqual(await greedyTokens(model), goldenTokens);
    await model.unload();

    const reversed = [...parts].reverse().map((p) => `${server.base}/${path.basename(p)}`);
    await assert.rejects(Chord.load(reversed), (e) => e instanceof ChordError && /in order/.test(e.message));
    await assert.rejects(Chord.load(parts.slice(0, 2)), (e) => e instanceof ChordError && /split into \d+ files, but 2/.test(e.message));
    delete files[`/${path.basename(parts[1])}`];
    await assert.rejects(Chord.load(`${server.base}/${path.basename(parts[0])}`), (e) => e instanceof ChordError && e.code === 'http_status' && e.status === 404 && /HTTP 404/.test(e.message));
  } finally {
    await server.close();
  }
});

test('cache: stored once, then reused; refreshed when the file changes; used offline', async () => {
  const files = { '/stories.gguf': storiesBytes };
  const server = await fileServer(files);
  const cache = new MemoryCache();
  const url = `${server.base}/stories.gguf`;
  try {
    const first = await Chord.load(url, { cache });
    assert.equal(first.info.cache, 'stored');
    await first.unload();
    const second = await Chord.load(url, { cache });
    assert.equal(second.info.cache, 'hit');
    assert.deepEqual(await greedyTokens(second), goldenTokens);
    await second.unload();
    assert.equal(server.gets['/stories.gguf'], 1);

    // The server now has another file at that URL: the size differs, so it is downloaded again.
    const other = readFileSync(sharedPath('models', 'synth-llama-q8_0.gguf'));
    files['/stories.gguf'] = other;
    const third = await Chord.load(url, { cache });
    assert.equal(third.info.cache, 'stored');
    assert.equal(third.info.embeddingLength, 256);
    await third.unload();
    assert.equal(server.gets['/stories.gguf'], 2);
    assert.equal(cache.entries.get(url).body.length, other.length);
  } finally {
    await server.close();
  }
  const offline = await Chord.load(url, { cache }); // the server is gone
  assert.equal(offline.info.cache, 'hit');
  await offline.unload();
  assert.equal((await Chord.load(storiesPath, { cache })).info.cache, 'miss'); // a local file is not cached
});

test('cache: a file that is not a model is not kept; no OPFS or Cache API means "unavailable"; Chord.cache is empty', async () => {
  const server = await fileServer({ '/bad.gguf': storiesBytes.subarray(0, 5000), '/good.gguf': storiesBytes });
  const cache = new MemoryCache();
  try {
    await assert.rejects(Chord.load(`${server.base}/bad.gguf`, { cache }), (e) => e.code === 'truncated');
    assert.equal(cache.entries.size, 0);
    const model = await Chord.load(`${server.base}/good.gguf`, { cache: true });
    assert.equal(model.info.cache, 'unavailable');
    assert.equal(model.info.cacheWhere, null);
    assert.equal(model.info.files, 1);
    assert.deepEqual(await Chord.cache.list(), []);
    assert.equal(await Chord.cache.has(`${server.base}/good.gguf`), false);
    await model.unload();
  } finally {
    await server.close();
  }
});

test('load options are checked', async () => {
  await assert.rejects(Chord.load(storiesPath, { backend: 'tpu' }), (e) => e.code === 'invalid_argument' && /backend/.test(e.message));
  // Node has no navigator.gpu (test/webgpu.test.mjs gives it one): WebGPU asked for is an error,
  // 'auto' falls back to the CPU and says why.
  await assert.rejects(Chord.load(storiesPath, { backend: 'webgpu' }),
    (e) => e.code === 'unsupported' && /navigator\.gpu/.test(e.message));
  await assert.rejects(Chord.load(storiesPath, { threads: 0 }), (e) => e.code === 'invalid_argument');
  await assert.rejects(Chord.load(storiesPath, { cache: 'indexeddb' }), (e) => e.code === 'invalid_argument' && /cache/.test(e.message));
  await assert.rejects(Chord.load(storiesPath, { assetBase: 42 }), (e) => e.code === 'invalid_argument' && /assetBase/.test(e.message));
  await assert.rejects(Chord.load([]), TypeError);
  const model = await Chord.load(storiesPath, { backend: 'cpu', threads: 1 });
  assert.equal(model.info.backend, 'cpu');
  assert.equal(model.info.backendReason, 'asked for');
  await model.unload();
  const auto = await Chord.load(storiesPath);
  assert.equal(auto.info.backend, 'cpu');
  assert.match(auto.info.backendReason, /no WebGPU/);
  await auto.unload();
});

test('Node: file: URLs and URL objects are paths; a Windows-style path is a path, not a URL scheme', async () => {
  const { pathToFileURL } = await import('node:url');
  const url = pathToFileURL(storiesPath);
  for (const source of [url, url.href]) {
    const model = await Chord.load(source);
    try {
      assert.deepEqual(await greedyTokens(model), goldenTokens);
    } finally {
      await model.unload();
    }
  }
  // `C:\...` names a file (absent here), not a URL of scheme "c"
  await assert.rejects(Chord.load('C:\\models\\absent.gguf'), (e) => e instanceof ChordError && e.code === 'not_found');
  await assert.rejects(Chord.load('C:/models/absent.gguf'), (e) => e instanceof ChordError && e.code === 'not_found');
});

test('download failures are ChordErrors a program can switch on: http_status (with the status), network', async () => {
  const server = await fileServer({});
  try {
    await assert.rejects(Chord.load(`${server.base}/missing.gguf`), (e) => e instanceof ChordError && e.code === 'http_status' && e.status === 404);
  } finally {
    await server.close();
  }
  // the server is gone: nothing listens there any more
  await assert.rejects(Chord.load(`${server.base}/missing.gguf`), (e) => e instanceof ChordError && e.code === 'network' && e.cause !== undefined);
});

test('a streamed load that declines the model (it does not fit the GPU) reads it with the module the CPU needs', async () => {
  const page = await loadModule();
  // The module for the CPU: the page's, seen through a proxy that counts its allocations (in a
  // browser, for a file beyond 4 GiB, the Memory64 module where WebGPU took the page's).
  let cpuAllocations = 0;
  const forCpu = new Proxy(page, {
    get: (m, key) => (key === '_malloc' ? (bytes) => (cpuAllocations++, m._malloc(bytes)) : m[key]),
  });
  const asked = [];
  const moduleFor = async (size, options) => {
    asked.push([size, options]);
    return options?.cpu ? forCpu : page;
  };
  const loaded = await readModel(moduleFor, storiesPath, { streamInto: () => async () => null });
  try {
    assert.deepEqual(asked, [[storiesBytes.length, undefined], [storiesBytes.length, { cpu: true }]]);
    assert.equal(loaded.module, forCpu);
    assert.equal(cpuAllocations, 1);
    assert.equal(loaded.blocks.length, 1);
    const { address, size } = loaded.blocks[0];
    assert.ok(Buffer.from(page.HEAPU8.subarray(address, address + size)).equals(storiesBytes));
  } finally {
    for (const block of loaded.blocks) page._free(block.address);
  }
});
