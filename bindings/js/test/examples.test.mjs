// The example apps (examples/) as a new user builds them: the packed tarball installed with each
// app's locked bundler (Vite 8 and 7, webpack 5), built with no configuration for wasm-chord, served
// by a plain static server with and without cross-origin isolation, and driven in headless Chromium
// (main thread and worker): the greedy continuation must be llama.cpp's. The plain-HTML page imports
// the prebuilt browser build from a CDN address, which the browser is given from the tarball; the
// Node example runs as a script, and the CLI writes the same text. Bundle sizes go to the test's diagnostics.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { serve } from '../test-support/server.mjs';
import { sharedPath } from '../test-support/shared.mjs';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const examples = path.join(root, 'examples');
const packDir = path.join(root, 'build', 'npm'); // where the examples' package.json expect the tarball
const cdnDir = path.join(root, 'build', 'test-output', 'examples-cdn');
const CDN = 'https://cdn.jsdelivr.net/npm/wasm-chord@0.1.0/';
const memory64 = existsSync(path.join(root, 'bindings', 'js', 'dist', 'memory64', 'chord.js'));
const memory64Glue = memory64 ? statSync(path.join(root, 'bindings', 'js', 'dist', 'memory64', 'chord.js')).size : 0;
const golden = JSON.parse(readFileSync(sharedPath('golden', 'stories260K-f32.json'), 'utf8')).cases[0];

const run = (command, args, cwd) => execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const npm = (args, cwd) => run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], cwd);

// name -> { dir: what the static server serves, page: the app's path in it, log: the build's output }
const apps = {};
let browser;

before(async () => {
  mkdirSync(packDir, { recursive: true });
  npm(['pack', '--pack-destination', packDir], path.join(root, 'bindings', 'js'));
  rmSync(cdnDir, { recursive: true, force: true });
  mkdirSync(cdnDir, { recursive: true });
  run('tar', ['-xzf', path.join(packDir, 'wasm-chord-0.1.0.tgz'), '-C', cdnDir]);
  for (const example of ['vite', 'webpack', 'node']) npm(['ci'], path.join(examples, example));
  for (const dir of ['vite/dist', 'vite/dist-vite7', 'webpack/dist']) rmSync(path.join(examples, dir), { recursive: true, force: true });
  const build = (example, script) => { // what the build printed, on stdout and stderr (Vite warns there)
    const r = spawnSync('npm', ['run', '--silent', script], { cwd: path.join(examples, example), encoding: 'utf8' });
    assert.equal(r.status, 0, `${example} ${script} failed:\n${r.stdout}${r.stderr}`);
    return r.stdout + r.stderr;
  };
  apps['vite 8'] = { dir: path.join(examples, 'vite', 'dist'), page: '/', log: build('vite', 'build') };
  apps['vite 7'] = { dir: path.join(examples, 'vite', 'dist-vite7'), page: '/', log: build('vite', 'build:vite7') };
  apps['webpack 5'] = { dir: path.join(examples, 'webpack', 'dist'), page: '/', log: build('webpack', 'build') };
  apps['plain html'] = { dir: root, page: '/examples/plain-html/', log: '' };
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
});

after(async () => {
  await browser?.close();
});

test('the bundlers build the apps without a warning, and the bundles are small', (t) => {
  for (const [name, app] of Object.entries(apps)) {
    assert.doesNotMatch(app.log, /warn|critical dependency|externalized/i, `${name}'s build:\n${app.log}`);
    if (name === 'plain html') continue;
    const files = readdirSync(app.dir, { recursive: true }).filter((f) => statSync(path.join(app.dir, f)).isFile());
    const bytes = (pattern) => files.filter((f) => pattern.test(f)).reduce((sum, f) => sum + statSync(path.join(app.dir, f)).size, 0);
    const js = bytes(/\.js$/), wasm = bytes(/\.wasm$/);
    t.diagnostic(`${name}: ${files.length} files, JavaScript ${(js / 1024).toFixed(1)} KiB, wasm ${(wasm / 1024).toFixed(1)} KiB`);
    // The Memory64 build (where built: the wasm64 preset) is copied too, fetched only for files beyond 4 GiB.
    assert.equal(files.filter((f) => /\.wasm$/.test(f)).length, memory64 ? 3 : 2,
      `${name}: the single-threaded${memory64 ? ', the Memory64' : ''} and the threaded wasm, once each`);
    assert.ok(js < 400 * 1024 + (memory64 ? memory64Glue : 0), `${name}: ${js} bytes of JavaScript`);
  }
});

for (const name of ['vite 8', 'vite 7', 'webpack 5', 'plain html']) {
  for (const isolated of [false, true]) {
    test(`${name}, ${isolated ? '' : 'not '}cross-origin isolated: the app generates llama.cpp's text on the main thread and in a worker`, async () => {
      const app = apps[name];
      const server = await serve({ '/': app.dir }, { isolated });
      const context = await browser.newContext();
      try {
        await context.route(`${CDN}**`, (route) => serveFromCdn(route, isolated));
        for (const where of ['main', 'worker']) {
          const page = await context.newPage();
          const errors = [];
          page.on('pageerror', (e) => errors.push(String(e)));
          await page.goto(`${server.url}${app.page}${where === 'worker' ? '?worker' : ''}`);
          await page.waitForFunction(() => /^(Ready|Failed)/.test(document.getElementById('status').textContent), null, { timeout: 60000 });
          const status = await page.textContent('#status');
          const build = isolated && where === 'worker' ? 'threads' : 'single';
          assert.equal(status, `Ready: the ${build} build on the cpu${where === 'worker' ? ', in a worker' : ''}.`);
          await page.fill('#prompt', golden.prompt);
          await page.fill('#max-tokens', String(golden.steps.length));
          await page.click('#generate');
          await page.waitForFunction(() => !document.getElementById('generate').disabled && document.getElementById('output').textContent, null,
            { timeout: 60000 });
          assert.equal(await page.textContent('#output'), golden.text, `${where}`);
          assert.deepEqual(errors, []);
          await page.close();
        }
      } finally {
        await context.close();
        server.close();
      }
    });
  }
}

// The CDN as jsdelivr answers: the package's files, readable from any origin.
function serveFromCdn(route, isolated) {
  const file = path.join(cdnDir, 'package', new URL(route.request().url()).pathname.replace(/^\/npm\/wasm-chord@0\.1\.0\//, ''));
  const type = file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
  let body;
  try {
    body = readFileSync(file);
  } catch {
    return route.fulfill({ status: 404 });
  }
  const headers = { 'access-control-allow-origin': '*', 'cross-origin-resource-policy': 'cross-origin' };
  return route.fulfill({ status: 200, body, contentType: type, headers: isolated ? headers : { 'access-control-allow-origin': '*' } });
}

test('the Node example streams llama.cpp\'s text', () => {
  const out = run('node', ['generate.mjs', golden.prompt, String(golden.steps.length)], path.join(examples, 'node'));
  assert.equal(out, `${golden.text}\n`);
});

test('the apps\' text is the CLI\'s: `chord generate` continues the prompt the same', () => {
  const cli = path.join(root, 'build', 'native', 'bin', 'chord');
  assert.ok(existsSync(cli), `${cli} is missing: build the native preset first (scripts/test.sh does)`);
  const out = run(cli, ['generate', '-m', path.join(root, 'models', 'stories260K-f32.gguf'), '-p', golden.prompt,
    '-n', String(golden.steps.length), '--temp', '0'], root);
  assert.equal(out, `${golden.text}\n`);
});
