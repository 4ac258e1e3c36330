// The golden suite's checks (the same as tests/golden_generation_test.cpp), written once for Node
// and for browser pages: teacher-forced greedy decoding of llama.cpp's golden cases, comparing our
// top-5 logits and greedy tokens with theirs. Throws on the first failure; returns the measurements.

export const CLEAR_MARGIN = 0.05;
export const FLOAT_WEIGHT_TOLERANCE = 0.02;
export const QUANTIZED_WEIGHT_TOLERANCE = 0.15;

function check(condition, message) {
  if (!condition) throw new Error(message);
}

function argmax(v) {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

const sameIds = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

// model: a loaded Chord; golden: the parsed tests/data/golden/<name>.json. Async: on WebGPU the
// logits arrive asynchronously.
export async function checkGolden(name, model, golden) {
  const floatWeights = ['F32', 'F16', 'BF16'].includes(model.info.weightType);
  const tolerance = floatWeights ? FLOAT_WEIGHT_TOLERANCE : QUANTIZED_WEIGHT_TOLERANCE;
  let steps = 0, matched = 0, clear = 0, maxDiff = 0;
  for (const c of golden.cases) {
    check(sameIds(model.tokenize(c.prompt), c.prompt_tokens), `${name}: prompt tokens of '${c.prompt}'`);
    let logits = await model.forward(c.prompt_tokens, 0);
    let nPast = c.prompt_tokens.length;
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
  check(steps === golden.cases.length * 16, `${name}: ${steps} steps checked`);
  return { name, steps, matched, clear, maxDiff };
}

export function describeGolden(r, build) {
  return `[ measured ] wasm ${build} ${r.name}: ${r.matched}/${r.steps} greedy steps match (${r.clear} with a clear margin), ` +
    `max top-5 logit diff ${r.maxDiff.toFixed(4)}`;
}
