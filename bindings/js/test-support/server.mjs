// A static file server for the browser tests and the web demo (web-demo/serve.mjs): routes URL
// prefixes to directories, answers HEAD, sends the cross-origin isolation headers the threaded
// build needs (unless `isolated: false`), answers `Range: bytes=N-` (with the file's ETag for
// If-Range), logs every request so that tests can count downloads, and for tests of resumed downloads
// breaks off the first whole-file GET of each path in `drops` after that many bytes.
import { createServer } from 'node:http';
import { createReadStream, stat } from 'node:fs';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html', '.css': 'text/css', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.json': 'application/json', '.png': 'image/png',
};

export async function serve(routes, { isolated = true, port = 0, drops = {} } = {}) {
  const requests = [];
  const dropped = new Set();
  const prefixes = Object.keys(routes).sort((a, b) => b.length - a.length);
  const server = createServer((req, res) => {
    const url = decodeURIComponent(req.url.split('?')[0]);
    requests.push({ method: req.method, url, range: req.headers.range });
    const prefix = prefixes.find((p) => url.startsWith(p));
    let file = prefix && path.join(routes[prefix], url.slice(prefix.length));
    if (file && url.endsWith('/')) file = path.join(file, 'index.html');
    if (!file || path.relative(routes[prefix], file).startsWith('..')) return res.writeHead(404).end();
    stat(file, (error, st) => {
      if (error || !st.isFile()) return res.writeHead(404).end();
      const etag = `"${st.size}-${st.mtimeMs}"`;
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      const ifRange = req.headers['if-range'];
      const start = range && (!ifRange || ifRange === etag) ? Number(range[1]) : 0;
      res.writeHead(start ? 206 : 200, {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'content-length': st.size - start,
        etag,
        'accept-ranges': 'bytes',
        ...(start ? { 'content-range': `bytes ${start}-${st.size - 1}/${st.size}` } : {}),
        ...(isolated ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {}),
      });
      if (req.method === 'HEAD') return res.end();
      if (drops[url] !== undefined && !start && !dropped.has(url)) {
        dropped.add(url);
        const part = createReadStream(file, { start: 0, end: drops[url] - 1 });
        return part.on('end', () => setTimeout(() => res.socket.destroy(), 20)).pipe(res, { end: false });
      }
      createReadStream(file, { start }).pipe(res);
    });
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, requests, close: () => server.close() };
}
