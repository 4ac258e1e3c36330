// The packed tarball, installed into an empty directory, works from Node as a user gets it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { sharedPath } from '../test-support/shared.mjs';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

test('npm pack installs into a fresh directory and generates', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wasm-chord-pack-'));
  try {
    const npm = (...args) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, encoding: 'utf8' });
    const tarball = execFileSync('npm', ['pack', '--pack-destination', dir, '--loglevel=error'], { cwd: packageDir, encoding: 'utf8' }).trim().split('\n').at(-1);
    const listing = execFileSync('tar', ['-tzf', path.join(dir, tarball)], { encoding: 'utf8' });
    for (const file of ['package/dist/single/chord.wasm', 'package/dist/threads/chord.wasm', 'package/dist/worker.js', 'package/src/index.js', 'package/index.d.ts'])
      assert.ok(listing.includes(file), `${file} is in the tarball`);
    assert.ok(!listing.includes('package/test/'), 'tests stay out of the tarball');
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'user-app', private: true, type: 'module' }));
    npm('install', path.join(dir, tarball));
    writeFileSync(path.join(dir, 'main.mjs'), `
      import { Chord } from 'wasm-chord';
      const model = await Chord.load(${JSON.stringify(sharedPath('models', 'stories260K-f32.gguf'))});
      const r = await model.complete('Once upon a time', { maxTokens: 8, temperature: 0 });
      console.log(JSON.stringify(r.text));
      await model.unload();
    `);
    const out = execFileSync('node', ['main.mjs'], { cwd: dir, encoding: 'utf8' });
    assert.equal(out.trim(), JSON.stringify(', there was a little girl'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
