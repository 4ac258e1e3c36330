// The prompt's matrix product (shaders/matmul_tiled.wgsl) alone, on random weights, timed with
// timestamp queries: what a tile of it costs, apart from the rest of a forward pass.
//   node bench/webgpu/matmul.mjs [kernel.wgsl=shaders/matmul_tiled.wgsl] [TILE_ROWS=64] [SLICES=1]
// For each TinyLlama-shaped product (q: 2048 x 2048, gate: 5632 x 2048, down: 2048 x 5632) and
// 256 or 150 tokens, in Q4_0 and in F32 (no dequantizing), with Dawn's robustness (bounds clamps)
// on and off: milliseconds a product (without sum_slices' addition of the slices) and TFLOPS
// (2 · rows · cols · tokens / time).
import { readFileSync } from 'node:fs';
import { create } from './dawn.mjs';

const [kernelPath = 'shaders/matmul_tiled.wgsl', tileRows = '64', slicesArg = '1'] = process.argv.slice(2);
const shaders = new URL('../../shaders/', import.meta.url);

const TYPES = { f32: { id: 0, rowBytes: (cols) => cols * 4 }, q4_0: { id: 2, rowBytes: (cols) => (cols / 32) * 18 } };
const SHAPES = process.env.QUICK ? [['small', 256, 512]] : [['q', 2048, 2048], ['gate', 5632, 2048], ['down', 2048, 5632]];

async function measure(gpu, label) {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  const device = await adapter.requestDevice({
    requiredFeatures: ['timestamp-query'],
    requiredLimits: { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize, maxBufferSize: adapter.limits.maxBufferSize },
  });
  const results = [];
  for (const [typeName, type] of Object.entries(TYPES)) {
    const code = `const WEIGHT_TYPE: u32 = ${type.id}u;\n` + readFileSync(new URL('weights.wgsl', shaders), 'utf8') + readFileSync(kernelPath, 'utf8');
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code }), entryPoint: 'main' } });
    for (const [name, rows, cols] of SHAPES) {
      for (const n of [256, 150]) {
        const bytes = rows * type.rowBytes(cols);
        const w = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
        const random = new Uint8Array(bytes);
        for (let i = 0; i < bytes; i += 65536) crypto.getRandomValues(random.subarray(i, Math.min(bytes, i + 65536)));
        if (typeName === 'f32') new Float32Array(random.buffer).forEach((_, i, a) => { a[i] = (i % 7) / 7 - 0.5; });
        device.queue.writeBuffer(w, 0, random);
        const x = device.createBuffer({ size: n * cols * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
        device.queue.writeBuffer(x, 0, new Float32Array(n * cols).map((_, i) => (i % 13) / 13));
        const y = device.createBuffer({ size: n * rows * 4 * +slicesArg, usage: GPUBufferUsage.STORAGE });
        const tiles = Math.ceil(rows / +tileRows);
        const slices = +slicesArg;  // the columns cut into slices, each summed apart (sum_slices.wgsl adds them: not timed)
        const params = device.createBuffer({ size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
        device.queue.writeBuffer(params, 0, new Uint32Array([rows, cols, n, tiles, slices, 0, 0, 0]));
        const group = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [w, x, y, params].map((buffer, binding) => ({ binding, resource: { buffer } })) });
        // Passes of `repeats` products each: Dawn quantizes timestamps (to ~65 µs on the H200),
        // more than one product takes.
        const runs = process.env.QUICK ? 2 : 4;
        const repeats = process.env.QUICK ? 2 : 25;
        const queries = device.createQuerySet({ type: 'timestamp', count: 2 * runs });
        const encoder = device.createCommandEncoder();
        for (let r = 0; r < runs; ++r) {
          const pass = encoder.beginComputePass({ timestampWrites: { querySet: queries, beginningOfPassWriteIndex: 2 * r, endOfPassWriteIndex: 2 * r + 1 } });
          pass.setPipeline(pipeline);
          pass.setBindGroup(0, group);
          for (let k = 0; k < repeats; ++k) pass.dispatchWorkgroups(tiles, 1, Math.ceil(n / 64) * slices);
          pass.end();
        }
        const resolved = device.createBuffer({ size: 16 * runs, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
        const back = device.createBuffer({ size: 16 * runs, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
        encoder.resolveQuerySet(queries, 0, 2 * runs, resolved, 0);
        encoder.copyBufferToBuffer(resolved, 0, back, 0, 16 * runs);
        device.queue.submit([encoder.finish()]);
        await back.mapAsync(GPUMapMode.READ);
        const t = new BigUint64Array(back.getMappedRange());
        const ms = [];
        for (let r = 1; r < runs; ++r) ms.push(Number(t[2 * r + 1] - t[2 * r]) / 1e6 / repeats);  // the first warms up
        const best = Math.min(...ms);
        results.push({ robustness: label, slices, type: typeName, product: name, rows, cols, tokens: n, ms: +best.toFixed(4),
          TFLOPS: +((2 * rows * cols * n) / best / 1e9).toFixed(2) });
        [w, x, y, params, resolved, back].forEach((b) => b.destroy());
        queries.destroy();
      }
    }
  }
  device.destroy();
  return results;
}

const results = [...await measure(create([]), 'on'), ...await measure(create(['enable-dawn-features=disable_robustness']), 'off')];
for (const r of results) console.log(JSON.stringify(r));
process.exit(0);
