// An OpenAI-style chat call on a loaded model:
//   await model.chat.completions.create({ messages, stream, max_tokens, temperature, top_p, stop, seed,
//                                         response_format: { type: 'json_schema', json_schema: { name, schema } },
//                                         tools, tool_choice: 'auto', parallel_tool_calls: true,
//                                         chat_template_kwargs: { enable_thinking: false } })
// returns a chat.completion object, or with `stream: true` an async iterator of chunks.
// With tools, the reply is read in the tool-call format the model's template teaches
// (info.toolCallFormat): calls become message.tool_calls (finish_reason 'tool_calls', or 'length'
// where the reply was cut: as llama.cpp's server, the calls before the cut still come), a leading
// reasoning block becomes reasoning_content, and a stream never shows a call's marker as content.
// tool_choice 'required' or { type: 'function', function: { name } } forces the reply into calls
// (of that function) by a grammar of the format; parallel_tool_calls: false keeps one call.
// The prompt is the model's own chat template (or the built-in format `template` names);
// chat_template_kwargs are the template's variables, as llama.cpp's and vLLM's servers take them
// (OpenAI clients send them as extra body fields), e.g. Qwen3's enable_thinking. A request field
// this call does not implement is an invalid_argument error, never ignored.
import { ChordError } from './errors.js';

let counter = 0;

export class ChatCompletions {
  #model;

  constructor(model) {
    this.#model = model;
  }

  async create(request = {}) {
    checkRequest(request);
    const { messages, stream = false, stream_options, max_tokens, max_completion_tokens, temperature, top_p, top_k, min_p, stop, seed,
      frequency_penalty, presence_penalty, logit_bias, logprobs = false, top_logprobs, n = 1, response_format, tools, tool_choice,
      parallel_tool_calls = true, template, chat_template_kwargs, signal } = request;
    let { grammar } = request;
    const model = this.#model;
    const useTools = tools !== undefined && tools.length > 0 && tool_choice !== 'none';
    const format = useTools ? model.info.toolCallFormat : null;
    if (format === 'none')
      throw new ChordError('tools: this model\'s chat template teaches no tool-call format wasm-chord reads (hermes, llama3-json, mistral, qwen3-coder)', 'unsupported');
    // (await: the same code serves a model in this thread and one in a worker)
    const { prompt } = await model.chatPrompt(messages, { template, variables: chat_template_kwargs, tools: useTools ? tools : undefined });
    if (useTools && tool_choice !== undefined && tool_choice !== 'auto')
      grammar = await model.toolCallGrammar(tools, { name: tool_choice === 'required' ? '' : tool_choice.function.name, parallel: parallel_tool_calls });
    // The template spells out control tokens (<|im_start|>): they must become tokens.
    const ids = await model.tokenize(prompt, { bos: true, special: true });
    const options = { maxTokens: max_completion_tokens ?? max_tokens, temperature, topP: top_p, topK: top_k, minP: min_p, signal,
      frequencyPenalty: frequency_penalty, presencePenalty: presence_penalty, stop: stop === undefined ? undefined : [].concat(stop),
      logitBias: logit_bias, topLogprobs: logprobs ? top_logprobs ?? 0 : undefined,
      grammar, jsonSchema: responseSchema(response_format), renderSpecial: format ? true : undefined };
    for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key];
    // Choice i draws with seed + i: n different answers, and the same n again for the same seed.
    const choiceOptions = (i) => ({ ...options, seed: (seed ?? 0) + i });
    const meta = { id: `chatcmpl-${Date.now().toString(36)}-${++counter}`, created: Math.floor(Date.now() / 1000), model: model.info.name };
    // How the reply is read: the tool-call format (null: plain text), the tools, one call or more.
    const reading = { format, tools, parallel: parallel_tool_calls };
    if (stream) return this.#stream(ids, n, choiceOptions, meta, stream_options?.include_usage === true, reading);
    const choices = [];
    let completionTokens = 0;
    for (let index = 0; index < n; index++) {
      const r = await model.complete(ids, choiceOptions(index));
      completionTokens += r.tokens.length;
      const choice = { index, ...await this.#message(r, reading), logprobs: null };
      if (logprobs) choice.logprobs = { content: (r.logprobs ?? []).map(openAiLogprob), refusal: null };
      choices.push(choice);
    }
    return { ...meta, object: 'chat.completion', choices, usage: usage(ids.length, completionTokens) };
  }

  // A finished reply as OpenAI's message; with a tool-call format, its calls and reasoning read out.
  async #message(r, reading) {
    if (!reading.format) return { message: { role: 'assistant', content: r.text }, finish_reason: finishReason(r.finishReason) };
    const reply = await this.#readReply(r.text, reading);
    const message = { role: 'assistant', content: reply.toolCalls.length > 0 && reply.content === '' ? null : reply.content };
    if (reply.reasoning) message.reasoning_content = reply.reasoning;
    if (reply.toolCalls.length > 0) message.tool_calls = reply.toolCalls.map(openAiToolCall);
    return { message, finish_reason: finishReason(r.finishReason, reply.toolCalls.length) };
  }

  // A finished reply's content, reasoning and calls. parallel_tool_calls: false under tool_choice
  // 'auto', where no grammar holds the model to one call: the first is answered, the rest dropped.
  async #readReply(text, { format, tools, parallel }) {
    const reply = await this.#model.parseReply(text, format, tools);
    return parallel ? reply : { ...reply, toolCalls: reply.toolCalls.slice(0, 1) };
  }

  // The n choices one after another, each chunk naming its choice's index. With includeUsage, a
  // last chunk with no choices carries the usage, as OpenAI sends it. With a tool-call format,
  // content is held back while it may be a call's marker; the calls come at the end, one delta
  // each with its whole arguments. Logprobs ride on the chunk that carries their tokens' text.
  async *#stream(ids, n, choiceOptions, meta, includeUsage, reading) {
    const model = this.#model;
    const { format } = reading;
    let completionTokens = 0;
    for (let index = 0; index < n; index++) {
      const options = choiceOptions(index);
      const chunk = (delta, finish, logprobs) => ({ ...meta, object: 'chat.completion.chunk',
        choices: [{ index, delta, ...(logprobs ? { logprobs: { content: logprobs.map(openAiLogprob), refusal: null } } : {}), finish_reason: finish }] });
      yield chunk({ role: 'assistant', content: '' }, null);
      let reply = '', shownReasoning = '', shownContent = '', heldLogprobs = [];
      const showMore = function* (now) {
        if (now.reasoning.length > shownReasoning.length && now.reasoning.startsWith(shownReasoning)) {
          yield chunk({ reasoning_content: now.reasoning.slice(shownReasoning.length) }, null);
          shownReasoning = now.reasoning;
        }
        if (now.content.length > shownContent.length && now.content.startsWith(shownContent)) {
          yield chunk({ content: now.content.slice(shownContent.length) }, null, heldLogprobs.splice(0));
          shownContent = now.content;
        }
      };
      for await (const { text, logprobs } of model.generate(ids, options)) {
        if (logprobs) heldLogprobs.push(...logprobs);
        if (!format) {
          yield chunk({ content: text }, null, options.topLogprobs !== undefined ? heldLogprobs.splice(0) : undefined);
          continue;
        }
        reply += text;
        yield* showMore(await model.replySoFar(reply, format));
      }
      const result = await model.lastResult();
      completionTokens += result.tokens.length;
      let finish = finishReason(result.finishReason, 0);
      if (format) {
        const parsed = await this.#readReply(reply, reading);
        yield* showMore(parsed);
        for (const [i, call] of parsed.toolCalls.entries()) yield chunk({ tool_calls: [{ index: i, ...openAiToolCall(call) }] }, null);
        finish = finishReason(result.finishReason, parsed.toolCalls.length);
      }
      yield chunk({}, finish);
    }
    if (includeUsage) yield { ...meta, object: 'chat.completion.chunk', choices: [], usage: usage(ids.length, completionTokens) };
  }
}

// OpenAI's entry for one token: its text, bytes, logprob and the most likely tokens beside it.
function openAiLogprob({ token, bytes, logprob, top }) {
  return { token, logprob, bytes, top_logprobs: top.map((t) => ({ token: t.token, logprob: t.logprob, bytes: t.bytes })) };
}

function openAiToolCall(call) {
  return { id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } };
}

function usage(promptTokens, completionTokens) {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

// What create() implements; `model` is accepted as OpenAI clients send it (the loaded model answers).
// `grammar` (GBNF) is llama.cpp's server's extension.
const REQUEST_FIELDS = ['messages', 'model', 'stream', 'stream_options', 'max_tokens', 'max_completion_tokens', 'temperature',
  'top_p', 'top_k', 'min_p', 'stop', 'seed', 'frequency_penalty', 'presence_penalty', 'logit_bias', 'logprobs', 'top_logprobs', 'n',
  'response_format', 'grammar', 'tools', 'tool_choice', 'parallel_tool_calls', 'template', 'chat_template_kwargs', 'signal'];

// OpenAI's response_format as the JSON Schema the reply must follow (undefined: free text).
// json_object is any JSON object, as llama.cpp's server reads it; `strict` is how we always work.
function responseSchema(format) {
  if (format === undefined || format.type === 'text') return undefined;
  if (format.type === 'json_object') return { type: 'object' };
  return format.json_schema.schema ?? {};
}

// The request's shape, field by field, with OpenAI's names in the messages (the generation
// options' ranges are checked in C++).
function checkRequest(request) {
  const unknown = Object.keys(request).filter((key) => !REQUEST_FIELDS.includes(key));
  if (unknown.length > 0)
    throw new ChordError(`chat.completions.create does not implement ${unknown.join(', ')} (it implements ${REQUEST_FIELDS.join(', ')})`, 'invalid_argument');
  const { messages, stream, stream_options, chat_template_kwargs } = request;
  if (!Array.isArray(messages) || messages.length === 0) throw new TypeError('messages must be a non-empty array');
  for (const field of ['max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'top_k', 'min_p', 'seed', 'frequency_penalty', 'presence_penalty',
    'top_logprobs', 'n']) {
    const value = request[field];
    if (value !== undefined && typeof value !== 'number') throw new ChordError(`${field} must be a number, got ${JSON.stringify(value)}`, 'invalid_argument');
  }
  if (chat_template_kwargs !== undefined && (chat_template_kwargs === null || typeof chat_template_kwargs !== 'object' || Array.isArray(chat_template_kwargs)))
    throw new ChordError('chat_template_kwargs must be an object', 'invalid_argument');
  checkResponseFormat(request.response_format);
  if (request.n !== undefined && !(Number.isInteger(request.n) && request.n >= 1 && request.n <= 16))
    throw new ChordError(`n must be a whole number from 1 to 16, got ${request.n}`, 'invalid_argument');
  if (request.logprobs !== undefined && typeof request.logprobs !== 'boolean')
    throw new ChordError('logprobs must be true or false', 'invalid_argument');
  if (request.top_logprobs !== undefined && request.logprobs !== true)
    throw new ChordError('top_logprobs needs logprobs: true', 'invalid_argument');
  if (request.logit_bias !== undefined && (request.logit_bias === null || typeof request.logit_bias !== 'object' || Array.isArray(request.logit_bias)))
    throw new ChordError('logit_bias must be an object of token ids to biases', 'invalid_argument');
  checkTools(request);
  if (request.grammar !== undefined && typeof request.grammar !== 'string')
    throw new ChordError('grammar must be a GBNF string', 'invalid_argument');
  if (request.grammar !== undefined && request.response_format !== undefined && request.response_format.type !== 'text')
    throw new ChordError('grammar and a JSON response_format cannot both be given', 'invalid_argument');
  if (stream_options !== undefined && (!stream || stream_options === null || typeof stream_options !== 'object' ||
      Object.keys(stream_options).some((key) => key !== 'include_usage')))
    throw new ChordError('stream_options takes include_usage only, and only with stream: true', 'invalid_argument');
}

function checkTools({ tools, tool_choice: choice, parallel_tool_calls: parallel, grammar, response_format }) {
  const fail = (why) => { throw new ChordError(why, 'invalid_argument'); };
  if (tools !== undefined && (!Array.isArray(tools) || tools.some((t) => t?.type !== 'function' || typeof t.function?.name !== 'string')))
    fail('tools must be an array of { type: \'function\', function: { name, description?, parameters? } }');
  if (parallel !== undefined && typeof parallel !== 'boolean') fail('parallel_tool_calls must be true or false');
  if (choice === undefined || choice === 'auto' || choice === 'none') return;
  const named = choice !== null && typeof choice === 'object' && choice.type === 'function' && typeof choice.function?.name === 'string';
  if (choice !== 'required' && !named)
    fail(`tool_choice must be 'auto', 'none', 'required' or { type: 'function', function: { name } }, got ${JSON.stringify(choice)}`);
  if (!tools?.length) fail('tool_choice asks for a call, but there are no tools');
  if (named && !tools.some((t) => t.function.name === choice.function.name))
    fail(`tool_choice names the function ${JSON.stringify(choice.function.name)}, which is not among the tools`);
  if (grammar !== undefined || (response_format !== undefined && response_format.type !== 'text'))
    fail('a forced tool call (tool_choice) cannot be combined with grammar or a JSON response_format');
}

function checkResponseFormat(format) {
  if (format === undefined) return;
  const fail = (why) => { throw new ChordError(`response_format ${why}`, 'invalid_argument'); };
  if (format === null || typeof format !== 'object') fail('must be an object');
  if (!['text', 'json_object', 'json_schema'].includes(format.type)) fail(`type must be 'text', 'json_object' or 'json_schema', got ${JSON.stringify(format.type)}`);
  const allowed = format.type === 'json_schema' ? ['type', 'json_schema'] : ['type'];
  const extra = Object.keys(format).filter((key) => !allowed.includes(key));
  if (extra.length > 0) fail(`of type ${format.type} takes no ${extra.join(', ')}`);
  if (format.type !== 'json_schema') return;
  const spec = format.json_schema;
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) fail('json_schema must be an object { name, schema, strict?, description? }');
  const unknown = Object.keys(spec).filter((key) => !['name', 'schema', 'strict', 'description'].includes(key));
  if (unknown.length > 0) fail(`json_schema takes name, schema, strict and description, not ${unknown.join(', ')}`);
  if (typeof spec.name !== 'string') fail('json_schema.name must be a string');
  if (spec.schema !== undefined && (spec.schema === null || typeof spec.schema !== 'object') && typeof spec.schema !== 'boolean')
    fail('json_schema.schema must be a JSON Schema object');
}

// OpenAI's names: a full context ends the answer as its length limit does; a reply that ended
// by itself with calls in it ends for them ('tool_calls').
function finishReason(reason, toolCalls) {
  if (reason === 'stop' && toolCalls > 0) return 'tool_calls';
  return reason === 'context_full' ? 'length' : reason;
}
