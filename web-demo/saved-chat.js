// The conversation kept across reloads: its messages and the model's cache (saveSession's bytes)
// in the Origin Private File System, one pair of files per model, so that coming back to a page
// shows the chat where it was and the next answer reads only the new message.
const PREFIX = 'wasm-chord-demo-chat-';

async function directory() {
  return navigator.storage?.getDirectory ? navigator.storage.getDirectory() : null;
}

// A file name for a model: its label's bytes in hex (labels are URLs or file names).
function fileName(label, kind) {
  return PREFIX + Array.from(new TextEncoder().encode(label), (b) => b.toString(16).padStart(2, '0')).join('').slice(0, 200) + kind;
}

export async function saveChat(label, history, session) {
  const dir = await directory();
  if (!dir) return;
  for (const [kind, data] of [['.kv', session], ['.json', JSON.stringify(history)]]) {
    const writable = await (await dir.getFileHandle(fileName(label, kind), { create: true })).createWritable();
    await writable.write(data);
    await writable.close();
  }
}

// { history, session } or null where nothing (whole) is kept.
export async function savedChat(label) {
  const dir = await directory();
  if (!dir) return null;
  try {
    const history = JSON.parse(await (await (await dir.getFileHandle(fileName(label, '.json'))).getFile()).text());
    const session = new Uint8Array(await (await (await dir.getFileHandle(fileName(label, '.kv'))).getFile()).arrayBuffer());
    return Array.isArray(history) && history.length > 0 ? { history, session } : null;
  } catch {
    return null;
  }
}

export async function forgetChat(label) {
  const dir = await directory();
  for (const kind of ['.json', '.kv']) await dir?.removeEntry(fileName(label, kind)).catch(() => {});
}
