// Errors of wasm-chord in JS: the library's message and its error code, also across a worker.
import * as Comlink from 'comlink';

export class ChordError extends Error {
  constructor(message, code) {
    super(message);
    this.name = 'ChordError';
    this.code = code; // chord::ErrorCode name: "truncated", "not_gguf", "context_full", ...
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
      return [{ isError: true, value: { name: value.name, message: value.message, stack: value.stack, code: value.code } }, []];
    }
    return [{ isError: false, value }, []];
  },
  deserialize(serialized) {
    if (!serialized.isError) throw serialized.value;
    const { name, message, stack, code } = serialized.value;
    const error = name === 'ChordError' ? new ChordError(message, code) : Object.assign(new Error(message), { name });
    error.stack = stack;
    throw error;
  },
});
