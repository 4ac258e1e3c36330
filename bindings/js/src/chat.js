// An OpenAI-style chat call on a loaded model:
//   await model.chat.completions.create({ messages, stream, max_tokens, temperature, top_p, stop, seed,
//                                         chat_template_kwargs: { enable_thinking: false } })
// returns a chat.completion object, or with `stream: true` an async iterator of chunks.
// chat_template_kwargs are the template's variables, as llama.cpp's and vLLM's servers take them
// (OpenAI clients send them as extra body fields); the one wasm-chord's templates read is Qwen3's
// enable_thinking.
import { ChordError } from './errors.js';

let counter = 0;

export class ChatCompletions {
  #model;

  constructor(model) {
    this.#model = model;
  }

  async create({ messages, stream = false, max_tokens, temperature, top_p, top_k, min_p, stop, seed, template, chat_template_kwargs, signal } = {}) {
    if (!Array.isArray(messages) || messages.length === 0) throw new TypeError('messages must be a non-empty array');
    const { enable_thinking: enableThinking = true } = templateKwargs(chat_template_kwargs);
    const model = this.#model;
    // (await: the same code serves a model in this thread and one in a worker)
    const { prompt } = await model.chatPrompt(messages, { template, enableThinking });
    // The template spells out control tokens (<|im_start|>): they must become tokens.
    const ids = await model.tokenize(prompt, { bos: true, special: true });
    const options = { maxTokens: max_tokens, temperature, topP: top_p, topK: top_k, minP: min_p, seed, signal,
      stop: stop === undefined ? undefined : [].concat(stop) };
    for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key];
    const meta = { id: `chatcmpl-${Date.now().toString(36)}-${++counter}`, created: Math.floor(Date.now() / 1000), model: model.info.name };
    if (stream) return this.#stream(ids, options, meta);
    const r = await model.complete(ids, options);
    return {
      ...meta,
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: r.text }, finish_reason: finishReason(r.finishReason) }],
      usage: { prompt_tokens: ids.length, completion_tokens: r.tokens.length, total_tokens: ids.length + r.tokens.length },
    };
  }

  async *#stream(ids, options, meta) {
    const chunk = (delta, finish) => ({ ...meta, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] });
    yield chunk({ role: 'assistant', content: '' }, null);
    for await (const { text } of this.#model.generate(ids, options)) yield chunk({ content: text }, null);
    yield chunk({}, finishReason((await this.#model.lastResult()).finishReason));
  }
}

// The template variables wasm-chord's templates can read. Strict: a misspelt or unknown variable
// would otherwise change nothing without a word.
const TEMPLATE_KWARGS = ['enable_thinking'];
function templateKwargs(kwargs) {
  if (kwargs === undefined || kwargs === null) return {};
  if (typeof kwargs !== 'object' || Array.isArray(kwargs))
    throw new ChordError('chat_template_kwargs must be an object', 'invalid_argument');
  for (const key of Object.keys(kwargs)) {
    if (!TEMPLATE_KWARGS.includes(key))
      throw new ChordError(`chat_template_kwargs.${key} is not a template variable wasm-chord knows (known: ${TEMPLATE_KWARGS.join(', ')})`, 'invalid_argument');
  }
  if (kwargs.enable_thinking !== undefined && typeof kwargs.enable_thinking !== 'boolean')
    throw new ChordError(`chat_template_kwargs.enable_thinking must be true or false, got ${JSON.stringify(kwargs.enable_thinking)}`, 'invalid_argument');
  return kwargs;
}

// OpenAI's names: a full context ends the answer as its length limit does.
function finishReason(reason) {
  return reason === 'context_full' ? 'length' : reason;
}
