// The package in headless Chromium (Debian's /usr/bin/chromium via playwright-core), on the main
// thread and in a worker: golden tokens, progress events, aborting a generation and a load. The
// page is served cross-origin isolated, so the threaded build is the one under test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { sharedPath } from '../test-support/shared.mjs';

const { serve } = await import(sharedPath('peer', 'serve.mjs')); // static server with COOP/COEP headers
const golden = JSON.parse(readFileSync(sharedPath('golden', 'stories260K-f32.json'), 'utf8')).cases[0];
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const pagesDir = fileURLToPath(new URL('../test-support/', import.meta.url));

async function runPage(where) {
  const server = await serve({ '/pkg/': packageDir, '/models/': sharedPath('models'), '/': pagesDir });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/browser.html?where=${where}`);
    const handle = await page.waitForFunction(() => window.__result, null, { timeout: 60000 });
    return await handle.jsonValue();
  } finally {
    await browser.close();
    server.close();
  }
}

for (const where of ['main', 'worker']) {
  test(`in Chromium, ${where === 'main' ? 'on the main thread' : 'in a worker'}`, async () => {
    const r = await runPage(where);
    assert.ok(r.ok, r.error);
    assert.equal(r.isolated, true);
    assert.equal(r.build, 'threads');
    assert.deepEqual(r.tokens, golden.steps.map((s) => s.token));
    assert.equal(r.text, golden.text);
    assert.ok(r.events.length >= 1);
    for (let i = 1; i < r.events.length; i++) assert.ok(r.events[i].loaded > r.events[i - 1].loaded);
    const last = r.events.at(-1);
    assert.equal(last.loaded, last.total);
    assert.ok(r.chunks <= 5, `aborted after ${r.chunks} chunks`);
    assert.deepEqual(r.afterAbort, r.tokens);
    assert.equal(r.loadAbort, 'AbortError');
  });
}
