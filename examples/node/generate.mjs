// wasm-chord in Node: continue a prompt with the bundled stories model, greedily, streamed.
//   node generate.mjs ["prompt"] [max tokens]
import { Chord } from 'wasm-chord';

const [prompt = 'Once upon a time', maxTokens = '32'] = process.argv.slice(2);
const model = await Chord.load(new URL('../../models/stories260K-f32.gguf', import.meta.url)); // a path or file: URL
for await (const { text } of model.generate(prompt, { maxTokens: Number(maxTokens), temperature: 0 })) process.stdout.write(text);
process.stdout.write('\n');
await model.unload();
