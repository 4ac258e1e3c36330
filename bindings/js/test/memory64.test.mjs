// The Memory64 build (dist/memory64/, the wasm64 preset) in headless Chromium: the loader picks it
// for model files beyond 4 GiB; module.js's testing switch makes it take the small stories model
// here, whose greedy tokens, logits and every count and size the bindings hand to JS (BigInts in a
// 64-bit build unless converted) must be those of the single-threaded build on the same page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';

import { runPage } from '../test-support/chromium.mjs';
import { sharedPath } from '../test-support/shared.mjs';

const built = existsSync(new URL('../dist/memory64/chord.wasm', import.meta.url));
const golden = JSON.parse(readFileSync(sharedPath('golden', 'stories260K-f32.json'), 'utf8')).cases[0];

test('in Chromium, the Memory64 build generates what the wasm32 build does', async () => {
  assert.ok(built, 'dist/memory64/ is not built: scripts/install-emscripten-memory64.sh, then cmake --preset wasm64 && cmake --build --preset wasm64');
  const { result: r } = await runPage('memory64.html');
  assert.ok(r.ok, r.error);
  assert.equal(r.memory64, true, 'this Chromium has Memory64');
  const [single, m64] = [r.single, r.memory64Build];
  assert.equal(single.build, 'single');
  assert.equal(m64.build, 'memory64');
  assert.equal(m64.backend, 'cpu');
  assert.deepEqual(single.tokens.slice(0, golden.steps.length), golden.steps.map((s) => s.token));
  for (const key of ['ids', 'text', 'logits', 'tokens', 'contextShifts', 'logprobs', 'savedBytes', 'cachedTokens', 'embedding'])
    assert.deepEqual(m64[key], single[key], key);
  const counts = ({ promptTokens, promptTokensComputed, predictedTokens }) => ({ promptTokens, promptTokensComputed, predictedTokens });
  assert.deepEqual(counts(m64.timings), counts(single.timings));
  for (const value of Object.values(m64.timings)) assert.equal(typeof value, 'number');
  assert.equal(m64.timings.promptTokens, golden.prompt_tokens.length);
  assert.ok(m64.contextShifts > 0, 'a 100-token generation in a context of 64 shifts it');
  assert.match(r.webgpu, /^ChordError unsupported .*Memory64 build .* CPU only/);
  assert.equal(typeof r.usage.allocatedBytes, 'number');
});
