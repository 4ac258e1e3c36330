// An OpenAI-style chat call on a loaded model:
//   await model.chat.completions.create({ messages, stream, max_tokens, temperature, top_p, stop, seed })
// returns a chat.completion object, or with `stream: true` an async iterator of chunks.

let counter = 0;

export class ChatCompletions {
  #model;

  constructor(model) {
    this.#model = model;
  }

  async create({ messages, stream = false, max_tokens, temperature, top_p, top_k, min_p, stop, seed, template, signal } = {}) {
    if (!Array.isArray(messages) || messages.length === 0) throw new TypeError('messages must be a non-empty array');
    const model = this.#model;
    // (await: the same code serves a model in this thread and one in a worker)
    const { prompt } = await model.chatPrompt(messages, { template });
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

// OpenAI's names: a full context ends the answer as its length limit does.
function finishReason(reason) {
  return reason === 'context_full' ? 'length' : reason;
}
