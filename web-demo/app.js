// The chat page: loads a model into a Web Worker (Chord.loadInWorker) so the page stays
// responsive, streams each answer into the conversation, and stops it on request. Models with a
// chat template get the conversation through it (the OpenAI-style chat call); a model without one
// (the bundled stories model) continues the text of each message. ?model=URL loads that model at once.
// A conversation is kept across reloads (saved-chat.js): loading the same model again shows it
// and restores the model's cache, so the next answer reads only the new message; New chat forgets it.
// JSON mode constrains every answer to a JSON object (response_format json_object, or the
// jsonSchema option where there is no template). Tools (tools.js) are offered to a model whose
// template teaches a tool-call format: its calls are shown, run by the page, and their results
// given back to it for the answer (up to MAX_TOOL_ROUNDS rounds of calls).
// The package's prebuilt browser build sits beside the page (web-demo/build.mjs puts it there).
import { Chord } from './wasm-chord/dist/wasm-chord.js';
import { forgetChat, saveChat, savedChat } from './saved-chat.js';
import { DEMO_TOOLS, describeCall, runTool } from './tools.js';

const $ = (id) => document.getElementById(id);
const ui = {
  status: $('status'), model: $('model'), progress: $('progress'), backend: $('backend'), loadDefault: $('load-default'),
  urlForm: $('url-form'), url: $('model-url'), file: $('model-file'),
  output: $('output'), chat: $('chat'), prompt: $('prompt'), send: $('send'), stop: $('stop'), speed: $('speed'),
  temperature: $('temperature'), topP: $('top-p'), maxTokens: $('max-tokens'), jsonMode: $('json-mode'), newChat: $('new-chat'),
  tools: $('tools'),
};
const MAX_TOOL_ROUNDS = 3;
const DEFAULT_MODEL = { source: new URL('models/stories260K-f32.gguf', location.href).href, label: 'stories260K-f32.gguf' };

let model = null;       // the loaded model, in its worker
let loaded = null;      // { source, label } it came from: a backend switch loads it again
let answering = null;   // the AbortController of the answer being written
const history = [];     // the conversation, as OpenAI's messages (tool calls and results included)

function setStatus(text, { error = false } = {}) {
  ui.status.textContent = text;
  ui.status.classList.toggle('error', error);
  ui.status.setAttribute('role', error ? 'alert' : 'status');
}

function setControls() {
  const ready = model !== null;
  ui.prompt.disabled = !ready;
  ui.tools.disabled = !ready || model.info.toolCallFormat === 'none';
  ui.send.disabled = !ready || answering !== null;
  ui.stop.disabled = answering === null;
}

async function load(source, label) {
  answering?.abort();
  const previous = model;
  model = null;
  setControls();
  await previous?.unload();
  ui.progress.removeAttribute('value');  // indeterminate until the size is known
  setStatus(`Loading ${label}…`);
  try {
    model = await Chord.loadInWorker(source, {
      backend: ui.backend.value,
      onProgress: ({ loaded: done, total }) => {
        if (!total) return;
        ui.progress.max = total;
        ui.progress.value = done;
      },
    });
  } catch (error) {
    ui.progress.value = 0;
    setStatus(`Could not load ${label}: ${error.message}`, { error: true });
    setControls();
    return;
  }
  ui.progress.max = 1;
  ui.progress.value = 1;
  loaded = { source, label };
  history.length = 0;
  ui.output.replaceChildren();
  ui.speed.textContent = '';
  const { name, backend, backendReason, chatTemplate, contextLength, build } = model.info;
  const where = backend === 'webgpu' ? 'WebGPU' : 'the CPU';
  const how = chatTemplate ? 'its own chat template' : 'no chat template: it continues your text';
  // Threads need cross-origin isolation: the server's headers, or coi-serviceworker.js's reload.
  const threads = build === 'threads' ? `${navigator.hardwareConcurrency} CPU threads`
    : build === 'memory64' ? 'one CPU thread (the Memory64 build, for a model beyond 4 GiB)'
    : 'one CPU thread (the page is not cross-origin isolated)';
  const resumed = await resumeChat(label);
  setStatus(`${label}${name ? ` (${name})` : ''} on ${where} (${backendReason}); ${contextLength} tokens of context; ${how}; ${threads}.` +
    (resumed ? ' The saved conversation is back.' : ''));
  ui.model.open = false;  // room for the conversation (the summary opens it again)
  setControls();
  ui.prompt.focus();
}

// The conversation saved for this model, shown again and its cache restored (a cache the model
// refuses, e.g. after a change of context length, only costs reading the conversation again).
async function resumeChat(label) {
  const saved = await savedChat(label);
  if (!saved) return false;
  for (const message of saved.history) {
    history.push(message);
    showMessage(message);
  }
  await model.loadSession(saved.session).catch(() => {});
  return true;
}

// After each answer: the conversation and the model's cache.
async function keepChat() {
  if (!loaded) return;
  await saveChat(loaded.label, history, await model.saveSession()).catch(() => {});
}

function addMessage(role, text) {
  const item = document.createElement('li');
  item.className = `message ${role}`;
  const who = document.createElement('span');
  who.className = 'who';
  who.textContent = role === 'user' ? 'You' : 'Model';
  const body = document.createElement('div');
  body.className = 'text';
  body.textContent = text;
  item.append(who, body);
  ui.output.append(item);
  item.scrollIntoView({ block: 'end' });
  return body;
}

// A message of the conversation as it is shown: a tool call as the call, a result as a tool's.
function showMessage(message) {
  if (message.role === 'tool') return addMessage('tool', message.content);
  if (!message.tool_calls) return addMessage(message.role, message.content);
  const body = addMessage('assistant', [message.content, ...message.tool_calls.map(describeCall)].filter(Boolean).join('\n'));
  body.parentElement.classList.add('tool-call');
  return body;
}

// One answer, piece by piece: { text } as it is written and, where the model called tools,
// { toolCalls } at the end (the stream's deltas gathered into OpenAI's tool_calls). Through the
// chat template where the model has one; toolChoice: tools offered ('auto', 'required') or not (null).
async function* answerPieces(text, options, toolChoice) {
  if (!model.info.chatTemplate) {
    for await (const { text: piece } of model.generate(text, options)) yield { text: piece };
    return;
  }
  const { maxTokens, temperature, topP, signal, jsonSchema } = options;
  const stream = await model.chat.completions.create({
    messages: history, stream: true, max_tokens: maxTokens, temperature, top_p: topP, signal,
    ...(jsonSchema ? { response_format: { type: 'json_object' } } : {}),
    ...(toolChoice ? { tools: DEMO_TOOLS, tool_choice: toolChoice } : {}),
  });
  const calls = [];
  for await (const chunk of stream) {
    const { content, tool_calls: deltas = [] } = chunk.choices[0].delta;
    if (content) yield { text: content };
    for (const { index, id, function: f } of deltas) {
      calls[index] ??= { id, type: 'function', function: { name: '', arguments: '' } };
      calls[index].function.name += f?.name ?? '';
      calls[index].function.arguments += f?.arguments ?? '';
    }
  }
  if (calls.length > 0) yield { toolCalls: calls };
}

// The model's calls answered: each shown, run, and its result added to the conversation.
function answerToolCalls(body, reply, calls) {
  const message = { role: 'assistant', content: reply || null, tool_calls: calls };
  history.push(message);
  body.textContent = [reply, ...calls.map(describeCall)].filter(Boolean).join('\n');
  body.parentElement.classList.add('tool-call');
  for (const call of calls) {
    const result = { role: 'tool', tool_call_id: call.id, content: runTool(call.function.name, call.function.arguments) };
    history.push(result);
    showMessage(result);
  }
}

function numberFrom(input, fallback) {
  const value = Number(input.value);
  return Number.isFinite(value) ? value : fallback;
}

async function send() {
  const text = ui.prompt.value.trim();
  if (!text || !model || answering) return;
  ui.prompt.value = '';
  history.push({ role: 'user', content: text });
  addMessage('user', text);
  let body = addMessage('assistant', '');
  body.parentElement.classList.add('streaming');
  answering = new AbortController();
  setControls();
  ui.speed.textContent = '';
  const options = {
    maxTokens: Math.max(1, Math.round(numberFrom(ui.maxTokens, 256))),
    temperature: numberFrom(ui.temperature, 0.7),
    topP: numberFrom(ui.topP, 0.95),
    signal: answering.signal,
    ...(ui.jsonMode.checked ? { jsonSchema: { type: 'object' } } : {}),
  };
  const started = performance.now();
  let firstMs = null;
  let reply = '';
  const asked = history.length;  // a failed answer leaves the conversation as it was before the question
  let toolChoice = ui.tools.disabled ? null : ui.tools.value || null;
  try {
    for (let round = 0; ; round++) {
      let calls = null;
      for await (const piece of answerPieces(text, options, toolChoice)) {
        firstMs ??= performance.now() - started;
        if (piece.toolCalls) calls = piece.toolCalls;
        else reply += piece.text;
        body.textContent = reply;
        body.parentElement.scrollIntoView({ block: 'end' });
      }
      if (!calls || round === MAX_TOOL_ROUNDS) break;
      answerToolCalls(body, reply, calls);
      body.parentElement.classList.remove('streaming');
      reply = '';
      body = addMessage('assistant', '');
      body.parentElement.classList.add('streaming');
      toolChoice = 'auto';  // with the results, the model answers (or calls again)
    }
    const { timings, finishReason } = await model.lastResult();
    history.push({ role: 'assistant', content: reply });
    Object.assign(ui.speed.dataset, { promptTokens: timings.promptTokens, promptTokensComputed: timings.promptTokensComputed });
    await keepChat();
    const perSecond = timings.predictedMs > 0 ? (1e3 * timings.predictedTokens) / timings.predictedMs : 0;
    ui.speed.textContent = `${timings.predictedTokens} tokens at ${perSecond.toFixed(1)} tokens/s; ` +
      `first token after ${Math.round(firstMs ?? performance.now() - started)} ms`;
    if (finishReason === 'cancelled') body.parentElement.classList.add('stopped');
  } catch (error) {
    body.parentElement.classList.add('failed');
    body.textContent = `${reply}\n[${error.message}]`;
    history.length = asked - 1;  // the question that failed, and any calls made for it
  } finally {
    body.parentElement.classList.remove('streaming');
    answering = null;
    setControls();
    ui.prompt.focus();
  }
}

ui.loadDefault.addEventListener('click', () => load(DEFAULT_MODEL.source, DEFAULT_MODEL.label));
ui.urlForm.addEventListener('submit', (event) => {
  event.preventDefault();
  load(ui.url.value, ui.url.value.split('/').pop() || ui.url.value);
});
ui.file.addEventListener('change', () => {
  const file = ui.file.files[0];
  if (file) load(file, file.name);
});
ui.backend.addEventListener('change', () => {
  if (loaded) load(loaded.source, loaded.label);
});
ui.chat.addEventListener('submit', (event) => {
  event.preventDefault();
  send();
});
ui.prompt.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    send();
  }
});
ui.stop.addEventListener('click', () => answering?.abort());
ui.newChat.addEventListener('click', async () => {
  answering?.abort();
  history.length = 0;
  ui.output.replaceChildren();
  ui.speed.textContent = '';
  if (loaded) await forgetChat(loaded.label);
  ui.prompt.focus();
});

// A model file dropped anywhere on the page.
addEventListener('dragover', (event) => {
  event.preventDefault();
  document.body.classList.add('dragging');
});
addEventListener('dragleave', () => document.body.classList.remove('dragging'));
addEventListener('drop', (event) => {
  event.preventDefault();
  document.body.classList.remove('dragging');
  const file = event.dataTransfer?.files[0];
  if (file) load(file, file.name);
});

// ?model=URL: a link that opens the demo with that model loading.
const linked = new URLSearchParams(location.search).get('model');
if (linked) {
  const url = new URL(linked, location.href);
  ui.url.value = url.href;
  load(url.href, decodeURIComponent(url.pathname.split('/').pop()) || url.href);
}
