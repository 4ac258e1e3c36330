// Emscripten JS library: loads the relaxed-SIMD kernels' module (relaxed_kernels.cpp, its bytes
// in chordRelaxedKernelsBase64, defined by the generated --pre-js) beside the main module, on the
// same memory. Compiled once per thread, instantiated once per thread, on first use.
mergeInto(LibraryManager.library, {
  $chordRelaxed: { module: undefined, instance: null },

  // The compiled module, or null where the engine has no relaxed SIMD (validation fails).
  $chordRelaxedModule__deps: ['$chordRelaxed'],
  $chordRelaxedModule: function () {
    if (chordRelaxed.module === undefined) {
      chordRelaxed.module = null;
      try {
        var text = atob(chordRelaxedKernelsBase64);
        var bytes = new Uint8Array(text.length);
        for (var i = 0; i < text.length; ++i) bytes[i] = text.charCodeAt(i);
        if (WebAssembly.validate(bytes)) chordRelaxed.module = new WebAssembly.Module(bytes);
      } catch (e) {
        chordRelaxed.module = null;
      }
    }
    return chordRelaxed.module;
  },

  chord_relaxed_available__deps: ['$chordRelaxedModule'],
  chord_relaxed_available: function () {
    return chordRelaxedModule() ? 1 : 0;
  },

  chord_relaxed_rows__deps: ['$chordRelaxed', '$chordRelaxedModule'],
  chord_relaxed_rows: function (type, w, rowBytes, rows, cols, x, xScale, xSums, tokens, out, outStride) {
    var instance = chordRelaxed.instance;
    if (!instance) {
      instance = chordRelaxed.instance = new WebAssembly.Instance(chordRelaxedModule(), { env: { memory: wasmMemory } });
    }
    instance.exports.rows(type, w, rowBytes, rows, cols, x, xScale, xSums, tokens, out, outStride);
  },
});
