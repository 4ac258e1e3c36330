// An OpenAI-style chat call on a loaded model:
//   await model.chat.completions.create({ messages, stream, max_tokens, temperature, top_p, stop, seed,
//                                         chat_template_kwargs: { enable_thinking: false } })
// returns a chat.completion object, or with `stream: true` an async iterator of chunks.
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
      frequency_penalty, presence_penalty, template, chat_template_kwargs, signal } = request;
    const model = this.#model;
    // (await: the same code serves a model in this thread and one in a worker)
    const { prompt } = await model.chatPrompt(messages, { template, variables: chat_template_kwargs });
    // The template spells out control tokens (<|im_start|>): they must become tokens.
    const ids = await model.tokenize(prompt, { bos: true, special: true });
    const options = { maxTokens: max_completion_tokens ?? max_tokens, temperature, topP: top_p, topK: top_k, minP: min_p, seed, signal,
      frequencyPenalty: frequency_penalty, presencePenalty: presence_penalty, stop: stop === undefined ? undefined : [].concat(stop) };
    for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key];
    const meta = { id: `chatcmpl-${Date.now().toString(36)}-${++counter}`, created: Math.floor(Date.now() / 1000), model: model.info.name };
    if (stream) return this.#stream(ids, options, meta, stream_options?.include_usage === true);
    const r = await model.complete(ids, options);
    return {
      ...meta,
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: r.text }, finish_reason: finishReason(r.finishReason) }],
      usage: usage(ids, r),
    };
  }

  // With includeUsage, a last chunk with no choices carries the usage, as OpenAI sends it.
  async *#stream(ids, options, meta, includeUsage) {
    const chunk = (delta, finish) => ({ ...meta, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] });
    yield chunk({ role: 'assistant', content: '' }, null);
    for await (const { text } of this.#model.generate(ids, options)) yield chunk({ content: text }, null);
    const result = await this.#model.lastResult();
    yield chunk({}, finishReason(result.finishReason));
    if (includeUsage) yield { ...meta, object: 'chat.completion.chunk', choices: [], usage: usage(ids, result) };
  }
}

function usage(ids, result) {
  return { prompt_tokens: ids.length, completion_tokens: result.tokens.length, total_tokens: ids.length + result.tokens.length };
}

// What create() implements; `model` is accepted as OpenAI clients send it (the loaded model answers).
const REQUEST_FIELDS = ['messages', 'model', 'stream', 'stream_options', 'max_tokens', 'max_completion_tokens', 'temperature',
  'top_p', 'top_k', 'min_p', 'stop', 'seed', 'frequency_penalty', 'presence_penalty', 'template', 'chat_template_kwargs', 'signal'];

// The request's shape, field by field, with OpenAI's names in the messages (the generation
// options' ranges are checked in C++).
function checkRequest(request) {
  const unknown = Object.keys(request).filter((key) => !REQUEST_FIELDS.includes(key));
  if (unknown.length > 0)
    throw new ChordError(`chat.completions.create does not implement ${unknown.join(', ')} (it implements ${REQUEST_FIELDS.join(', ')})`, 'invalid_argument');
  const { messages, stream, stream_options, chat_template_kwargs } = request;
  if (!Array.isArray(messages) || messages.length === 0) throw new TypeError('messages must be a non-empty array');
  for (const field of ['max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'top_k', 'min_p', 'seed', 'frequency_penalty', 'presence_penalty']) {
    const value = request[field];
    if (value !== undefined && typeof value !== 'number') throw new ChordError(`${field} must be a number, got ${JSON.stringify(value)}`, 'invalid_argument');
  }
  if (chat_template_kwargs !== undefined && (chat_template_kwargs === null || typeof chat_template_kwargs !== 'object' || Array.isArray(chat_template_kwargs)))
    throw new ChordError('chat_template_kwargs must be an object', 'invalid_argument');
  if (stream_options !== undefined && (!stream || stream_options === null || typeof stream_options !== 'object' ||
      Object.keys(stream_options).some((key) => key !== 'include_usage')))
    throw new ChordError('stream_options takes include_usage only, and only with stream: true', 'invalid_argument');
}

// OpenAI's names: a full context ends the answer as its length limit does.
function finishReason(reason) {
  return reason === 'context_full' ? 'length' : reason;
}
