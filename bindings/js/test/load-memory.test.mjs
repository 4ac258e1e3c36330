// Loading never holds two copies of the model: the peak resident memory a load adds stays within
// 1.2 × the file, read from a path and downloaded over HTTP. The benchmark's TinyLlama-shaped Q4_0
// model (620 MB, random weights, written by the native CLI's `chord synth`), measured in a fresh Node
// process each time. (Node's HTTP client leaves some 30 MB of garbage behind whatever the size, so a
// small file would measure that rather than the loader.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { sharedPath } from '../test-support/shared.mjs';
import { chordCli } from '../test-support/split.mjs';

const MAX_RATIO = 1.2;
const measure = fileURLToPath(new URL('../test-support/load-memory.mjs', import.meta.url));

test('peak memory while loading stays within 1.2 × the file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'chord-memory-'));
  try {
    const model = path.join(dir, 'model.gguf');
    execFileSync(chordCli, ['synth', '--shape', 'tinyllama-1.1b', '--type', 'q4_0',
      '--vocab', sharedPath('vocab', 'ggml-vocab-llama-spm.gguf'), '-o', model]);
    for (const how of ['path', 'url']) {
      const r = JSON.parse(execFileSync(process.execPath, ['--expose-gc', measure, model, how], { encoding: 'utf8' }));
      console.log(`[ measured ] load from ${how}: file ${(r.fileBytes / 1e6).toFixed(1)} MB, peak memory growth ` +
        `${(r.peakGrowth / 1e6).toFixed(1)} MB (${r.ratio} × the file)`);
      assert.ok(r.ratio <= MAX_RATIO, `${how}: ${r.ratio} × the file`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// _malloc takes a 32-bit size: before the check, a 5 GiB file asked for 1 GiB (the size wrapped)
// and the download was then written past the end of that block.
test('a file larger than wasm32 memory is out_of_memory before anything is allocated', async () => {
  const { Chord, ChordError } = await import('../src/index.js');
  const { allocate } = await import('../src/sources.js');
  const asked = [];
  const fakeModule = { _malloc: (n) => { asked.push(n); return 64; }, HEAPU8: new Uint8Array(128) };
  for (const size of [2 ** 32, 5 * 2 ** 30, 2 ** 40]) {
    assert.throws(() => allocate(fakeModule, size), (e) => e instanceof ChordError && e.code === 'out_of_memory' && /4 GiB/.test(e.message));
  }
  assert.deepEqual(asked, []);
  assert.equal(allocate(fakeModule, 3 * 2 ** 30), 64);  // under the bound: _malloc is asked, with the size itself
  assert.deepEqual(asked, [3 * 2 ** 30]);

  // Through Chord.load: a Blob whose size says 5 GiB.
  class HugeBlob extends Blob {
    get size() { return 5 * 2 ** 30; }
  }
  await assert.rejects(Chord.load(new HugeBlob([new Uint8Array(1024)])),
    (e) => e instanceof ChordError && e.code === 'out_of_memory' && /4 GiB/.test(e.message));
});
