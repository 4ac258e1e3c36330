// Errors of wasm-chord in JS: the library's message and its error code, also across a worker.
import * as Comlink from 'comlink';

export class ChordError extends Error {
  // code: chord::ErrorCode's name ("truncated", "not_gguf", "context_full", ...) or one of the JS
  // side's: "network" (a download failed), "http_status" (the server answered an error: `status`
  // holds it), "worker_failed" (the worker could not start), "device_lost" (the WebGPU device went
  // away); index.d.ts lists them all.
  // `cause`: the error underneath, where there is one.
  constructor(message, code, { cause, status } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ChordError';
    this.code = code;
    if (status !== undefined) this.status = status;
  }
}

// Bindings report errors as { error, code }: make them real Errors.
export function check(result) {
  if (result && typeof result === 'object' && typeof result.error === 'string') {
    throw new ChordError(result.error, result.code);
  }
  return result;
}

// comlink sends thrown Errors as name, message and stack only; keep the code and the class too.
const builtIn = Comlink.transferHandlers.get('throw');
Comlink.transferHandlers.set('throw', {
  canHandle: builtIn.canHandle,
  serialize({ value }) {
    if (value instanceof Error) {
      const { name, message, stack, code, status } = value;
      return [{ isError: true, value: { name, message, stack, code, status, cause: value.cause && String(value.cause) } }, []];
    }
    return [{ isError: false, value }, []];
  },
  deserialize(serialized) {
    if (!serialized.isError) throw serialized.value;
    const { name, message, stack, code, status, cause } = serialized.value;
    const error = name === 'ChordError' ? new ChordError(message, code, { cause, status }) : Object.assign(new Error(message), { name });
    error.stack = stack;
    throw error;
  },
});
