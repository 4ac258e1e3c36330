// An OpenAI-style embeddings call on a loaded model:
//   await model.embeddings.create({ input: 'text' | ['a', 'b'] | [ids] | [[ids], …], encoding_format, model })
// returns { object: 'list', data: [{ object: 'embedding', index, embedding }], model, usage }.
// Each input is embedded alone (model.embed: the file's pooling, L2-normalized); encoding_format
// 'base64' gives the float32 bytes in base64, as OpenAI's. A field this call does not implement
// (dimensions, …) is an invalid_argument error.
import { ChordError } from './errors.js';

const REQUEST_FIELDS = ['input', 'model', 'encoding_format', 'user'];

export class Embeddings {
  #model;

  constructor(model) {
    this.#model = model;
  }

  async create(request = {}) {
    const unknown = Object.keys(request).filter((key) => !REQUEST_FIELDS.includes(key));
    if (unknown.length > 0)
      throw new ChordError(`embeddings.create does not implement ${unknown.join(', ')} (it implements ${REQUEST_FIELDS.join(', ')})`, 'invalid_argument');
    const { input, encoding_format = 'float' } = request;
    if (encoding_format !== 'float' && encoding_format !== 'base64')
      throw new ChordError(`encoding_format must be 'float' or 'base64', got ${JSON.stringify(encoding_format)}`, 'invalid_argument');
    const inputs = inputList(input);
    const data = [];
    let tokens = 0;
    for (const [index, one] of inputs.entries()) {
      // (await: the same code serves a model in this thread and one in a worker)
      const result = await this.#model.embedOne(one);
      tokens += result.tokens;
      const embedding = encoding_format === 'base64' ? base64(result.embedding) : Array.from(result.embedding);
      data.push({ object: 'embedding', index, embedding });
    }
    return { object: 'list', data, model: this.#model.info.name, usage: { prompt_tokens: tokens, total_tokens: tokens } };
  }
}

// OpenAI's input forms: a string, an array of strings, an array of token ids, an array of those.
function inputList(input) {
  const isIds = (x) => Array.isArray(x) && x.length > 0 && x.every((t) => Number.isInteger(t));
  if (typeof input === 'string') return [input];
  if (isIds(input)) return [input];
  if (Array.isArray(input) && input.length > 0 && input.every((x) => typeof x === 'string' || isIds(x))) return input;
  throw new ChordError('input must be a string, an array of strings, an array of token ids or an array of those (none empty)', 'invalid_argument');
}

function base64(floats) {
  const bytes = new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}
