// Opens a test page in headless Chromium (Debian's /usr/bin/chromium via playwright-core), served
// with the package, the shared models, the goldens and their generated models, and returns the page's window.__result.
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { serve } from './server.mjs';
import { generatedModelsDir, goldenDir } from './golden-models.mjs';
import { sharedPath } from './shared.mjs';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const pagesDir = fileURLToPath(new URL('.', import.meta.url));
const testDataDir = fileURLToPath(new URL('../../../tests/data/', import.meta.url));

// routes: extra URL prefixes to serve; isolated: send COOP/COEP (the threaded build runs only then);
// webgpu: give the page a WebGPU adapter (SwiftShader, no GPU needed), else it has none; drops:
// paths whose first download the server breaks off after that many bytes (server.mjs).
export async function runPage(page, { routes = {}, isolated = true, timeout = 120000, webgpu = false, drops = {} } = {}) {
  const server = await serve({
    '/pkg/': packageDir, '/models/': sharedPath('models'), '/golden/': goldenDir, '/golden-models/': generatedModelsDir, '/data/': testDataDir,
    ...routes, '/': pagesDir,
  }, { isolated, drops });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run',
      ...(webgpu ? ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-webgpu-adapter=swiftshader'] : ['--disable-gpu'])],
  });
  try {
    const tab = await browser.newPage();
    await tab.goto(`${server.url}/${page}`);
    const handle = await tab.waitForFunction(() => window.__result, null, { timeout, polling: 250 });
    return { result: await handle.jsonValue(), requests: server.requests, url: server.url };
  } finally {
    await browser.close();
    server.close();
  }
}
