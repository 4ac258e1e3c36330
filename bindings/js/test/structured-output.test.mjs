// Structured output in the npm package: a GBNF grammar and a JSON Schema constrain generate(), and
// chat.completions' response_format (json_object, json_schema) gives replies that parse and that
// Ajv validates against the schema: sampled at several seeds, streamed and not, on this thread and
// in a worker. The stories model knows nothing of JSON, so every brace comes from the constraint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Ajv from 'ajv';

import { Chord, ChordError } from '../src/index.js';
import { sharedPath } from '../test-support/shared.mjs';

const modelPath = sharedPath('models', 'stories260K-f32.gguf');
const messages = [{ role: 'user', content: 'Tell me about a girl.' }];

const personSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', pattern: '^[A-Z][a-z]{0,9}( [A-Z][a-z]{0,9})?$' },
    motto: { type: 'string', minLength: 2, maxLength: 12 },
    age: { type: 'integer', minimum: 1, maximum: 120 },
    mood: { enum: ['happy', 'sad', 'sleepy'] },
    friends: { type: 'array', items: { type: 'string', maxLength: 8 }, maxItems: 2 },
    pet: { type: 'object', properties: { kind: { const: 'cat' }, legs: { type: 'integer', minimum: 0, maximum: 4 } }, required: ['kind'], additionalProperties: false },
  },
  required: ['name', 'age', 'mood'],
  additionalProperties: false,
};

async function collect(iterator) {
  let text = '';
  for await (const chunk of iterator) text += chunk.choices[0]?.delta?.content ?? '';
  return text;
}

test('a GBNF grammar constrains generate(); a bad grammar is an invalid_argument error and the model stays usable', async () => {
  const model = await Chord.load(modelPath);
  try {
    const grammar = 'root ::= "The " animal " is " [0-9] [0-9]? " years old."\nanimal ::= "cat" | "dog" | "owl"\n';
    for (const seed of [1, 2, 3]) {
      const { text, finishReason } = await model.complete('Once upon a time', { grammar, temperature: 1, seed, maxTokens: 60 });
      assert.match(text, /^The (cat|dog|owl) is [0-9][0-9]? years old\.$/);
      assert.equal(finishReason, 'stop');
    }
    await assert.rejects(model.complete('Once', { grammar: 'root ::= missing\n' }),
      (e) => e instanceof ChordError && e.code === 'invalid_argument' && /missing/.test(e.message));
    await assert.rejects(model.complete('Once', { grammar: 'root ::= "a"\n', jsonSchema: { type: 'object' } }),
      (e) => e instanceof ChordError && e.code === 'invalid_argument');
    assert.equal((await model.complete('Once', { maxTokens: 3, temperature: 0 })).tokens.length, 3);
  } finally {
    model.unload();
  }
});

test('response_format json_schema: every sampled reply parses and validates (Ajv), streamed or not, here and in a worker', async () => {
  const validate = new Ajv().compile(personSchema);
  const response_format = { type: 'json_schema', json_schema: { name: 'person', schema: personSchema, strict: true } };
  for (const load of [(p) => Chord.load(p), (p) => Chord.loadInWorker(p)]) {
    const model = await load(modelPath);
    try {
      for (const seed of [1, 2, 3, 4]) {
        const request = { messages, template: 'chatml', response_format, temperature: 1, seed, max_tokens: 400 };
        const reply = await model.chat.completions.create(request);
        const content = reply.choices[0].message.content;
        assert.equal(reply.choices[0].finish_reason, 'stop', content);
        const value = JSON.parse(content);
        assert.ok(validate(value), `${content}: ${JSON.stringify(validate.errors)}`);
        assert.equal(await collect(await model.chat.completions.create({ ...request, stream: true })), content);
      }
    } finally {
      await model.unload();
    }
  }
});

test('response_format json_object gives a JSON object; malformed response_format and schemas are invalid_argument', async () => {
  const model = await Chord.load(modelPath);
  try {
    const reply = await model.chat.completions.create({ messages, template: 'chatml', response_format: { type: 'json_object' }, temperature: 0.9, seed: 5, max_tokens: 300 });
    const { content } = reply.choices[0].message;
    if (reply.choices[0].finish_reason === 'stop') {
      const value = JSON.parse(content);
      assert.equal(typeof value, 'object');
      assert.ok(value !== null && !Array.isArray(value), content);
    } else {
      assert.equal(content[0], '{');
    }
    const bad = [
      { type: 'json' },
      { type: 'json_schema' },
      { type: 'json_schema', json_schema: { schema: {} } },
      { type: 'json_object', schema: {} },
      { type: 'json_schema', json_schema: { name: 'x', schema: { $ref: 'https://example.com/schema.json' } } },
      { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'integer', minimum: 5, maximum: 1 } } },
    ];
    for (const response_format of bad) {
      await assert.rejects(model.chat.completions.create({ messages, template: 'chatml', response_format }),
        (e) => e instanceof ChordError && e.code === 'invalid_argument', JSON.stringify(response_format));
    }
    // Still usable, and { type: 'text' } is free text.
    const free = await model.chat.completions.create({ messages, template: 'chatml', response_format: { type: 'text' }, max_tokens: 4, temperature: 0 });
    assert.equal(free.usage.completion_tokens, 4);
  } finally {
    model.unload();
  }
});
