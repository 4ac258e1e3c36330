// Builds the demo (build.mjs) and serves web-demo/dist/ on 127.0.0.1:
//   node web-demo/serve.mjs [port] [--static]   (default 8080; 0 picks a free one)
// It sends the cross-origin isolation headers, unless --static: then it is a plain static host and
// the page's service worker provides the isolation, as on GitHub Pages.
import { fileURLToPath } from 'node:url';
import { serve } from '../bindings/js/test-support/server.mjs';
import { buildDemo } from './build.mjs';

export function serveDemo({ port = 0, routes = {}, isolated = true } = {}) {
  return serve({ ...routes, '/': buildDemo() }, { port, isolated });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const { url } = await serveDemo({ port: Number(args.find((a) => !a.startsWith('--')) ?? 8080), isolated: !args.includes('--static') });
  console.log(`wasm-chord demo: ${url}/  (Ctrl+C stops it)`);
}
