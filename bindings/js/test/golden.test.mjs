// The golden suite of the native build (tests/golden_generation_test.cpp) against the wasm build in
// Node (the single-threaded build; test/browser-golden.test.mjs runs both builds in Chromium):
// same expectations, same numbers reported.
import { test } from 'node:test';

import { Chord } from '../src/index.js';
import { checkGolden, describeGolden } from '../test-support/golden-check.mjs';
import { goldenModelPath, goldenNames, readGolden } from '../test-support/golden-models.mjs';

for (const name of goldenNames()) {
  test(`golden ${name}`, async () => {
    const golden = readGolden(name);
    const model = await Chord.load(goldenModelPath(name, golden), { contextLength: 256 });
    try {
      console.log(describeGolden(await checkGolden(name, model, golden), model.info.build));
    } finally {
      await model.unload();
    }
  });
}
