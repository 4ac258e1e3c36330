// `cache: true`: model files downloaded from a URL are kept in the Cache API, keyed by URL, and
// reused while the server still reports the same size (checked with a HEAD request; offline,
// the cached copy is used as it is). A Cache-like object ({ match, put, delete }) may be given
// instead of `true`, e.g. in Node, which has no Cache API.

const CACHE_NAME = 'wasm-chord-models';
const STORE_CHUNK = 4 << 20; // bytes copied out of wasm memory at a time while storing

// The cache to use for `option`, or null with the reason.
export async function openCache(option) {
  if (!option) return { cache: null, status: 'off' };
  if (typeof option === 'object') return { cache: option, status: 'miss' };
  if (typeof caches === 'undefined') return { cache: null, status: 'unavailable' };
  return { cache: await caches.open(CACHE_NAME), status: 'miss' };
}

// The cached response for `url` if it is still the file the server has, else null.
export async function cachedModel(cache, url, signal) {
  const hit = await cache.match(url);
  if (!hit) return null;
  const size = Number(hit.headers.get('content-length'));
  let current = true;
  try {
    const head = await fetch(url, { method: 'HEAD', signal });
    const length = Number(head.headers.get('content-length'));
    if (head.ok && Number.isFinite(length) && length > 0) current = length === size;
  } catch (error) {
    if (signal?.aborted) throw error;
    // offline or unreachable: the cached copy is the best there is
  }
  if (current) return { body: hit.body, size };
  await cache.delete(url);
  return null;
}

// Stores `size` bytes of wasm memory at `address` as the file at `url`, a chunk at a time so that
// no second full copy exists.
export async function storeModel(cache, url, module, address, size) {
  let position = 0;
  const body = new ReadableStream({
    pull(controller) {
      if (position >= size) return controller.close();
      const end = Math.min(size, position + STORE_CHUNK);
      controller.enqueue(module.HEAPU8.slice(address + position, address + end));
      position = end;
    },
  });
  const headers = { 'content-type': 'application/octet-stream', 'content-length': String(size) };
  await cache.put(url, new Response(body, { headers }));
}

// Removes one URL's file from the cache, or every cached model.
export async function deleteCached(url) {
  if (typeof caches === 'undefined') return false;
  return url === undefined ? caches.delete(CACHE_NAME) : (await caches.open(CACHE_NAME)).delete(String(url));
}
