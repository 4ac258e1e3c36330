// Tool calls in chat.completions: small random-weight models carrying real templates (Qwen2.5's
// Hermes format, Llama 3.1's JSON, Mistral Nemo's [TOOL_CALLS]) are made to write a call by a
// grammar (a random model would never write one), and the reply must come back as OpenAI's
// tool_calls: whole, and streamed with no marker ever shown as content; tools reach the template;
// role 'tool' messages render. tool_choice 'required' and a named function force calls by a grammar of
// each format (Qwen3-Coder's XML and Mistral Small 3.2's name[ARGS] too): every sampled reply is
// calls whose arguments Ajv validates against the tool's parameters.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import Ajv from 'ajv';

import { Chord, ChordError } from '../src/index.js';
import { sharedPath } from '../test-support/shared.mjs';

const repoDir = fileURLToPath(new URL('../../../', import.meta.url));
const outDir = path.join(repoDir, 'build', 'test-output');
const templates = path.join(repoDir, 'tests', 'data', 'chat_templates', 'templates');
const models = {
  hermes: { template: 'Qwen-Qwen2.5-7B-Instruct.jinja', call: '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris", "days": 2}}\n</tool_call>' },
  'llama3-json': { template: 'meta-llama-Llama-3.1-8B-Instruct.jinja', call: '{"name": "get_weather", "parameters": {"city": "Paris", "days": 2}}' },
  mistral: { template: 'mistralai-Mistral-Nemo-Instruct-2407.jinja', call: '[TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "Paris", "days": 2}, "id": "abc123def"}]' },
};
const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] } } }];
const messages = [{ role: 'user', content: 'Weather in Paris?' }];

// Models for forced calls: the formats above, and two more whose calls are not JSON alone.
const forcedTemplates = {
  hermes: models.hermes.template, 'llama3-json': models['llama3-json'].template, mistral: models.mistral.template,
  'mistral-args': 'Mistral-Small-3.2-24B-Instruct-2506.jinja', 'qwen3-coder': 'Qwen3-Coder.jinja',
};
// Bounded strings and numbers: a random model ends them within the token budget.
const forcedTools = [
  { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 8 },
    days: { type: 'integer', minimum: 1, maximum: 14 } }, required: ['city'] } } },
  { type: 'function', function: { name: 'set_alarm', parameters: { type: 'object', properties: { hour: { type: 'integer', minimum: 0, maximum: 23 },
    label: { type: 'string', enum: ['work', 'gym'] } }, required: ['hour', 'label'] } } },
];

const modelPath = (format) => path.join(outDir, `tools-${format}.gguf`);
// A grammar whose one sentence is `text`.
const exactly = (text) => `root ::= "${text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}"\n`;

before(() => {
  mkdirSync(outDir, { recursive: true });
  for (const [format, template] of Object.entries(forcedTemplates)) {
    execFileSync(process.env.CHORD_CLI ?? path.join(repoDir, 'build', 'native', 'bin', 'chord'),
      ['synth', '--shape', 'dim=64,layers=1,heads=2,ffn=128', '--type', 'q8_0', '--vocab', sharedPath('vocab', 'ggml-vocab-llama-spm.gguf'),
        '--chat-template', path.join(templates, template), '-o', modelPath(format)], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
});

for (const [format, { call }] of Object.entries(models)) {
  test(`${format}: a call in the reply becomes tool_calls, whole and streamed`, async () => {
    const model = await Chord.load(modelPath(format));
    try {
      assert.equal(model.info.toolCallFormat, format);
      // The tools reach the template: their names are in the prompt.
      assert.match(model.chatPrompt(messages, { tools }).prompt, /get_weather/);
      const request = { messages, tools, grammar: exactly(call), max_tokens: 200, temperature: 0 };
      const reply = await model.chat.completions.create(request);
      const { message, finish_reason } = reply.choices[0];
      assert.equal(finish_reason, 'tool_calls');
      assert.equal(message.content, null);
      assert.equal(message.tool_calls.length, 1);
      const [toolCall] = message.tool_calls;
      assert.equal(toolCall.type, 'function');
      assert.equal(toolCall.function.name, 'get_weather');
      assert.deepEqual(JSON.parse(toolCall.function.arguments), { city: 'Paris', days: 2 });
      assert.equal(toolCall.id, format === 'mistral' ? 'abc123def' : 'call_0');

      const chunks = [];
      for await (const c of await model.chat.completions.create({ ...request, stream: true })) chunks.push(c);
      const content = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
      assert.equal(content, '', 'no part of the call is shown as content');
      const deltas = chunks.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []);
      assert.deepEqual(deltas, [{ index: 0, ...toolCall }]);
      assert.equal(chunks.at(-1).choices[0].finish_reason, 'tool_calls');
    } finally {
      model.unload();
    }
  });
}

test('hermes: text before a call streams as content, calls after it as tool_calls; without tools the text is left as it is', async () => {
  const model = await Chord.loadInWorker(modelPath('hermes'));
  try {
    const grammar = exactly('Let me look. <tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>');
    const request = { messages, tools, grammar, max_tokens: 200, temperature: 0 };
    const whole = (await model.chat.completions.create(request)).choices[0].message;
    assert.equal(whole.content, 'Let me look.');
    assert.equal(whole.tool_calls[0].function.arguments, '{"city":"Oslo"}');
    let shown = '';
    for await (const c of await model.chat.completions.create({ ...request, stream: true })) {
      shown += c.choices[0]?.delta?.content ?? '';
      assert.ok(!shown.includes('<'), `a marker was shown: ${JSON.stringify(shown)}`);
    }
    assert.equal(shown, 'Let me look.');
    // tool_choice 'none': the tools are not shown to the model and the reply is not read for calls.
    const none = (await model.chat.completions.create({ ...request, tool_choice: 'none' })).choices[0];
    assert.equal(none.finish_reason, 'stop');
    assert.match(none.message.content, /^Let me look\. <tool_call>/);
    assert.equal(none.message.tool_calls, undefined);
  } finally {
    await model.unload();
  }
});

test('a tool result message renders through the template; unsupported tool requests are errors', async () => {
  const model = await Chord.load(modelPath('hermes'));
  try {
    const conversation = [
      ...messages,
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'get_weather', arguments: { city: 'Paris' } } }] },
      { role: 'tool', tool_call_id: 'call_0', content: '{"temperature": 21}' },
    ];
    const { prompt } = model.chatPrompt(conversation, { tools });
    assert.match(prompt, /<tool_response>\n\{"temperature": 21\}\n<\/tool_response>/);
    for (const request of [
      { tools, tool_choice: { type: 'function', function: { name: 'get_time' } } },  // not among the tools
      { tool_choice: 'required' },                                                    // no tools
      { tools, tool_choice: 'required', grammar: 'root ::= "x"' },
      { tools, tool_choice: 'required', response_format: { type: 'json_object' } },
      { tools, tool_choice: 'always' },
      { tools, parallel_tool_calls: 'yes' },
    ]) {
      await assert.rejects(model.chat.completions.create({ messages, ...request }),
        (e) => e instanceof ChordError && e.code === 'invalid_argument', JSON.stringify(request));
    }
    await assert.rejects(model.chat.completions.create({ messages, tools: [{ name: 'x' }] }),
      (e) => e instanceof ChordError && e.code === 'invalid_argument');
  } finally {
    model.unload();
  }
  const plain = await Chord.load(sharedPath('models', 'stories260K-f32.gguf'));
  try {
    assert.equal(plain.info.toolCallFormat, 'none');
    await assert.rejects(plain.chat.completions.create({ messages, tools, template: 'chatml' }),
      (e) => e instanceof ChordError && e.code === 'unsupported');
  } finally {
    plain.unload();
  }
});

for (const format of Object.keys(forcedTemplates)) {
  test(`${format}: tool_choice 'required' and a named function force valid calls, whole and streamed`, async () => {
    const validators = Object.fromEntries(forcedTools.map((t) => [t.function.name, new Ajv().compile(t.function.parameters)]));
    const model = await Chord.load(modelPath(format));
    const calls = (reply) => reply.choices[0].message.tool_calls ?? [];
    const check = (call, names) => {
      assert.ok(names.includes(call.function.name), call.function.name);
      const args = JSON.parse(call.function.arguments);
      assert.ok(validators[call.function.name](args), `${call.function.arguments}: ${JSON.stringify(validators[call.function.name].errors)}`);
    };
    try {
      // Several calls may follow one another until the budget ends them ('length': a random model
      // seldom stops); every whole call is valid.
      const request = { messages, tools: forcedTools, tool_choice: 'required', max_tokens: 300, temperature: 1 };
      for (const seed of [1, 2, 3, 4]) {
        const reply = await model.chat.completions.create({ ...request, seed });
        assert.ok(['tool_calls', 'length'].includes(reply.choices[0].finish_reason), reply.choices[0].finish_reason);
        assert.ok(calls(reply).length >= 1, JSON.stringify(reply.choices[0].message));
        for (const call of calls(reply)) check(call, ['get_weather', 'set_alarm']);
        // One call only: the grammar ends after it, and so does the reply.
        const one = await model.chat.completions.create({ ...request, seed, parallel_tool_calls: false });
        assert.equal(one.choices[0].finish_reason, 'tool_calls');
        assert.equal(calls(one).length, 1);
        check(calls(one)[0], ['get_weather', 'set_alarm']);
      }
      const named = { ...request, tool_choice: { type: 'function', function: { name: 'set_alarm' } }, parallel_tool_calls: false };
      for (const seed of [5, 6]) {
        const reply = await model.chat.completions.create({ ...named, seed });
        assert.equal(calls(reply).length, 1, JSON.stringify(reply.choices[0].message));
        check(calls(reply)[0], ['set_alarm']);
        // Streamed: the same call in one delta, no content.
        const deltas = [];
        let content = '';
        for await (const chunk of await model.chat.completions.create({ ...named, seed, stream: true })) {
          deltas.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
          content += chunk.choices[0]?.delta.content ?? '';
        }
        assert.equal(content, '');
        assert.deepEqual(deltas.map((d) => d.function), calls(reply).map((c) => c.function));
      }
    } finally {
      model.unload();
    }
  });
}
