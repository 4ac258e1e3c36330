// The golden suite's checks (the same as tests/golden_generation_test.cpp), written once for Node
// and for browser pages: teacher-forced greedy decoding of llama.cpp's golden cases, comparing our
// top-5 logits and greedy tokens with theirs. Throws on the first failure; returns the measurements.

export const CLEAR_MARGIN = 0.05;
export const FLOAT_WEIGHT_TOLERANCE = 0.02;
export const QUANTIZED_WEIGHT_TOLERANCE = 0.15;

// The known divergence the native test documents: on prompts of 32 tokens or more the golden Q4_0/Q4_1
// values come from a batched x86 kernel of llama.cpp that its generic kernels (which agree with us)
// do not reproduce; those cases are checked against the generic-kernel reference instead.
const divergesUpstream = (model, promptTokens) =>
  (model === 'synth-llama-q4_0' || model === 'synth-llama-q4_1') && promptTokens >= 32;

function check(condition, message) {
  if (!condition) throw new Error(message);
}

function logSoftmax(logits) {
  let max = -Infinity;
  for (const l of logits) max = Math.max(max, l);
  let sum = 0;
  for (const l of logits) sum += Math.exp(l - max);
  const logSum = Math.log(sum);
  return Array.from(logits, (l) => l - max - logSum);
}

function argmax(v) {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

const sameIds = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

// model: a loaded Chord; golden: the parsed ../shared/golden/<name>.json; genericKernels: the parsed
// tests/data/llama_cpp_generic_kernels.json. Async: on WebGPU the logits arrive asynchronously.
export async function checkGolden(name, model, golden, genericKernels) {
  const floatWeights = ['F32', 'F16', 'BF16'].includes(model.info.weightType);
  const tolerance = floatWeights ? FLOAT_WEIGHT_TOLERANCE : QUANTIZED_WEIGHT_TOLERANCE;
  let steps = 0, matched = 0, clear = 0, maxDiff = 0, divergent = 0;
  for (const c of golden.cases) {
    check(sameIds(model.tokenize(c.prompt), c.prompt_tokens), `${name}: prompt tokens of '${c.prompt}'`);
    let logits = await model.forward(c.prompt_tokens, 0);
    let nPast = c.prompt_tokens.length;
    if (divergesUpstream(name, nPast)) {
      const goldenDiff = Math.max(...c.steps[0].top5.map(([id, l]) => Math.abs(logits[id] - l)));
      check(goldenDiff > 0.5, `${name}: the golden file now agrees: remove the exception`);
      const reference = genericKernels.cases.find((r) => r.model === name && r.prompt_tokens === nPast);
      check(reference, `${name}: no generic-kernel reference for this case`);
      const ours = logSoftmax(logits);
      check(argmax(logits) === reference.top5_logprobs[0][0], `${name}: greedy token differs from llama.cpp's generic kernels`);
      for (const [id, lp] of reference.top5_logprobs)
        check(Math.abs(ours[id] - lp) <= tolerance, `${name}: log-prob of token ${id} is ${ours[id]}, llama.cpp's ${lp}`);
      divergent++;
      continue;
    }
    for (const step of c.steps) {
      const margin = step.top5[0][1] - step.top5[1][1];
      for (const [id, l] of step.top5) maxDiff = Math.max(maxDiff, Math.abs(logits[id] - l));
      const same = argmax(logits) === step.token;
      if (margin > CLEAR_MARGIN) {
        clear++;
        check(same, `${name} '${c.prompt}' step ${steps}: ours ${argmax(logits)}, llama.cpp ${step.token} (margin ${margin})`);
      }
      matched += same;
      steps++;
      logits = await model.forward([step.token], nPast++);
    }
  }
  check(maxDiff <= tolerance, `${name}: max top-5 logit diff ${maxDiff} > ${tolerance}`);
  check(steps === (golden.cases.length - divergent) * 16, `${name}: ${steps} steps checked`);
  return { name, steps, matched, clear, maxDiff, divergent };
}

export function describeGolden(r, build) {
  return `[ measured ] wasm ${build} ${r.name}: ${r.matched}/${r.steps} greedy steps match (${r.clear} with a clear margin), ` +
    `max top-5 logit diff ${r.maxDiff.toFixed(4)}${r.divergent ? ' (1 prompt checked against llama.cpp generic kernels)' : ''}`;
}
