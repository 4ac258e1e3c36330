// The golden suite of the native build (tests/golden_generation_test.cpp) against the wasm build in
// Node (the single-threaded build; test/browser-golden.test.mjs runs both builds in Chromium):
// same expectations, same numbers reported.
import { test } from 'node:test';
import { readdirSync, readFileSync } from 'node:fs';

import { Chord } from '../src/index.js';
import { checkGolden, describeGolden } from '../test-support/golden-check.mjs';
import { sharedPath } from '../test-support/shared.mjs';

const genericKernels = JSON.parse(readFileSync(new URL('../../../tests/data/llama_cpp_generic_kernels.json', import.meta.url), 'utf8'));

for (const file of readdirSync(sharedPath('golden')).filter((f) => f.endsWith('.json')).sort()) {
  const name = file.slice(0, -5);
  test(`golden ${name}`, async () => {
    const golden = JSON.parse(readFileSync(sharedPath('golden', file), 'utf8'));
    const model = await Chord.load(sharedPath('models', `${name}.gguf`), { contextLength: 256 });
    try {
      console.log(describeGolden(await checkGolden(name, model, golden, genericKernels), model.info.build));
    } finally {
      await model.unload();
    }
  });
}
