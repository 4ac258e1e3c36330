// Downloads that break off part-way resume where they stopped (HTTP Range, If-Range with the file's
// ETag) instead of starting over; a server that cannot resume, or a connection that keeps dropping
// at the same byte, ends the load with a ChordError 'network' (never a hang or a wrong model).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import { Chord, ChordError } from '../src/index.js';
import { sharedPath } from '../test-support/shared.mjs';

const model = readFileSync(sharedPath('models', 'stories260K-f32.gguf'));
const golden = JSON.parse(readFileSync(sharedPath('golden', 'stories260K-f32.json'), 'utf8')).cases[0];
const ETAG = '"stories-1"';

// Serves the model at /m.gguf. cutAt(i) says after how many bytes the i-th response's connection is
// destroyed (undefined: sent whole); `ranges: false` makes it a server that ignores Range.
async function droppingServer({ cutAt, ranges = true }) {
  const requests = [];
  const server = createServer((req, res) => {
    const i = requests.length;
    requests.push({ range: req.headers.range, ifRange: req.headers['if-range'] });
    const range = ranges && /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const body = model.subarray(start);
    res.writeHead(range ? 206 : 200, {
      'content-length': body.length, etag: ETAG, 'accept-ranges': ranges ? 'bytes' : 'none',
      ...(range ? { 'content-range': `bytes ${start}-${model.length - 1}/${model.length}` } : {}),
    });
    const cut = cutAt(i);
    if (cut === undefined) return res.end(body);
    res.write(body.subarray(0, cut), () => setTimeout(() => res.socket.destroy(), 20));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/m.gguf`, requests, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

test('a download cut twice resumes from where it stopped and loads the same model', async () => {
  const server = await droppingServer({ cutAt: (i) => (i < 2 ? 300_000 : undefined) });
  try {
    const events = [];
    const m = await Chord.load(server.url, { onProgress: (e) => events.push(e) });
    const r = await m.complete(golden.prompt, { maxTokens: golden.steps.length, temperature: 0 });
    assert.equal(r.text, golden.text);
    await m.unload();
    assert.deepEqual(server.requests, [
      { range: undefined, ifRange: undefined },
      { range: 'bytes=300000-', ifRange: ETAG },
      { range: 'bytes=600000-', ifRange: ETAG },
    ]);
    for (let i = 1; i < events.length; i++) assert.ok(events[i].loaded > events[i - 1].loaded, 'progress never goes back');
    assert.deepEqual(events.at(-1), { loaded: model.length, total: model.length });
  } finally {
    await server.close();
  }
});

test('a server that cannot resume (no Range) fails the load as network, with the cause', async () => {
  const server = await droppingServer({ cutAt: (i) => (i === 0 ? 300_000 : undefined), ranges: false });
  try {
    await assert.rejects(Chord.load(server.url), (e) => e instanceof ChordError && e.code === 'network' &&
      /broke off at byte 300000/.test(e.message) && /HTTP 200/.test(e.message) && e.cause !== undefined);
    assert.equal(server.requests.length, 2);
  } finally {
    await server.close();
  }
});

test('a connection that drops at the same byte every time gives up after a few tries', async () => {
  const server = await droppingServer({ cutAt: (i) => (i === 0 ? 300_000 : 0) });
  try {
    await assert.rejects(Chord.load(server.url), (e) => e instanceof ChordError && e.code === 'network' && /byte 300000/.test(e.message));
    assert.equal(server.requests.length, 1 + 5);
  } finally {
    await server.close();
  }
});
