// Model bytes from any source, streamed into one block of WebAssembly memory: never two full
// copies when the size is known in advance (URL with Content-Length, Blob, file, ArrayBuffer).
import { isNode } from './module.js';

// Returns { address, size }: a _malloc'ed block the caller hands over to WasmModel.open().
export async function readIntoHeap(module, source, { onProgress, signal } = {}) {
  signal?.throwIfAborted?.();
  if (source instanceof ArrayBuffer) source = new Uint8Array(source);
  if (ArrayBuffer.isView(source)) {
    const bytes = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    const address = allocate(module, bytes.length);
    module.HEAPU8.set(bytes, address);
    onProgress?.({ loaded: bytes.length, total: bytes.length });
    return { address, size: bytes.length };
  }
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    return copyStream(module, source.stream(), source.size, { onProgress, signal });
  }
  if (typeof ReadableStream !== 'undefined' && source instanceof ReadableStream) {
    return copyStream(module, source, undefined, { onProgress, signal });
  }
  if (isNode && typeof source === 'string' && !/^[a-z][a-z0-9+.-]*:/i.test(source)) {
    return readFile(module, source, { onProgress, signal });
  }
  if (typeof source === 'string' || source instanceof URL || (typeof Request !== 'undefined' && source instanceof Request)) {
    const response = await fetch(source, { signal });
    if (!response.ok) throw new Error(`cannot download the model: HTTP ${response.status} ${response.statusText}`);
    const length = Number(response.headers.get('content-length'));
    return copyStream(module, response.body, Number.isFinite(length) && length > 0 ? length : undefined, { onProgress, signal });
  }
  throw new TypeError('model source must be a URL, Request, Blob, ArrayBuffer, Uint8Array, ReadableStream or (in Node) a file path');
}

function allocate(module, size) {
  const address = module._malloc(Math.max(size, 1));
  if (!address) throw new Error(`cannot allocate ${size} bytes of WebAssembly memory for the model`);
  return address;
}

async function readFile(module, path, options) {
  const { open } = await import('node:fs/promises');
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    return await copyStream(module, file.readableWebStream({ type: 'bytes' }), size, options);
  } finally {
    await file.close();
  }
}

// With a known size the chunks go straight into their place in wasm memory; without one they
// are gathered first (one extra copy, unavoidable).
async function copyStream(module, stream, total, { onProgress, signal }) {
  const reader = stream.getReader();
  let address = 0;
  let loaded = 0;
  const chunks = [];
  try {
    if (total !== undefined) address = allocate(module, total);
    for (;;) {
      signal?.throwIfAborted?.();
      const { done, value } = await reader.read();
      if (done) break;
      const chunk = value instanceof Uint8Array ? value : new Uint8Array(value);
      if (total !== undefined) {
        if (loaded + chunk.length > total) throw new Error(`the model source sent more than its announced ${total} bytes`);
        module.HEAPU8.set(chunk, address + loaded); // HEAPU8 is re-read: memory may have grown
      } else {
        chunks.push(chunk);
      }
      loaded += chunk.length;
      onProgress?.({ loaded, total: total ?? null });
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
    await reader.cancel().catch(() => {});
    throw error;
  } finally {
    reader.releaseLock?.();
  }
}
