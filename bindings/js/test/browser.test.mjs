// The package in headless Chromium (Debian's /usr/bin/chromium via playwright-core), on the main
// thread and in a worker, on the CPU and on WebGPU: golden tokens, progress events, aborting a
// generation and a load. The page is served cross-origin isolated, so the threaded build is the one
// under test. Then caching and
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
    assert.equal(r.build, 'threads');
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

test('in Chromium: cache: true keeps the model in the Cache API (page and worker), and split files load from URLs', async () => {
  const parts = splitModel(sharedPath('models', 'stories260K-f32.gguf'), 20);
  const first = path.basename(parts[0]);
  const { result: r, requests } = await runPage(`cache.html?split=/split/${first}`, { routes: { '/split/': path.dirname(parts[0]) } });
  assert.ok(r.ok, r.error);
  assert.deepEqual(r.statuses, ['stored', 'hit', 'hit']);
  for (const tokens of r.tokens) assert.deepEqual(tokens, golden.steps.map((s) => s.token));
  const downloads = requests.filter((q) => q.method === 'GET' && q.url === '/models/stories260K-f32.gguf');
  assert.equal(downloads.length, 1, 'the model was downloaded once');
  assert.equal(r.deleted, true);
  assert.equal(r.splitFiles, parts.length);
  const splitDownloads = requests.filter((q) => q.method === 'GET' && q.url.startsWith('/split/'));
  assert.equal(splitDownloads.length, parts.length);
});
