// Model bytes from any source, streamed into WebAssembly memory: one _malloc'ed block per file
// (several for a split model), never two full copies when the size is known in advance (URL with
// Content-Length, Blob, file, ArrayBuffer).
import { cachedModel, forgetModel, openCache, storeModel, storeStream } from './cache.js';
import { ChordError } from './errors.js';
import { filePath, openFile } from '#platform';
import { MAX_BLOCK_BYTES, MEMORY64_MAX_BYTES, variantOf } from './module.js';
import { pumpWeights, readHeader } from './weight-stream.js';

const SPLIT_NAME = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/; // llama.cpp's gguf-split naming

// moduleFor(size, { cpu }): the wasm module for a file of `size` bytes (undefined where a part's size
// is not known before it is read), a Promise; it may throw to refuse the file. { cpu: true } asks
// again after a streamed load declined the model: it is read for the CPU, whose module may differ
// (Memory64 for a file beyond 4 GiB, where WebGPU needed none).
// Returns { module, blocks: [{ address, size }], cache, cacheWhere, forget }: the module and the
// blocks in it the caller hands over to WasmModel.open() (which frees them, even when it fails);
// the cache status, one of 'off', 'unavailable', 'miss', 'hit', 'stored', 'failed'; forget() takes
// stored files back out of the cache (when they turn out not to be a model).
// streamInto(module), where given, may return open(headers, fileSizes): a streamed load
// (weight-stream.js) opened from each part's header ({ native, stagingAddress, stagingSize }), or
// null to read the files into blocks after all; then, where every part's size is known, the
// weights stream into it and the result has `streamed` (the native model) and no blocks.
export async function readModel(moduleFor, source, { onProgress, signal, cache: cacheOption, maxMemory = 0, streamInto } = {}) {
  signal?.throwIfAborted?.();
  const { cache, status } = await openCache(cacheOption);
  const parts = await openParts(expandSplit(source), { signal, cache });
  const blocks = [];
  let module;
  try {
    const size = parts.reduce((sum, p) => sum + (p.total ?? 0), 0);
    module = await moduleFor(parts.every((p) => p.total !== undefined) ? size : undefined);
    const progress = combinedProgress(parts, onProgress);
    const open = parts.every((p) => p.total !== undefined && p.pull) ? streamInto?.(module) : null;
    const heads = [];
    if (open) {
      for (const [i, part] of parts.entries()) heads.push(await readHeader(module, part, { signal, onProgress: (loaded) => progress(i, loaded) }));
      const streamed = await open(heads.map((h) => h.header), parts.map((p) => p.total));
      if (streamed) {
        const stored = await pumpStored(module, streamed, parts, heads, { signal, progress, cache });
        const forget = () => Promise.all((stored ?? []).map((url) => forgetModel(cache, url).catch(() => false)));
        return { module, blocks, streamed: streamed.native, files: parts.length, cache: cacheStatus(parts, stored, status), cacheWhere: cache?.where ?? null, forget };
      }
      module = await moduleFor(size, { cpu: true });
    }
    // Read into wasm memory whole: maxMemory bounds the file (a streamed load checks what it keeps).
    if (maxMemory && size > maxMemory) {
      throw new ChordError(`the model file is ${mebibytes(size)}, more than maxMemory (${mebibytes(maxMemory)})`, 'out_of_memory');
    }
    for (const [i, part] of parts.entries()) {
      blocks.push(await part.read(module, { signal, onProgress: (loaded) => progress(i, loaded), prefix: heads[i]?.prefix }));
    }
    const stored = await storeDownloads(module, parts, blocks, cache);
    const forget = () => Promise.all((stored ?? []).map((url) => forgetModel(cache, url).catch(() => false)));
    return { module, blocks, cache: cacheStatus(parts, stored, status), cacheWhere: cache?.where ?? null, forget };
  } catch (error) {
    for (const block of blocks) module._free(block.address);
    await Promise.all(parts.map((part) => part.cancel()));
    throw error;
  }
}

// An array of sources is a split model, as is a URL or path named like llama.cpp's split files
// (PREFIX-00001-of-00003.gguf): then every part is loaded.
function expandSplit(source) {
  if (Array.isArray(source)) {
    if (source.length === 0) throw new TypeError('an empty array is not a model source');
    return source;
  }
  const text = typeof source === 'string' ? source : source instanceof URL ? source.href : null;
  const match = text && SPLIT_NAME.exec(text);
  if (!match || Number(match[3]) <= 1) return [source];
  const count = Number(match[3]);
  return Array.from({ length: count }, (_, i) => `${match[1]}-${String(i + 1).padStart(5, '0')}-of-${match[3]}.gguf`);
}

// Opens every part at once (so that the total size is known early), or none.
async function openParts(sources, options) {
  const opened = await Promise.allSettled(sources.map((source) => openPart(source, options)));
  const failed = opened.find((r) => r.status === 'rejected');
  if (!failed) return opened.map((r) => r.value);
  await Promise.all(opened.filter((r) => r.status === 'fulfilled').map((r) => r.value.cancel()));
  throw failed.reason;
}

// One file: its size when known (total) and how to read it into a block of wasm memory.
async function openPart(source, { signal, cache }) {
  if (source instanceof ArrayBuffer) source = new Uint8Array(source);
  if (ArrayBuffer.isView(source)) {
    const bytes = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    return {
      total: bytes.length,
      async read(module, { onProgress }) { // the bytes pull() gave are still here: copies them all
        const address = allocate(module, bytes.length);
        module.HEAPU8.set(bytes, address);
        onProgress(bytes.length);
        return { address, size: bytes.length };
      },
      pulled: 0,
      async pull() { // views of READ_BUFFER bytes, as a stream would give them
        if (this.pulled >= bytes.length) return { done: true };
        const value = bytes.subarray(this.pulled, this.pulled + READ_BUFFER);
        this.pulled += value.length;
        return { done: false, value };
      },
      cancel: async () => {},
    };
  }
  if (typeof Blob !== 'undefined' && source instanceof Blob) return streamPart(source.stream(), source.size);
  if (typeof ReadableStream !== 'undefined' && source instanceof ReadableStream) return streamPart(source, undefined);
  const path = filePath(source); // Node only: paths, file: URLs
  if (path !== null) return filePart(path);
  if (typeof source === 'string' || source instanceof URL || (typeof Request !== 'undefined' && source instanceof Request)) {
    const url = typeof source === 'string' ? source : source instanceof URL ? source.href : source.url;
    if (cache) {
      const hit = await cachedModel(cache, url, signal);
      if (hit) return { ...streamPart(hit.body, hit.size), cached: true };
    }
    let response;
    try {
      response = await fetch(source, { signal });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new ChordError(`cannot download the model ${url}: ${error.message}`, 'network', { cause: error });
    }
    if (!response.ok) {
      throw new ChordError(`cannot download the model ${url}: HTTP ${response.status} ${response.statusText}`, 'http_status',
        { status: response.status });
    }
    const length = Number(response.headers.get('content-length'));
    const total = Number.isFinite(length) && length > 0 ? length : undefined;
    return { ...streamPart(response.body, total, total && rangeReopener(source, url, response, signal)), url };
  }
  throw new TypeError('model source must be a URL, Request, Blob, ArrayBuffer, Uint8Array, ReadableStream, an array ' +
    'of these for a split model, or (in Node) a file path');
}

async function filePart(path) {
  let file;
  try {
    file = await openFile(path);
  } catch (error) {
    throw new ChordError(`cannot open the model file '${path}': ${error.message}`, error.code === 'ENOENT' ? 'not_found' : 'io',
      { cause: error });
  }
  const { size } = await file.stat();
  const part = streamPart(file.readableWebStream({ type: 'bytes' }), size);
  return {
    ...part,
    read: (module, options) => part.read(module, options).finally(() => file.close()),
    pull: (signal) => part.pull(signal),
    cancel: () => part.cancel().finally(() => file.close().catch(() => {})),
  };
}

// With a known size the chunks go straight into their place in wasm memory; without one they
// are gathered first (one extra copy, unavoidable). Byte streams are read into one reused buffer
// (BYOB), so that a long download leaves no trail of chunks for the garbage collector.
const READ_BUFFER = 1 << 20;

// reopen(offset), where given, continues a stream that failed part-way (a dropped download) from
// byte `offset`; it is tried MAX_RESUMES times in a row without progress before the error stands.
const MAX_RESUMES = 5;

function streamPart(stream, total, reopen) {
  let byob, reader, buffer;
  const attach = (s) => {
    byob = byobReader(s);
    reader = byob ?? s.getReader();
    buffer = byob ? new ArrayBuffer(READ_BUFFER) : null;
  };
  attach(stream);
  const read = async () => {
    if (!byob) return reader.read();
    const r = await reader.read(new Uint8Array(buffer));
    if (r.value) buffer = r.value.buffer; // the read hands the (transferred) buffer back
    return r;
  };
  let resumes = 0, resumedAt = -1, pulled = 0;
  const next = async (loaded, signal) => {
    try {
      const r = await read();
      if (r.done && reopen && loaded < total) throw new Error(`the connection closed after ${loaded} of ${total} bytes`);
      return r;
    } catch (error) {
      if (!reopen || signal?.aborted || loaded >= total) throw error;
      resumes = loaded > resumedAt ? 1 : resumes + 1;
      if (resumes > MAX_RESUMES) {
        throw error instanceof ChordError ? error
          : new ChordError(`the download broke off at byte ${loaded} of ${total}: ${error.message}`, 'network', { cause: error });
      }
      resumedAt = loaded;
      reader.releaseLock?.();
      attach(await reopen(loaded, error));
      return next(loaded, signal);
    }
  };
  return {
    total,
    // The next chunk ({ done, value }) for a reader outside read() (a streamed load's header and
    // weights, weight-stream.js): the caller copies the value before pulling again (the read
    // buffer is reused).
    async pull(signal) {
      signal?.throwIfAborted?.();
      const r = await next(pulled, signal);
      if (r.done) return r;
      const value = r.value instanceof Uint8Array ? r.value : new Uint8Array(r.value);
      pulled += value.length;
      return { done: false, value };
    },
    // prefix: the bytes pull() gave so far (read() goes on from there).
    async read(module, { onProgress, signal, prefix }) {
      let address = 0;
      let loaded = 0;
      const chunks = [];
      try {
        if (total !== undefined) address = allocate(module, total);
        if (prefix?.length) {
          if (total !== undefined) module.HEAPU8.set(prefix, address);
          else chunks.push(prefix);
          loaded = prefix.length;
        }
        for (;;) {
          signal?.throwIfAborted?.();
          const { done, value } = await next(loaded, signal);
          if (done) break;
          const chunk = value instanceof Uint8Array ? value : new Uint8Array(value);
          if (total !== undefined) {
            if (loaded + chunk.length > total) throw new Error(`the model source sent more than its announced ${total} bytes`);
            module.HEAPU8.set(chunk, address + loaded); // HEAPU8 is re-read: memory may have grown
          } else {
            chunks.push(chunk.slice()); // a copy: the read buffer is reused
          }
          loaded += chunk.length;
          onProgress(loaded);
        }
        if (total === undefined) {
          address = allocate(module, loaded);
          let offset = 0;
          for (const chunk of chunks) {
            module.HEAPU8.set(chunk, address + offset);
            offset += chunk.length;
          }
        }
        return { address, size: loaded }; // fewer bytes than announced: the parser reports the truncation
      } catch (error) {
        if (address) module._free(address);
        throw error;
      } finally {
        reader.releaseLock?.();
      }
    },
    cancel: () => reader.cancel().catch(() => {}),
  };
}

// For a download that drops part-way: asks the server for the rest (HTTP Range), of the same file
// (If-Range with its ETag or Last-Modified). A server that cannot, or whose file changed, answers
// with the whole file (200): then the original error stands.
function rangeReopener(source, url, first, signal) {
  const validator = first.headers.get('etag') ?? first.headers.get('last-modified');
  return async (offset, cause) => {
    const headers = new Headers(typeof Request !== 'undefined' && source instanceof Request ? source.headers : undefined);
    headers.set('range', `bytes=${offset}-`);
    if (validator) headers.set('if-range', validator);
    let response;
    try {
      response = await fetch(url, { headers, signal });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new ChordError(`the download of ${url} broke off at byte ${offset} and could not resume: ${error.message}`, 'network', { cause: error });
    }
    const range = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '');
    if (response.status !== 206 || !range || Number(range[1]) !== offset) {
      await response.body?.cancel().catch(() => {});
      throw new ChordError(`the download of ${url} broke off at byte ${offset} (${cause?.message ?? cause}), and the server ` +
        `cannot send the rest (HTTP ${response.status})`, 'network', { cause });
    }
    return response.body;
  };
}

// A BYOB reader where the stream is a byte stream, else null.
function byobReader(stream) {
  try {
    return stream.getReader({ mode: 'byob' });
  } catch {
    return null;
  }
}

// One block of MAX_BLOCK_BYTES (module.js) at most in wasm32 memory; in the Memory64 build's, up to
// its 16 GiB.
export function allocate(module, size) {
  const memory64 = variantOf(module) === 'memory64';
  if (memory64 ? !(size <= MEMORY64_MAX_BYTES) : !(size <= MAX_BLOCK_BYTES)) {
    throw new ChordError(memory64
      ? `the model file is ${mebibytes(size)}: WebAssembly memory (Memory64) holds at most 16 GiB`
      : `the model file is ${mebibytes(size)}: WebAssembly memory (wasm32) holds at most 4 GiB, so a file this large ` +
        'cannot be loaded into it; a larger one needs an engine with Memory64 (Chrome 133+, Firefox 134+) and a size ' +
        'known before it is read (Content-Length, a Blob)', 'out_of_memory');
  }
  // wasm32's _malloc returns a signed 32-bit number: addresses past 2 GB come back negative. The
  // Memory64 build's returns the address as a Number (exact to 2^53), as HEAPU8.set() takes it.
  const pointer = module._malloc(Math.max(size, 1));
  const address = memory64 ? pointer : pointer >>> 0;
  if (!address) {
    throw new ChordError(`cannot allocate ${mebibytes(size)} of WebAssembly memory for the model file ` +
      `(the heap holds ${mebibytes(module.HEAPU8.length)} and cannot grow further)`, 'out_of_memory');
  }
  return address;
}

export function mebibytes(bytes) {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

// onProgress({ loaded, total }) over all parts; total is null until every part's size is known.
function combinedProgress(parts, onProgress) {
  const loaded = parts.map(() => 0);
  const total = parts.every((p) => p.total !== undefined) ? parts.reduce((sum, p) => sum + p.total, 0) : null;
  return (i, bytes) => {
    loaded[i] = bytes;
    onProgress?.({ loaded: loaded.reduce((a, b) => a + b, 0), total });
  };
}

// Puts freshly downloaded, complete files into the cache; returns their URLs, or null when storing
// failed (e.g. over the storage quota: the model still loads, just not from the cache next time).
async function storeDownloads(module, parts, blocks, cache) {
  if (!cache) return [];
  const stored = [];
  try {
    for (const [i, part] of parts.entries()) {
      if (!part.url || (part.total !== undefined && blocks[i].size !== part.total)) continue;
      await storeModel(cache, part.url, module, blocks[i].address, blocks[i].size);
      stored.push(part.url);
    }
    return stored;
  } catch {
    await Promise.all(stored.map((url) => forgetModel(cache, url).catch(() => false)));
    return null;
  }
}

// The weights streamed (weight-stream.js), each downloaded part stored in the cache as its bytes
// pass; returns the stored URLs as storeDownloads() does (null: storing failed, the model loaded).
async function pumpStored(module, streamed, parts, heads, { signal, progress, cache }) {
  const tees = parts.map((part) => (cache && part.url ? storeStream(cache, part.url, part.total) : null));
  try {
    await pumpWeights(module, streamed.native, streamed, parts, heads, { signal, progress, tees });
  } catch (error) {
    for (const tee of tees) tee?.abort(error);
    throw error;
  }
  const results = await Promise.all(tees.map((tee) => tee?.stored.then(() => true, () => false)));
  const stored = parts.filter((part, i) => results[i]).map((part) => part.url);
  if (results.every((ok) => ok !== false)) return stored;
  await Promise.all(stored.map((url) => forgetModel(cache, url).catch(() => false)));
  return null;
}

function cacheStatus(parts, stored, status) {
  if (stored === null) return 'failed';
  if (stored.length > 0) return 'stored';
  return parts.length > 0 && parts.every((p) => p.cached) ? 'hit' : status;
}
