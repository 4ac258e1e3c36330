// Model files downloaded from URLs, kept between visits (`cache: true`): in the Origin Private File
// System where the browser has it (large files, no size limit beyond the origin's quota), else in
// the Cache API; `cache: 'opfs'` or `'cache-api'` asks for one, and a Cache-like object ({ match,
// put, delete }, e.g. in Node, which has neither) may be given instead. A cached file is used while
// the server still reports the same size (a HEAD request; offline, the cached copy is used as it
// is). Chord.cache (modelCache below) lists and removes what both built-in stores hold.
//
// A store: { where, match(url) -> { body, size } | null, put(url, body, size), delete(url) -> bool,
// list() -> [{ url, size, where }], clear() }; urls are absolute.

const NAME = 'wasm-chord-models';
const STORE_CHUNK = 4 << 20; // bytes copied out of wasm memory at a time while storing

const absolute = (url) => new URL(String(url), globalThis.location?.href).href;

const hasOpfs = () => typeof globalThis.navigator?.storage?.getDirectory === 'function' &&
  typeof globalThis.FileSystemFileHandle === 'function' && 'createWritable' in FileSystemFileHandle.prototype;
const hasCacheApi = () => typeof globalThis.caches !== 'undefined';

// The Cache API's Cache, or a Cache-like object of the program's.
function cacheApiStore(cache, where) {
  return {
    where,
    async match(url) {
      const hit = await cache.match(url);
      return hit ? { body: hit.body, size: Number(hit.headers.get('content-length')) } : null;
    },
    put(url, body, size) {
      const headers = { 'content-type': 'application/octet-stream', 'content-length': String(size) };
      return cache.put(url, new Response(body, { headers }));
    },
    delete: (url) => cache.delete(url),
    async list() {
      if (typeof cache.keys !== 'function') return [];
      const entries = [];
      for (const request of await cache.keys()) {
        const response = await cache.match(request);
        if (response) entries.push({ url: request.url, size: Number(response.headers.get('content-length')), where });
      }
      return entries;
    },
    async clear() {
      for (const { url } of await this.list()) await cache.delete(url);
    },
  };
}

// The Origin Private File System: per URL, <key>.gguf (the bytes, written through createWritable,
// which makes the file appear whole or not at all) and <key>.json ({ url, size }), written after
// it, so that a file without its record is never used. key: SHA-256 of the URL.
async function opfsStore() {
  const root = await navigator.storage.getDirectory();
  const folder = () => root.getDirectoryHandle(NAME, { create: true });
  const key = async (url) => {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(url)));
    return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  };
  const readRecord = async (dir, name) => JSON.parse(await (await (await dir.getFileHandle(name)).getFile()).text());
  const missing = (error) => error?.name === 'NotFoundError';
  return {
    where: 'opfs',
    async match(url) {
      const dir = await folder(), k = await key(url);
      try {
        const record = await readRecord(dir, `${k}.json`);
        const file = await (await dir.getFileHandle(`${k}.gguf`)).getFile();
        return record.url === url && record.size === file.size ? { body: file.stream(), size: file.size } : null;
      } catch (error) {
        if (missing(error)) return null;
        throw error;
      }
    },
    async put(url, body, size) {
      const dir = await folder(), k = await key(url);
      await dir.removeEntry(`${k}.json`).catch(() => {});
      const writable = await (await dir.getFileHandle(`${k}.gguf`, { create: true })).createWritable();
      await body.pipeTo(writable); // closes it: the file is committed
      const record = await (await dir.getFileHandle(`${k}.json`, { create: true })).createWritable();
      await record.write(JSON.stringify({ url, size }));
      await record.close();
    },
    async delete(url) {
      const dir = await folder(), k = await key(url);
      let found = true;
      for (const name of [`${k}.json`, `${k}.gguf`]) {
        await dir.removeEntry(name).catch((error) => {
          if (!missing(error)) throw error;
          found = false;
        });
      }
      return found;
    },
    async list() {
      const dir = await folder();
      const entries = [];
      for await (const [name] of dir.entries()) {
        if (!name.endsWith('.json')) continue;
        try {
          const record = await readRecord(dir, name);
          const file = await (await dir.getFileHandle(name.replace(/\.json$/, '.gguf'))).getFile();
          if (file.size === record.size) entries.push({ url: record.url, size: record.size, where: 'opfs' });
        } catch (error) {
          if (!missing(error)) throw error;
        }
      }
      return entries;
    },
    async clear() {
      await root.removeEntry(NAME, { recursive: true }).catch((error) => {
        if (!missing(error)) throw error;
      });
    },
  };
}

async function builtInStore(where) {
  if (where === 'opfs') return hasOpfs() ? opfsStore() : null;
  return hasCacheApi() ? cacheApiStore(await caches.open(NAME), 'cache-api') : null;
}

// Every built-in store this environment has.
async function builtInStores() {
  return (await Promise.all(['opfs', 'cache-api'].map(builtInStore))).filter(Boolean);
}

// The store for the `cache` load option, or null with the reason.
export async function openCache(option) {
  if (!option) return { cache: null, status: 'off' };
  if (typeof option === 'object') return { cache: cacheApiStore(option, 'custom'), status: 'miss' };
  const store = option === true ? (await builtInStores())[0] : await builtInStore(option);
  return store ? { cache: store, status: 'miss' } : { cache: null, status: 'unavailable' };
}

// The cached body of `url` if it is still the file the server has, else null.
export async function cachedModel(store, url, signal) {
  const hit = await store.match(absolute(url));
  if (!hit) return null;
  let current = true;
  try {
    const head = await fetch(url, { method: 'HEAD', signal });
    const length = Number(head.headers.get('content-length'));
    if (head.ok && Number.isFinite(length) && length > 0) current = length === hit.size;
  } catch (error) {
    if (signal?.aborted) throw error;
    // offline or unreachable: the cached copy is the best there is
  }
  if (current) return hit;
  await hit.body.cancel?.().catch(() => {});
  await store.delete(absolute(url));
  return null;
}

// Stores `size` bytes of wasm memory at `address` as the file at `url`, a chunk at a time so that
// no second full copy exists.
export async function storeModel(store, url, module, address, size) {
  let position = 0;
  const body = new ReadableStream({
    pull(controller) {
      if (position >= size) return controller.close();
      const end = Math.min(size, position + STORE_CHUNK);
      controller.enqueue(module.HEAPU8.slice(address + position, address + end));
      position = end;
    },
  });
  await store.put(absolute(url), body, size);
}

// Stores the file at `url` from its bytes as they pass (a streamed load's download, `size` in all),
// so that no copy of the whole file is kept: { push(bytes), end(complete), abort(error), stored },
// where `stored` settles once the store holds the file, or rejects (over the quota, incomplete).
export function storeStream(store, url, size) {
  let controller;
  const body = new ReadableStream({ start(c) { controller = c; } });
  const stored = store.put(absolute(url), body, size);
  stored.catch(() => {}); // looked at through end() and `stored`
  const settle = (f) => {
    try {
      f();
    } catch {
      // the store gave up on the body already: `stored` says why
    }
  };
  return {
    push: (bytes) => settle(() => controller.enqueue(bytes.slice())), // a copy: read buffers are reused
    end(complete) {
      settle(() => (complete ? controller.close() : controller.error(new Error(`the download of ${url} was incomplete`))));
      return stored.catch(() => {});
    },
    abort: (error) => settle(() => controller.error(error)),
    stored,
  };
}

export function forgetModel(store, url) {
  return store.delete(absolute(url));
}

// Chord.cache: what the built-in stores hold, over both (a file may be in either).
export const modelCache = {
  async list() {
    return (await Promise.all((await builtInStores()).map((store) => store.list()))).flat();
  },
  async has(url) {
    const target = absolute(url);
    return (await this.list()).some((entry) => entry.url === target);
  },
  async size() {
    return (await this.list()).reduce((sum, entry) => sum + entry.size, 0);
  },
  async delete(url) {
    const results = await Promise.all((await builtInStores()).map((store) => store.delete(absolute(url))));
    return results.some(Boolean);
  },
  async clear() {
    await Promise.all((await builtInStores()).map((store) => store.clear()));
  },
};
