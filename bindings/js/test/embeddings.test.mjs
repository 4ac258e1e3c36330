// Embeddings in the npm package: model.embed and embeddings.create against llama.cpp's
// llama-embedding (tests/data/embeddings, the stories model and a Q4_0 one: every case, each
// pooling), on this thread and in a worker; OpenAI's response shape, base64, and the errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Chord, ChordError } from '../src/index.js';
import { sharedPath } from '../test-support/shared.mjs';
import { compareVectors as compare } from '../test-support/vectors.mjs';

const goldenDir = fileURLToPath(new URL('../../../tests/data/embeddings/', import.meta.url));
// Bounds of tests/embeddings_test.cpp: float weights, quantized weights.
const models = [
  { file: 'stories260K-f32.gguf', minCosine: 0.999995, maxDiff: 5e-4 },
  { file: 'synth-llama-q4_0.gguf', minCosine: 0.9997, maxDiff: 7e-3 },
];

for (const { file, minCosine, maxDiff } of models) {
  test(`${file}: every pooling of every text as llama.cpp's llama-embedding, here and in a worker`, async () => {
    const golden = JSON.parse(readFileSync(`${goldenDir}${file.replace('.gguf', '.json')}`, 'utf8'));
    for (const load of [(p) => Chord.load(p), (p) => Chord.loadInWorker(p)]) {
      const model = await load(sharedPath('models', file));
      try {
        for (const c of golden.cases) {
          const ours = await model.embed(c.text, { pooling: c.pooling });
          assert.ok(ours instanceof Float32Array);
          assert.equal(ours.length, model.info.embeddingLength);
          const { cosine, diff } = compare(ours, c.embedding);
          assert.ok(cosine >= minCosine && diff <= maxDiff, `${c.pooling} ${JSON.stringify(c.text.slice(0, 20))}: cosine ${cosine}, max diff ${diff}`);
        }
      } finally {
        await model.unload();
      }
    }
  });
}

test('embeddings.create: OpenAI\'s shape, several inputs, base64; normalize; errors; generation unaffected', async () => {
  const model = await Chord.load(sharedPath('models', 'stories260K-f32.gguf'));
  try {
    const greedy = (await model.complete('Once upon a time', { maxTokens: 8, temperature: 0 })).tokens;
    const reply = await model.embeddings.create({ input: ['Once upon a time', 'The cat sat'], model: 'x' });
    assert.equal(reply.object, 'list');
    assert.deepEqual(reply.data.map((d) => [d.object, d.index]), [['embedding', 0], ['embedding', 1]]);
    assert.deepEqual(reply.data[0].embedding, Array.from(await model.embed('Once upon a time')));
    assert.ok(reply.usage.prompt_tokens > 4 && reply.usage.total_tokens === reply.usage.prompt_tokens);
    const b64 = await model.embeddings.create({ input: 'The cat sat', encoding_format: 'base64' });
    assert.deepEqual(Array.from(new Float32Array(new Uint8Array(Buffer.from(b64.data[0].embedding, 'base64')).buffer)), reply.data[1].embedding);
    const raw = await model.embed('The cat sat', { normalize: false });
    const norm = Math.hypot(...raw);
    assert.ok(Math.abs(norm - 1) > 1e-3, `an unnormalized vector: norm ${norm}`);
    assert.ok(compare(raw, reply.data[1].embedding).cosine > 0.99999);
    // The generation cache was overwritten by the embeddings: the next generation is still right.
    assert.deepEqual((await model.complete('Once upon a time', { maxTokens: 8, temperature: 0 })).tokens, greedy);
    for (const bad of [{ input: 'x', dimensions: 8 }, { input: [] }, { input: 3 }, { input: 'x', encoding_format: 'int8' }]) {
      await assert.rejects(model.embeddings.create(bad), (e) => e instanceof ChordError && e.code === 'invalid_argument', JSON.stringify(bad));
    }
    await assert.rejects(model.embed('x', { pooling: 'max' }), (e) => e instanceof ChordError && e.code === 'invalid_argument');
    await assert.rejects(model.embed([]), (e) => e instanceof ChordError && e.code === 'invalid_argument');
  } finally {
    model.unload();
  }
});
