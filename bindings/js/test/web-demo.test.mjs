// The web demo (web-demo/) in headless Chromium, as a person uses it: load the bundled model, send a
// prompt and watch the answer grow, stop a long answer, load a corrupt file and read the error; and
// the built folder (web-demo/dist/) on a plain static host. Each test saves a screenshot in build/test-output/web-demo/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { Chord } from '../src/index.js';
import { serveDemo } from '../../../web-demo/serve.mjs';
import { sharedPath } from '../test-support/shared.mjs';
import { chordCli } from '../test-support/split.mjs';

const screenshots = fileURLToPath(new URL('../../../build/test-output/web-demo/', import.meta.url));
mkdirSync(screenshots, { recursive: true });
const golden = JSON.parse(readFileSync(sharedPath('golden', 'stories260K-f32.json'), 'utf8')).cases[0];

// A small random-weight model with Qwen2.5's chat template, for what needs a conversation.
const templateDir = fileURLToPath(new URL('../../../build/test-output/web-demo-models/', import.meta.url));
const templateModel = 'chatml-q8_0.gguf';

let server, browser;
before(async () => {
  mkdirSync(templateDir, { recursive: true });
  execFileSync(chordCli, ['synth', '--shape', 'dim=64,layers=2,heads=2,ffn=128', '--type', 'q8_0', '--vocab', sharedPath('vocab', 'ggml-vocab-llama-spm.gguf'),
    '--chat-template', fileURLToPath(new URL('../../../tests/data/chat_templates/templates/Qwen-Qwen2.5-7B-Instruct.jinja', import.meta.url)),
    '-o', path.join(templateDir, templateModel)], { stdio: ['ignore', 'ignore', 'inherit'] });
  server = await serveDemo({ routes: { '/shared-models/': sharedPath('models'), '/template-models/': templateDir } });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
});
after(async () => {
  await browser?.close();
  server?.close();
});

const byTestId = (id) => `[data-testid="${id}"]`;

async function openDemo(viewport = { width: 1100, height: 800 }) {
  const page = await browser.newPage({ viewport });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.url}/`);
  return { page, errors };
}

async function waitUntilReady(page) {
  await page.waitForFunction(() => !document.querySelector('[data-testid="prompt"]').disabled, null, { timeout: 60000 });
}

async function waitForAnswer(page) {
  await page.waitForFunction(() => !document.querySelector('[data-testid="send"]').disabled &&
    !document.querySelector('.message.streaming'), null, { timeout: 120000 });
}

test('the default model loads with one click and answers as it generates, on a phone-sized screen', async () => {
  const { page, errors } = await openDemo({ width: 390, height: 844 });
  await page.click(byTestId('load-default'));
  await waitUntilReady(page);
  assert.match(await page.textContent(byTestId('status')),
    /^stories260K-f32\.gguf \(llama\) on the CPU \(no WebGPU adapter\);.*no chat template.*; \d+ CPU threads\.$/);
  assert.equal(await page.$eval(byTestId('progress'), (p) => p.value === p.max), true);

  // Greedy, so that the answer is llama.cpp's continuation of the prompt.
  await page.click('#settings summary');
  await page.fill('#temperature', '0');
  await page.fill('#max-tokens', '200');
  // The answer's length at every change, and the page's frames while it is written.
  await page.evaluate(() => {
    window.__lengths = [];
    window.__frames = 0;
    const output = document.querySelector('[data-testid="output"]');
    new MutationObserver(() => {
      const answer = output.querySelector('.message.assistant:last-child .text');
      if (answer) window.__lengths.push(answer.textContent.length);
    }).observe(output, { subtree: true, childList: true, characterData: true });
    const tick = () => { window.__frames++; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  });
  await page.fill(byTestId('prompt'), golden.prompt);
  await page.press(byTestId('prompt'), 'Enter');  // Enter sends
  await waitForAnswer(page);

  const answer = await page.textContent('.message.assistant .text');
  assert.ok(answer.startsWith(golden.text), `the answer starts with llama.cpp's greedy text: ${JSON.stringify(answer.slice(0, 80))}`);
  const lengths = await page.evaluate(() => window.__lengths.filter((n) => n > 0));
  assert.ok(new Set(lengths).size >= 5, `the answer grew in steps: ${lengths.length} updates`);
  assert.deepEqual([...lengths].sort((a, b) => a - b), lengths, 'and only grew');
  assert.ok(await page.evaluate(() => window.__frames) >= 5, 'the page kept drawing frames');
  assert.match(await page.textContent(byTestId('speed')), /^\d+ tokens at [\d.]+ tokens\/s; first token after \d+ ms$/);
  assert.equal(await page.inputValue(byTestId('prompt')), '');
  assert.deepEqual(errors, []);
  await page.screenshot({ path: `${screenshots}answer-phone.png`, fullPage: true });
  await page.close();
});

test('Stop ends a long answer, and the next one runs', async () => {
  const { page, errors } = await openDemo();
  // A random-weight model from the shared test data, through the URL field: it never stops on its own.
  await page.fill(byTestId('model-url'), `${server.url}/shared-models/synth-qwen2-bpe-q4_k_m.gguf`);
  await page.press(byTestId('model-url'), 'Enter');
  await waitUntilReady(page);
  await page.click('#settings summary');
  await page.fill('#max-tokens', '4000');
  await page.fill(byTestId('prompt'), 'Tell me a very long story');
  await page.click(byTestId('send'));
  await page.waitForFunction(() => document.querySelector('.message.assistant .text')?.textContent.length > 20);
  assert.equal(await page.isEnabled(byTestId('stop')), true);
  assert.equal(await page.isEnabled(byTestId('send')), false);
  await page.click(byTestId('stop'));
  await waitForAnswer(page);
  assert.equal(await page.$eval('.message.assistant', (m) => m.classList.contains('stopped')), true);
  const [tokens] = (await page.textContent(byTestId('speed'))).match(/^\d+/);
  assert.ok(Number(tokens) < 4000, `stopped after ${tokens} tokens`);
  assert.equal(await page.isEnabled(byTestId('stop')), false);
  await page.screenshot({ path: `${screenshots}stopped.png`, fullPage: true });

  await page.fill('#max-tokens', '8');
  await page.fill(byTestId('prompt'), 'Again');
  await page.click(byTestId('send'));
  await waitForAnswer(page);
  assert.equal(await page.locator('.message.assistant').count(), 2);
  assert.match(await page.textContent(byTestId('speed')), /^8 tokens at/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('JSON mode: every answer is a JSON object, with a chat template and without', async () => {
  const { page, errors } = await openDemo();
  await page.click(byTestId('load-default'));
  await waitUntilReady(page);
  await page.click('#settings summary');
  await page.check(byTestId('json-mode'));
  await page.fill('#temperature', '0.9');
  await page.fill('#max-tokens', '400');
  const answers = [];
  for (const question of ['Once upon a time', 'A girl named Lily']) {
    await page.fill(byTestId('prompt'), question);
    await page.click(byTestId('send'));
    await waitForAnswer(page);
    answers.push(await page.locator('.message.assistant .text').last().textContent());
  }
  for (const answer of answers) {
    const value = JSON.parse(answer);  // the stories model knows no JSON: the grammar wrote every brace
    assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value), answer);
  }
  assert.deepEqual(errors, []);
  await page.close();

  // A model with a template (chat.completions, response_format json_object): a random-weight one.
  const other = await openDemo();
  await other.page.fill(byTestId('model-url'), `${server.url}/template-models/${templateModel}`);
  await other.page.press(byTestId('model-url'), 'Enter');
  await waitUntilReady(other.page);
  await other.page.click('#settings summary');
  await other.page.check(byTestId('json-mode'));
  await other.page.fill('#max-tokens', '60');
  await other.page.fill(byTestId('prompt'), 'Describe a cat');
  await other.page.click(byTestId('send'));
  await waitForAnswer(other.page);
  const cut = await other.page.locator('.message.assistant .text').last().textContent();
  assert.equal(cut[0], '{', cut);  // cut at 60 tokens: a JSON object's beginning
  assert.deepEqual(other.errors, []);
  await other.page.close();
});

test('Tools: a forced call is shown, run by the page, its result given back, and the model answers', async () => {
  const { page, errors } = await openDemo();
  await page.fill(byTestId('model-url'), `${server.url}/template-models/${templateModel}`);
  await page.press(byTestId('model-url'), 'Enter');
  await waitUntilReady(page);
  await page.click('#settings summary');
  await page.selectOption(byTestId('tools'), 'required');  // a random-weight model calls only when made to
  await page.fill('#max-tokens', '120');
  await page.fill(byTestId('prompt'), 'Roll a die for me');
  await page.click(byTestId('send'));
  await waitForAnswer(page);
  const shownCall = await page.locator('.message.tool-call .text').first().textContent();
  const [, name, argumentsText] = /^(get_current_time|roll_dice)\((.*)\)$/m.exec(shownCall) ?? [];
  assert.ok(name, shownCall);
  const args = JSON.parse(argumentsText);
  const result = JSON.parse(await page.locator('.message.tool .text').first().textContent());
  if (name === 'roll_dice') {  // the arguments follow the tool's schema, and the page rolled them
    assert.ok([4, 6, 8, 12, 20].includes(args.sides), argumentsText);
    assert.equal(result.rolls.length, args.count ?? 1);
    assert.ok(result.rolls.every((r) => r >= 1 && r <= args.sides), JSON.stringify(result));
  } else {
    assert.deepEqual(args, {});
    assert.ok(Math.abs(Date.parse(result.iso) - Date.now()) < 600000, result.iso);
  }
  // With the result, the model answered (in words: random ones here) after the call.
  const bubbles = await page.locator('.message').evaluateAll((items) => items.map((item) => item.className));
  const callAt = bubbles.findIndex((c) => c.split(' ').includes('tool-call'));
  const resultAt = bubbles.findIndex((c) => c.split(' ').includes('tool'));
  assert.ok(callAt >= 0 && callAt < resultAt && resultAt < bubbles.length - 1, bubbles.join(' | '));
  assert.match(bubbles.at(-1), /assistant/);
  assert.doesNotMatch(bubbles.at(-1), /tool-call|failed/);
  assert.deepEqual(errors, []);
  await page.close();

  // A model whose template teaches no tool calls (the stories model has none): Tools is off.
  const plain = await openDemo();
  await plain.page.click(byTestId('load-default'));
  await waitUntilReady(plain.page);
  assert.equal(await plain.page.isDisabled(byTestId('tools')), true);
  await plain.page.close();
});

test('a conversation survives a reload: shown again, its cache restored; New chat forgets it', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const modelUrl = `${server.url}/template-models/${templateModel}`;
  const ask = async (text) => {
    await page.click('#settings summary');
    await page.fill('#temperature', '0');
    await page.fill('#max-tokens', '6');
    await page.fill(byTestId('prompt'), text);
    await page.click(byTestId('send'));
    await waitForAnswer(page);
    return page.$eval(byTestId('speed'), (s) => ({ total: Number(s.dataset.promptTokens), computed: Number(s.dataset.promptTokensComputed) }));
  };
  await page.goto(`${server.url}/?model=${encodeURIComponent(modelUrl)}`);
  await waitUntilReady(page);
  const first = await ask('Hello there');
  assert.equal(first.computed, first.total, 'a fresh model reads the whole prompt');
  const answer = await page.textContent('.message.assistant .text');

  await page.reload();
  await waitUntilReady(page);
  assert.match(await page.textContent(byTestId('status')), /The saved conversation is back\.$/);
  assert.deepEqual(await page.$$eval('.message .text', (m) => m.map((e) => e.textContent)), ['Hello there', answer]);
  const second = await ask('And again');
  assert.ok(second.computed < second.total - first.total / 2,
    `after the reload only the new turn is read: ${second.computed} of ${second.total} tokens`);

  await page.click(byTestId('new-chat'));
  assert.equal(await page.locator('.message').count(), 0);
  await page.reload();
  await waitUntilReady(page);
  assert.doesNotMatch(await page.textContent(byTestId('status')), /saved conversation/);
  assert.equal(await page.locator('.message').count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a corrupt file shows the library\'s error, and the page goes on working', async () => {
  const corrupt = Buffer.concat([Buffer.from('GGUF'), Buffer.from([3, 0, 0, 0]), Buffer.alloc(40, 0xff)]);
  const expected = await Chord.load(new Uint8Array(corrupt)).then(() => null, (e) => e.message);
  assert.ok(expected, 'the library refuses the file');

  const { page, errors } = await openDemo();
  await page.setInputFiles(byTestId('model-file'), { name: 'corrupt.gguf', mimeType: 'application/octet-stream', buffer: corrupt });
  await page.waitForSelector(`${byTestId('status')}.error`);
  assert.equal(await page.textContent(byTestId('status')), `Could not load corrupt.gguf: ${expected}`);
  assert.equal(await page.getAttribute(byTestId('status'), 'role'), 'alert');
  assert.equal(await page.isEnabled(byTestId('send')), false);
  await page.screenshot({ path: `${screenshots}corrupt-file.png`, fullPage: true });

  await page.click(byTestId('load-default'));
  await waitUntilReady(page);
  assert.equal(await page.$eval(byTestId('status'), (s) => s.classList.contains('error')), false);
  assert.equal(await page.$eval('#model', (d) => d.open), false, 'the model panel folds away once a model is loaded');
  assert.deepEqual(errors, []);
  await page.close();
});

test('with a WebGPU adapter the model computes there, and the switch moves it to the CPU', async () => {
  const gpuBrowser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-webgpu-adapter=swiftshader'],
  });
  try {
    const page = await gpuBrowser.newPage({ viewport: { width: 1100, height: 800 } });
    await page.goto(`${server.url}/`);
    await page.click(byTestId('load-default'));
    await waitUntilReady(page);
    assert.match(await page.textContent(byTestId('status')), / on WebGPU \(a WebGPU adapter is there\)/);
    await page.click('#settings summary');
    await page.fill('#temperature', '0');
    await page.fill('#max-tokens', '40');
    await page.fill(byTestId('prompt'), golden.prompt);
    await page.press(byTestId('prompt'), 'Enter');
    await waitForAnswer(page);
    assert.ok((await page.textContent('.message.assistant .text')).startsWith(golden.text.slice(0, 40)));
    await page.screenshot({ path: `${screenshots}webgpu.png`, fullPage: true });

    await page.click('#model summary');
    await page.selectOption('#backend', 'cpu');
    await page.waitForFunction(() => /on the CPU \(asked for\)/.test(document.querySelector('[data-testid="status"]').textContent));
    await waitUntilReady(page);
  } finally {
    await gpuBrowser.close();
  }
});

test('web-demo/dist on a plain static host: the service worker makes the page isolated (threads), and ?model=URL loads that model', async () => {
  const plain = await serveDemo({ isolated: false, routes: { '/shared-models/': sharedPath('models') } });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${plain.url}/?model=${encodeURIComponent(`${plain.url}/shared-models/stories260K-f32.gguf`)}`);
    await waitUntilReady(page); // after the service worker's one reload
    assert.equal(await page.evaluate(() => crossOriginIsolated), true);
    assert.match(await page.textContent(byTestId('status')), /^stories260K-f32\.gguf \(llama\) on the CPU .*; \d+ CPU threads\.$/);
    assert.equal(await page.inputValue(byTestId('model-url')), `${plain.url}/shared-models/stories260K-f32.gguf`);
    assert.ok(plain.requests.some((r) => r.url === '/shared-models/stories260K-f32.gguf'), 'the linked model was downloaded');
    await page.click('#settings summary');
    await page.fill('#temperature', '0');
    await page.fill('#max-tokens', String(golden.steps.length));
    await page.fill(byTestId('prompt'), golden.prompt);
    await page.press(byTestId('prompt'), 'Enter');
    await waitForAnswer(page);
    assert.equal(await page.textContent('.message.assistant .text'), golden.text);
    assert.deepEqual(errors, []);
    await page.screenshot({ path: `${screenshots}static-host.png`, fullPage: true });
  } finally {
    plain.close();
  }
});
