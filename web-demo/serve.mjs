// Serves the demo on 127.0.0.1, cross-origin isolated (so the threaded build runs):
//   node web-demo/serve.mjs [port]   (default 8080; 0 picks a free one)
// The page at /, the npm package at /pkg/ (its src, dist and comlink), the bundled models at /models/.
import { fileURLToPath } from 'node:url';
import { serve } from '../bindings/js/test-support/server.mjs';

const here = (relative) => fileURLToPath(new URL(relative, import.meta.url));

export function serveDemo({ port = 0, routes = {} } = {}) {
  return serve({ '/pkg/': here('../bindings/js/'), '/models/': here('../models/'), ...routes, '/': here('./') }, { port });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await serveDemo({ port: Number(process.argv[2] ?? 8080) });
  console.log(`wasm-chord demo: ${url}/  (Ctrl+C stops it)`);
}
