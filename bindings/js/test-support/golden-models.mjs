// The golden files of tests/data/golden and their models (as tests/golden_models.hpp): a shared
// model, or for a golden with "synth_args" the random-weight model the native `chord synth` writes
// from them, made once into build/golden-models/ (CHORD_CLI names the CLI; default: the `native`
// preset's). Run as a script, it prints every golden model's path (the test command hands them to
// the WebGPU parity test).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { sharedPath } from './shared.mjs';

const repoDir = fileURLToPath(new URL('../../../', import.meta.url));
export const goldenDir = path.join(repoDir, 'tests', 'data', 'golden');
export const generatedModelsDir = path.join(repoDir, 'build', 'golden-models');
const cli = process.env.CHORD_CLI ?? path.join(repoDir, 'build', 'native', 'bin', 'chord');

export const goldenNames = () => readdirSync(goldenDir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
export const readGolden = (name) => JSON.parse(readFileSync(path.join(goldenDir, `${name}.json`), 'utf8'));
export const isSynthGolden = (golden) => Array.isArray(golden.synth_args);

export function goldenModelPath(name, golden = readGolden(name)) {
  if (!isSynthGolden(golden)) return sharedPath('models', `${name}.gguf`);
  const file = path.join(generatedModelsDir, `${name}.gguf`);
  if (!existsSync(file) || statSync(file).size !== golden.model_bytes) {
    mkdirSync(generatedModelsDir, { recursive: true });
    execFileSync(cli, ['synth', ...golden.synth_args, '--vocab', sharedPath('models', golden.synth_vocab), '-o', file],
      { stdio: ['ignore', 'ignore', 'inherit'] });
    if (statSync(file).size !== golden.model_bytes) throw new Error(`${name}: chord synth writes another file than the golden's`);
  }
  return file;
}

if (process.argv[1] === fileURLToPath(import.meta.url))
  for (const name of goldenNames()) console.log(goldenModelPath(name));
