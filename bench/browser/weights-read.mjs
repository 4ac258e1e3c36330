// Bytes of weights a decode step reads, from `chord inspect --json FILE`: every 2-D weight
// matrix is read once per token. token_embd is only looked up (one row), unless the model ties
// its output to it (no output.weight): then it is also the output matrix, read whole.
export function weightBytesPerToken(inspect) {
  const tied = !inspect.tensors.some((t) => t.name === 'output.weight');
  return inspect.tensors
    .filter((t) => t.shape.length === 2 && (tied || t.name !== 'token_embd.weight'))
    .reduce((sum, t) => sum + t.bytes, 0);
}
