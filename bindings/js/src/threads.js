// The threaded build (dist/threads/), loaded in workers of a cross-origin isolated page (module.js).
// Its three files are assets, not bundled code: bundlers copy each `new URL(..., import.meta.url)`
// file as it is, and the module is imported from its URL at run time. Its pthreads are workers that
// import chord.js again, so the script's own URL is handed to them (mainScriptUrlOrBlob); they start
// from a same-origin blob that loads Emscripten's worker script, since a bundler may have inlined
// that small file as a data: URL, or a CDN serves it from another origin.
export async function loadThreadsModule({ assetBase } = {}) {
  const files = assetBase
    ? { script: new URL('threads/chord.js', assetBase), wasm: new URL('threads/chord.wasm', assetBase), pthread: new URL('threads/chord.worker.js', assetBase) }
    : {
      script: new URL('../dist/threads/chord.js', import.meta.url),
      wasm: new URL('../dist/threads/chord.wasm', import.meta.url),
      pthread: new URL('../dist/threads/chord.worker.js', import.meta.url),
    };
  const { default: createThreadsModule } = await import(/* @vite-ignore */ /* webpackIgnore: true */ files.script.href);
  const pthread = URL.createObjectURL(new Blob([`importScripts(${JSON.stringify(files.pthread.href)});`], { type: 'text/javascript' }));
  return createThreadsModule({
    mainScriptUrlOrBlob: files.script.href,
    locateFile: (file) => (file.endsWith('.wasm') ? files.wasm.href : file.endsWith('.worker.js') ? pthread : new URL(file, files.script).href),
  });
}
