// The golden suite as a browser runs it (golden.html): every named golden on its model, on this
// thread or in a worker (golden-worker.mjs), with the prebuilt browser build as pages use it.
import { Chord } from '/pkg/dist/wasm-chord.js';
import { checkGolden } from '/pkg/test-support/golden-check.mjs';

const fetchJson = async (url) => (await fetch(url)).json();

export async function runGoldenSuite(names, backend) {
  const results = [];
  let build = null, kernels = null, backendUsed = null, backendReason = null;
  try {
    for (const name of names) {
      const golden = await fetchJson(`/golden/${name}.json`);
      const model = await Chord.load(`/${golden.synth_args ? 'golden-models' : 'models'}/${name}.gguf`, { contextLength: 256, backend });
      ({ build, kernels, backend: backendUsed, backendReason } = model.info);
      try {
        results.push(await checkGolden(name, model, golden));
      } finally {
        await model.unload();
      }
    }
    return { ok: true, build, kernels, backend: backendUsed, backendReason, isolated: self.crossOriginIsolated, results };
  } catch (e) {
    return { ok: false, build, kernels, backend: backendUsed, backendReason, results, error: String(e && e.stack || e) };
  }
}
