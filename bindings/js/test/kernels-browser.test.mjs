// The wasm build's fast kernels against the reference kernels in headless Chromium, whose engine
// has relaxed SIMD: tests/wasm/kernels_test.cpp on the relaxed-SIMD kernels (the test command runs
// it under Node too, where the SIMD128 kernels run). Every quantized shared model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { runPage } from '../test-support/chromium.mjs';
import { sharedPath } from '../test-support/shared.mjs';

const models = readdirSync(sharedPath('models')).filter((f) => /^synth-.*-q\w+\.gguf$/.test(f)).sort();
const kernelsDir = fileURLToPath(new URL('../../../build/wasm/bin/web/', import.meta.url));

test('fast kernels against the reference kernels in Chromium: relaxed SIMD', async () => {
  const { result } = await runPage(`kernels.html?expect=relaxed-simd&models=${models.join(',')}`, {
    routes: { '/kernels/': kernelsDir }, isolated: false, timeout: 300000,
  });
  for (const line of result.lines ?? []) console.log(line);
  assert.ok(result.ok, result.error ?? `exit status ${result.status}`);
  assert.equal(result.lines.filter((l) => / ok$/.test(l)).length, models.length);
});
