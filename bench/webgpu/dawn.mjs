// Dawn (the npm `webgpu` package) for the benchmarks in Node: it is a devDependency of
// bindings/js, so it resolves from there; importing this installs its WebGPU globals
// (GPUBufferUsage, …).
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../bindings/js/package.json', import.meta.url));
const { create, globals } = await import(require.resolve('webgpu'));
Object.assign(globalThis, globals);

export { create };

// A Dawn instance and its high-performance adapter. Keep `gpu` referenced for as long as any of
// its devices: Dawn's instance must outlive them.
export async function dawnAdapter() {
  const gpu = create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('no WebGPU adapter');
  return { gpu, adapter };
}
