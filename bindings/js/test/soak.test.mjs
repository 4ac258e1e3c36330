// A shorter soak than scripts/soak.sh's 1000 cycles: 100 load/generate/unload cycles leave the
// wasm heap the size it was after the first, and the bytes in use in it where they were.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { soak } from '../test-support/soak.mjs';

test('100 load/generate/unload cycles leave wasm memory flat', async () => {
  const r = await soak(100);
  console.log(`[ measured ] ${r.cycles} cycles in ${r.seconds.toFixed(1)} s: heap ${r.first.heapBytes} -> ${r.last.heapBytes} bytes, ` +
    `in use ${r.first.allocatedBytes} -> ${r.last.allocatedBytes} bytes`);
  assert.equal(r.finishReasons.cancelled, 33); // every third one was aborted
  assert.equal(r.last.heapBytes, r.first.heapBytes);
  assert.equal(r.last.allocatedBytes, r.first.allocatedBytes);
});
