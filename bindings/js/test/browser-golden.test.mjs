// The golden suite in headless Chromium, on both wasm builds: the threaded one (in a worker of a page
// served cross-origin isolated) and the single-threaded one (on a page served without isolation). Same checks and
// numbers as the native and Node suites. Chromium has relaxed SIMD, so decoding runs on the
// relaxed-SIMD kernels here (in Node, on the SIMD128 ones).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { runPage } from '../test-support/chromium.mjs';
import { describeGolden } from '../test-support/golden-check.mjs';
import { goldenModelPath, goldenNames, readGolden } from '../test-support/golden-models.mjs';

const names = goldenNames();
for (const name of names) goldenModelPath(name);  // writes the synth models the page loads

for (const build of ['threads', 'single']) {
  test(`golden suite in Chromium, ${build} build`, async () => {
    const { result } = await runPage(`golden.html?names=${names.join(',')}${build === 'threads' ? '&where=worker' : ''}`, { isolated: build === 'threads', timeout: 600000 });
    for (const r of result.results ?? []) console.log(describeGolden(r, `${result.build} (Chromium)`));
    assert.ok(result.ok, result.error);
    assert.equal(result.build, build);
    assert.equal(result.kernels, 'relaxed-simd');
    assert.deepEqual(result.results.map((r) => r.name), names);
  });
}

// The same on WebGPU (Chromium's SwiftShader adapter), in the single-threaded build
// (test/browser.test.mjs runs the threaded one on WebGPU), on F32, Q4_0 and every model of the newer
// architectures: the Q4_K/Q6_K model takes 3 minutes on SwiftShader, and test/webgpu.test.mjs runs it
// through the same package code.
const onWebGpu = ['stories260K-f32', 'synth-llama-q4_0', ...names.filter((n) => readGolden(n).synth_args)];
test('golden suite in Chromium on WebGPU, single build', async () => {
  const { result } = await runPage(`golden.html?backend=webgpu&names=${onWebGpu.join(',')}`, {
    isolated: false, timeout: 600000, webgpu: true,
  });
  for (const r of result.results ?? []) console.log(describeGolden(r, `${result.build} (Chromium, WebGPU)`));
  assert.ok(result.ok, result.error);
  assert.equal(result.build, 'single');
  assert.equal(result.backend, 'webgpu');
  assert.deepEqual(result.results.map((r) => r.name), onWebGpu);
});
