// The golden suite of the native build (tests/golden_generation_test.cpp) against the wasm build:
// same expectations, same numbers reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';

import { Chord } from '../src/index.js';
import { sharedPath } from '../test-support/shared.mjs';

const CLEAR_MARGIN = 0.05;
const FLOAT_WEIGHT_TOLERANCE = 0.02;
const QUANTIZED_WEIGHT_TOLERANCE = 0.15;
// The known divergence the native test documents: on prompts of 32 tokens or more the golden Q4_0/Q4_1
// values come from a batched x86 kernel of llama.cpp that its generic kernels (which agree with us)
// do not reproduce; those cases are checked against the generic-kernel reference instead.
const divergesUpstream = (model, promptTokens) =>
  (model === 'synth-llama-q4_0' || model === 'synth-llama-q4_1') && promptTokens >= 32;
const genericKernels = JSON.parse(readFileSync(new URL('../../../tests/data/llama_cpp_generic_kernels.json', import.meta.url), 'utf8'));

function logSoftmax(logits) {
  const max = Math.max(...logits);
  const logSum = Math.log(logits.reduce((sum, l) => sum + Math.exp(l - max), 0));
  return Array.from(logits, (l) => l - max - logSum);
}

const argmax = (v) => v.reduce((best, x, i) => (x > v[best] ? i : best), 0);

for (const file of readdirSync(sharedPath('golden')).filter((f) => f.endsWith('.json')).sort()) {
  const name = file.slice(0, -5);
  test(`golden ${name}`, async () => {
    const golden = JSON.parse(readFileSync(sharedPath('golden', file), 'utf8'));
    const model = await Chord.load(sharedPath('models', `${name}.gguf`), { contextLength: 256 });
    const floatWeights = ['F32', 'F16', 'BF16'].includes(model.info.weightType);
    const tolerance = floatWeights ? FLOAT_WEIGHT_TOLERANCE : QUANTIZED_WEIGHT_TOLERANCE;
    let steps = 0, matched = 0, clear = 0, maxDiff = 0, divergent = 0;
    for (const c of golden.cases) {
      assert.deepEqual(model.tokenize(c.prompt), c.prompt_tokens, `prompt tokens of '${c.prompt}'`);
      let logits = model.forward(c.prompt_tokens, 0);
      let nPast = c.prompt_tokens.length;
      if (divergesUpstream(name, nPast)) {
        const goldenDiff = Math.max(...c.steps[0].top5.map(([id, l]) => Math.abs(logits[id] - l)));
        assert.ok(goldenDiff > 0.5, 'the golden file now agrees: remove the exception');
        const reference = genericKernels.cases.find((r) => r.model === name && r.prompt_tokens === nPast);
        assert.ok(reference, 'no generic-kernel reference for this case');
        const ours = logSoftmax(logits);
        assert.equal(argmax(logits), reference.top5_logprobs[0][0]);
        for (const [id, lp] of reference.top5_logprobs) assert.ok(Math.abs(ours[id] - lp) <= tolerance, `token ${id}`);
        divergent++;
        continue;
      }
      for (const step of c.steps) {
        const margin = step.top5[0][1] - step.top5[1][1];
        for (const [id, l] of step.top5) maxDiff = Math.max(maxDiff, Math.abs(logits[id] - l));
        const same = argmax(logits) === step.token;
        if (margin > CLEAR_MARGIN) {
          clear++;
          assert.ok(same, `'${c.prompt}' step ${steps}: ours ${argmax(logits)}, llama.cpp ${step.token} (margin ${margin})`);
        }
        matched += same;
        steps++;
        logits = model.forward([step.token], nPast++);
      }
    }
    console.log(`[ measured ] wasm ${name}: ${matched}/${steps} greedy steps match (${clear} with a clear margin), ` +
      `max top-5 logit diff ${maxDiff.toFixed(4)}${divergent ? ' (1 prompt checked against llama.cpp generic kernels)' : ''}`);
    assert.ok(maxDiff <= tolerance, `max top-5 logit diff ${maxDiff} > ${tolerance}`);
    assert.equal(steps, (5 - divergent) * 16);
    await model.unload();
  });
}
