// How close two embeddings are: their cosine and the largest difference of a component (the
// embeddings tests against llama.cpp, and WebGPU's against the CPU's).
export function compareVectors(ours, theirs) {
  let dot = 0, a = 0, b = 0, diff = 0;
  for (let i = 0; i < theirs.length; i++) {
    dot += ours[i] * theirs[i];
    a += ours[i] * ours[i];
    b += theirs[i] * theirs[i];
    diff = Math.max(diff, Math.abs(ours[i] - theirs[i]));
  }
  return { cosine: dot / Math.sqrt(a * b), diff };
}
