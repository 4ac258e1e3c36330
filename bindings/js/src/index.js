// wasm-chord: run GGUF language models in the browser, a worker or Node.
//
//   const model = await Chord.load(source, { onProgress, signal, contextLength });   // on this thread
//   const model = await Chord.loadInWorker(source, options);   // the same API in a worker
//   for await (const { text } of model.generate('Once upon a time', { maxTokens: 64 })) ...
import { ChatCompletions } from './chat.js';
import { Chord } from './chord.js';
import { ChordError } from './errors.js';
import { loadInWorker } from './worker-client.js';

// The same API with the model in a Web Worker (a worker thread in Node); methods return Promises.
Chord.loadInWorker = (source, options) => loadInWorker(source, options);

export { ChatCompletions, Chord, ChordError };
