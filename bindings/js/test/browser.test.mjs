// The package in headless Chromium (Debian's /usr/bin/chromium via playwright-core), on the main
// thread and in a worker, on the CPU and on WebGPU: golden tokens, progress events, aborting a
// generation and a load. The page is served cross-origin isolated and uses the prebuilt browser
// build (dist/wasm-chord.js): the threaded build runs in the worker, the single-threaded one on the
// main thread (whose pthreads would block it). Then caching and
// split files with the browser's own Cache API and fetch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { runPage } from '../test-support/chromium.mjs';
import { sharedPath } from '../test-support/shared.mjs';
import { splitModel } from '../test-support/split.mjs';

const golden = JSON.parse(readFileSync(sharedPath('golden', 'stories260K-f32.json'), 'utf8')).cases[0];

// Without a GPU (the CPU backend), and with Chromium's SwiftShader WebGPU adapter ('auto' takes it).
for (const [where, webgpu] of [['main', false], ['worker', false], ['main', true], ['worker', true]]) {
  test(`in Chromium, ${where === 'main' ? 'on the main thread' : 'in a worker'}${webgpu ? ', on WebGPU' : ''}`, async () => {
    const { result: r } = await runPage(`browser.html?where=${where}`, { webgpu });
    assert.ok(r.ok, r.error);
    assert.equal(r.isolated, true);
    assert.equal(r.build, where === 'worker' ? 'threads' : 'single');
    assert.equal(r.backend, webgpu ? 'webgpu' : 'cpu');
    assert.deepEqual(r.tokens, golden.steps.map((s) => s.token));
    assert.equal(r.text, golden.text);
    assert.ok(r.events.length >= 1);
    for (let i = 1; i < r.events.length; i++) assert.ok(r.events[i].loaded > r.events[i - 1].loaded);
    const last = r.events.at(-1);
    assert.equal(last.loaded, last.total);
    assert.ok(r.chunks <= 5, `aborted after ${r.chunks} chunks`);
    assert.deepEqual(r.afterAbort, r.tokens);
    assert.equal(r.loadAbort, 'AbortError');
    assert.equal(r.badFile, 'ChordError not_gguf');
  });
}

test('in Chromium, a download that breaks off resumes with a Range request (main thread and worker)', async () => {
  for (const where of ['main', 'worker']) {
    const { result: r, requests } = await runPage(`browser.html?where=${where}`, { drops: { '/models/stories260K-f32.gguf': 400_000 } });
    assert.ok(r.ok, r.error);
    assert.deepEqual(r.tokens, golden.steps.map((s) => s.token));
    const gets = requests.filter((q) => q.method === 'GET' && q.url === '/models/stories260K-f32.gguf');
    assert.deepEqual(gets.map((q) => q.range), [undefined, 'bytes=400000-']);
    for (let i = 1; i < r.events.length; i++) assert.ok(r.events[i].loaded > r.events[i - 1].loaded);
    assert.equal(r.events.at(-1).loaded, r.events.at(-1).total);
  }
});

test('in Chromium, assetBase: the wasm modules come from there (main thread: single, worker: threads)', async () => {
  const dist = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'dist');
  for (const [where, files] of [['main', ['single/chord.wasm']], ['worker', ['threads/chord.js', 'threads/chord.wasm', 'threads/chord.worker.js']]]) {
    const { result: r, requests } = await runPage(`browser.html?where=${where}&assetBase=/elsewhere/`, { routes: { '/elsewhere/': dist } });
    assert.ok(r.ok, r.error);
    assert.deepEqual(r.tokens, golden.steps.map((s) => s.token));
    // Up to the model's download (the page's later loads, in new workers, are without assetBase).
    const first = requests.slice(0, requests.findIndex((q) => q.url === '/models/stories260K-f32.gguf'));
    const fetched = first.filter((q) => q.url.startsWith('/elsewhere/')).map((q) => q.url.slice('/elsewhere/'.length));
    assert.deepEqual([...new Set(fetched)].sort(), files);
    assert.ok(!first.some((q) => q.url.endsWith('.wasm') && !q.url.startsWith('/elsewhere/')), JSON.stringify(first));
  }
});

test('in Chromium: cache: true keeps the model in OPFS (page and worker), \'cache-api\' in the Cache API, Chord.cache manages both; split files load from URLs', async () => {
  const parts = splitModel(sharedPath('models', 'stories260K-f32.gguf'), 20);
  const first = path.basename(parts[0]);
  const { result: r, requests, url: base } = await runPage(`cache.html?split=/split/${first}`, { routes: { '/split/': path.dirname(parts[0]) } });
  assert.ok(r.ok, r.error);
  assert.deepEqual(r.statuses, ['stored', 'hit', 'hit', 'stored', 'hit']);
  assert.deepEqual(r.wheres, ['opfs', 'opfs', 'opfs', 'cache-api', 'cache-api']);
  for (const tokens of r.tokens) assert.deepEqual(tokens, golden.steps.map((s) => s.token));
  const size = readFileSync(sharedPath('models', 'stories260K-f32.gguf')).length;
  assert.deepEqual(r.listed, [{ url: `${base}/models/stories260K-f32.gguf`, size, where: 'opfs' }]);
  assert.deepEqual(r.listedBoth, ['cache-api', 'opfs']);
  assert.equal(r.sizeBoth, 2 * size);
  assert.deepEqual([r.has, r.deleted, r.hasAfter, r.deletedAgain], [true, true, false, false]);
  assert.deepEqual([r.beforeClear, r.afterClear], [1, 0]);
  const downloads = requests.filter((q) => q.method === 'GET' && q.url === '/models/stories260K-f32.gguf');
  assert.equal(downloads.length, 3, 'downloaded once for OPFS, once for the Cache API, once after the delete');
  assert.equal(r.splitFiles, parts.length);
  const splitDownloads = requests.filter((q) => q.method === 'GET' && q.url.startsWith('/split/'));
  assert.equal(splitDownloads.length, parts.length);
});
