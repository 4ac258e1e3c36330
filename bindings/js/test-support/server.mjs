// A static file server for the browser tests: routes URL prefixes to directories, answers HEAD,
// sends the cross-origin isolation headers the threaded build needs (unless `isolated: false`),
// and logs every request so that tests can count downloads.
import { createServer } from 'node:http';
import { createReadStream, stat } from 'node:fs';
import path from 'node:path';

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

export async function serve(routes, { isolated = true } = {}) {
  const requests = [];
  const prefixes = Object.keys(routes).sort((a, b) => b.length - a.length);
  const server = createServer((req, res) => {
    const url = decodeURIComponent(req.url.split('?')[0]);
    requests.push({ method: req.method, url });
    const prefix = prefixes.find((p) => url.startsWith(p));
    const file = prefix && path.join(routes[prefix], url.slice(prefix.length));
    if (!file) return res.writeHead(404).end();
    stat(file, (error, st) => {
      if (error || !st.isFile()) return res.writeHead(404).end();
      res.writeHead(200, {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'content-length': st.size,
        ...(isolated ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {}),
      });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file).pipe(res);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, requests, close: () => server.close() };
}
