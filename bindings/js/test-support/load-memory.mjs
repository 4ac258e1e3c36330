// node test-support/load-memory.mjs MODEL [path|url]: loads MODEL with the wasm build in this
// process and prints, as JSON, the file size and how much the process's peak resident memory grew
// while loading it (from a file path, or over HTTP from a server in another process, whose buffers
// are not ours). Run in a fresh process: the peak (maxRSS) is the process's whole life.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';

import { Chord } from '../src/index.js';
import { loadModule } from '../src/module.js';

const [model, how = 'path'] = process.argv.slice(2);
const fileBytes = statSync(model).size;

const SERVER = `
  const { createServer } = require('node:http');
  const { createReadStream } = require('node:fs');
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-length': ${fileBytes} });
    createReadStream(process.argv[1]).pipe(res);
  });
  server.listen(0, '127.0.0.1', () => console.log(server.address().port));`;

let server;
let source = model;
if (how === 'url') {
  server = spawn(process.execPath, ['-e', SERVER, model], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve) => server.stdout.once('data', (d) => resolve(String(d).trim())));
  source = `http://127.0.0.1:${port}/model.gguf`;
}

await loadModule(); // the wasm instance itself is not part of loading a model
if (server) await fetch(source, { method: 'HEAD' }); // nor is Node's fetch machinery, loaded on first use
globalThis.gc?.();
const before = process.memoryUsage().rss;
const beforePeak = process.resourceUsage().maxRSS * 1024;
const loaded = await Chord.load(source, { contextLength: 256 });
const peak = process.resourceUsage().maxRSS * 1024;
const info = loaded.info;
await loaded.unload();
server?.kill();
const growth = peak - Math.max(before, 0);
console.log(JSON.stringify({
  model, how, fileBytes, weightType: info.weightType,
  rssBefore: before, peakBefore: beforePeak, peakAfter: peak,
  peakGrowth: growth, ratio: +(growth / fileBytes).toFixed(3),
}));
