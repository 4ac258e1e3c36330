// The worker side of Chord.loadInWorker(): one model per worker, driven over comlink.
import './errors.js'; // ChordError codes survive the trip back
import { Chord } from './chord.js';
import { exposeToParent } from '#platform';

let model = null;
const generations = new Map(); // id -> { iterator, controller }
let nextId = 1;

const api = {
  async load(source, options, onProgress) {
    model = await Chord.load(source, { ...options, ...(onProgress ? { onProgress: (e) => onProgress(e) } : {}) });
    return model.info;
  },
  info: () => model.info,
  tokenize: (text, options) => model.tokenize(text, options),
  detokenize: (ids, options) => model.detokenize(ids, options),
  chatPrompt: (messages, options) => model.chatPrompt(messages, options),
  saveSession: () => model.saveSession(),
  loadSession: (bytes) => model.loadSession(bytes),
  embed: (input, options) => model.embed(input, options),
  embedOne: (input, options) => model.embedOne(input, options),
  parseReply: (text, format, tools) => model.parseReply(text, format, tools),
  replySoFar: (text, format) => model.replySoFar(text, format),
  toolCallGrammar: (tools, options) => model.toolCallGrammar(tools, options),
  start(prompt, options, onPromptProgress) {
    const controller = new AbortController();
    const id = nextId++;
    const progress = onPromptProgress ? { onPromptProgress: (p) => onPromptProgress(p) } : {};
    generations.set(id, { iterator: model.generate(prompt, { ...options, ...progress, signal: controller.signal }), controller });
    return id;
  },
  async next(id) {
    const generation = generations.get(id);
    if (!generation) return { done: true };
    const r = await generation.iterator.next();
    if (r.done) generations.delete(id);
    return r.done ? { done: true } : { done: false, value: r.value };
  },
  abort(id) {
    generations.get(id)?.controller.abort();
  },
  lastResult: () => model.lastResult(),
  async unload() {
    await model?.unload();
    model = null;
  },
};

exposeToParent(api);
