// WebGPU loads that never hold the weights in wasm memory: each part's header is read first
// (ggufHeaderProbe says how many bytes that takes), the model is opened from the headers
// (WasmModel.openStreamed: weight buffers created empty on the GPU), then the rest of each file
// goes through the model's staging area in wasm memory into the GPU, a piece at a time
// (weight_stream.hpp cuts, checks and places it).
import { ChordError, check } from './errors.js';

const FIRST_READ = 1 << 20; // most headers fit; a large vocabulary's takes a few more rounds
// The GPU queue copies each write before it returns, into memory of this process that is given back
// once the GPU has the bytes: waiting for the queue every this many bytes bounds it. Without the
// wait, a 620 MB model's load grew the process by 620 MB on an H100 (Dawn, Vulkan); waiting every
// 64 MB, by 136 MB; every 16 MB (each staging area), by 43-60 MB, and the load was faster
// (0.70-0.76 s against 1.0 s: bench/webgpu/load.mjs).
const IN_FLIGHT_BYTES = 16 << 20;

// Pulls the start of `part` until it holds the whole GGUF header: { prefix: every byte pulled so
// far (a copy), header: its first bytes, up to where the tensor data starts }.
export async function readHeader(module, part, { signal, onProgress }) {
  let buffer = new Uint8Array(FIRST_READ), length = 0, want = FIRST_READ, ended = false;
  for (;;) {
    while (length < want && !ended) {
      const { done, value } = await part.pull(signal);
      if (done) {
        ended = true;
        break;
      }
      if (length + value.length > buffer.length) {
        const grown = new Uint8Array(Math.max(buffer.length * 2, length + value.length));
        grown.set(buffer.subarray(0, length));
        buffer = grown;
      }
      buffer.set(value, length);
      length += value.length;
      onProgress(length);
    }
    const probe = check(module.ggufHeaderProbe(buffer.subarray(0, Math.min(length, part.total)), part.total));
    const prefix = buffer.subarray(0, length);
    if (probe.complete) return { prefix, header: prefix.subarray(0, probe.bytes) };
    if (ended) {
      throw new ChordError(`truncated: the model file ended after ${length} of its ${part.total} bytes, inside its header`,
        'truncated');
    }
    want = probe.bytes;
  }
}

// Feeds every part's data section (what follows its header in `heads[i].prefix`, then the rest of
// the part) into the streamed load `native`, whose staging area `opened` names; finishes the load.
// tees[i], where given, receives a copy of every byte of part i ({ push(bytes), end() }: the cache).
export async function pumpWeights(module, native, opened, parts, heads, { signal, progress, tees = [] }) {
  const { stagingAddress, stagingSize } = opened;
  let inFlight = 0;
  const feed = async (bytes) => {
    for (let at = 0; at < bytes.length; at += stagingSize) {
      const n = Math.min(stagingSize, bytes.length - at);
      module.HEAPU8.set(bytes.subarray(at, at + n), stagingAddress); // HEAPU8 is re-read: memory may grow
      check(native.streamConsume(n));
      inFlight += n;
      if (inFlight >= IN_FLIGHT_BYTES) {
        inFlight = 0;
        await module.chordGpuDevice?.queue.onSubmittedWorkDone();
      }
    }
  };
  for (const [i, part] of parts.entries()) {
    const { prefix, header } = heads[i];
    tees[i]?.push(prefix);
    await feed(prefix.subarray(header.length));
    let loaded = prefix.length;
    for (;;) {
      const { done, value } = await part.pull(signal);
      if (done) break;
      if (loaded + value.length > part.total) throw new ChordError(`the model source sent more than its announced ${part.total} bytes`, 'truncated');
      tees[i]?.push(value);
      await feed(value);
      loaded += value.length;
      progress(i, loaded);
    }
    await part.cancel(); // done with it: releases a file handle
    check(i + 1 < parts.length ? native.streamEndPart() : native.streamFinish());
    await tees[i]?.end(loaded === part.total);
  }
}
