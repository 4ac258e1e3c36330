// The native CLI, and split model files for the tests written by it (`chord split`, built by the test
// command before the JS tests run; CHORD_CLI overrides where it is).
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const chordCli = process.env.CHORD_CLI ?? fileURLToPath(new URL('../../../build/native/bin/chord', import.meta.url));

// Splits `model` into files of at most `maxTensors` tensors; returns their paths, in order.
export function splitModel(model, maxTensors) {
  const dir = mkdtempSync(path.join(tmpdir(), 'chord-split-'));
  const out = execFileSync(chordCli, ['split', model, '--max-tensors', String(maxTensors), '-o', path.join(dir, 'model')], { encoding: 'utf8' });
  return out.trim().split('\n');
}
