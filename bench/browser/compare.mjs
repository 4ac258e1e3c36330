// node compare.mjs DIR THREADS... : the table of scripts/bench-vs-wllama.sh, from the JSON it left
// in DIR: <engine>-t<threads>-<prefill|decode>.json (run.mjs results of wllama.html and
// chord.html), bandwidth-t<threads>.json (bandwidth.html) and inspect.json (chord inspect --json).
import fs from 'node:fs';
import path from 'node:path';
import { weightBytesPerToken } from './weights-read.mjs';

const [dir, ...threadCounts] = process.argv.slice(2);
const read = (name) => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
const errors = [];
// A page's result, or null (with its error kept for the end) when it failed.
function result(name) {
  const r = read(name);
  if (r.ok) return r;
  errors.push(`${name}: ${r.error}`);
  return null;
}

const inspect = read('inspect.json');
const weightBytes = weightBytesPerToken(inspect);
console.log(`${path.basename(inspect.file)}: ${(weightBytes / 1e6).toFixed(1)} MB of weights read per token`);

// three significant figures or so, '-' where a run failed
const fmt = (x) => (Number.isFinite(x) ? x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2) : '-');
const rows = [['engine', 'threads', 'prefill tok/s', 'decode tok/s', 'bandwidth GB/s', 'decode % of bandwidth']];
const measured = Object.fromEntries(threadCounts.map((t) => [t, result(`bandwidth-t${t}.json`)?.gbPerSecond]));
// With t threads a program can read at least as fast as with fewer, so a lower rate measured at
// more threads (other work on the machine took a core) does not lower the limit.
const limit = (t) => Math.max(...threadCounts.filter((u) => +u <= +t && measured[u]).map((u) => measured[u]));
for (const t of threadCounts) {
  const gbPerSecond = limit(t);
  const speed = {};
  for (const engine of ['wllama', 'chord']) {
    const prefill = result(`${engine}-t${t}-prefill.json`), decode = result(`${engine}-t${t}-decode.json`);
    speed[engine] = { prefill: prefill?.timings.prompt_per_second, decode: decode?.timings.predicted_per_second,
      promptTokens: prefill?.timings.prompt_n };
    // decode tok/s × bytes read per token, against what wasm reads per second on this machine
    const fraction = (speed[engine].decode * weightBytes) / (gbPerSecond * 1e9);
    const label = engine === 'chord' && decode ? `chord (${decode.build}, ${decode.backend})` : engine;
    rows.push([label, t, fmt(speed[engine].prefill), fmt(speed[engine].decode), fmt(gbPerSecond), fmt(100 * fraction)]);
  }
  const ratio = (k) => fmt(speed.chord[k] / speed.wllama[k]).replace(/\d$/, '$&x');
  rows.push(['chord/wllama', t, ratio('prefill'), ratio('decode'), '', '']);
  // Both tokenize the same prompt with the same vocabulary, or the prefill runs are not comparable.
  const [chordTokens, wllamaTokens] = [speed.chord.promptTokens, speed.wllama.promptTokens];
  if (chordTokens && wllamaTokens && chordTokens !== wllamaTokens)
    errors.push(`threads ${t}: the prefill prompt is ${chordTokens} tokens for chord, ${wllamaTokens} for wllama`);
}

const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
for (const r of rows) console.log(r.map((v, c) => (c < 1 ? String(v).padEnd(widths[c]) : String(v).padStart(widths[c]))).join('  '));
console.log('bandwidth: the best rate wasm read here with at most that many threads (bench/browser/bandwidth.html)');
for (const e of errors) console.error(`! ${e}`);
process.exitCode = errors.length ? 1 : 0;
