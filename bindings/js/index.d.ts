// Types of the npm package `wasm-chord`.

export type ModelSource = string | URL | Request | Blob | ArrayBuffer | ArrayBufferView | ReadableStream<Uint8Array>;

export interface LoadProgress {
  loaded: number;
  /** null when the source does not say its size */
  total: number | null;
}

export interface LoadOptions {
  onProgress?: (progress: LoadProgress) => void;
  signal?: AbortSignal;
  /** context window in tokens; 0 (default): the model's, at most 4096 */
  contextLength?: number;
}

export interface ModelInfo {
  architecture: string;
  name: string;
  vocabularySize: number;
  embeddingLength: number;
  layers: number;
  heads: number;
  kvHeads: number;
  contextLength: number;
  trainedContextLength: number;
  weightType: string;
  backend: string;
  /** the wasm build in use: "threads" where the page is cross-origin isolated, else "single" */
  build: 'single' | 'threads';
}

export interface GenerateOptions {
  maxTokens?: number;
  /** 0: greedy */
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  repeatPenalty?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  penaltyLastN?: number;
  seed?: number;
  /** the generation ends before the first of these strings */
  stop?: string[];
  signal?: AbortSignal;
}

export interface GenerateChunk {
  text: string;
  token: number;
}

export type FinishReason = 'stop' | 'length' | 'context_full' | 'cancelled';

export interface CompleteResult {
  text: string;
  tokens: number[];
  finishReason: FinishReason;
  timings: { promptTokens: number; promptMs: number; predictedTokens: number; predictedMs: number };
}

export class ChordError extends Error {
  /** chord::ErrorCode name: "truncated", "not_gguf", "unsupported", "context_full", "invalid_argument", ... */
  code: string;
}

export class Chord {
  static load(source: ModelSource, options?: LoadOptions): Promise<Chord>;
  /** the same API with the model in a Web Worker (a worker thread in Node): the page never freezes */
  static loadInWorker(source: ModelSource, options?: LoadOptions): Promise<WorkerChord>;
  readonly info: ModelInfo;
  tokenize(text: string, options?: { bos?: boolean; special?: boolean }): number[];
  detokenize(ids: Iterable<number>, options?: { special?: boolean }): string;
  /** logits after `ids` at positions nPast.. (forgets the generation cache) */
  forward(ids: Iterable<number>, nPast?: number): Float32Array;
  generate(prompt: string | Iterable<number>, options?: GenerateOptions): AsyncGenerator<GenerateChunk, void, void>;
  complete(prompt: string | Iterable<number>, options?: GenerateOptions): Promise<CompleteResult>;
  lastResult(): CompleteResult;
  chatPrompt(messages: ChatMessage[], options?: { template?: string; addGenerationPrompt?: boolean }): { prompt: string; template: string };
  readonly chat: { completions: ChatCompletions };
  unload(): Promise<void>;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatCompletionRequest {
  messages: ChatMessage[];
  stream?: boolean;
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  min_p?: number;
  stop?: string | string[];
  seed?: number;
  /** chat template name (chatml, llama3, phi3, ...); default: detected from the model */
  template?: string;
  signal?: AbortSignal;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: { index: number; message: { role: 'assistant'; content: string }; finish_reason: 'stop' | 'length' | 'cancelled' }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: { index: number; delta: { role?: 'assistant'; content?: string }; finish_reason: 'stop' | 'length' | 'cancelled' | null }[];
}

export class ChatCompletions {
  create(request: ChatCompletionRequest & { stream: true }): Promise<AsyncIterable<ChatCompletionChunk>>;
  create(request: ChatCompletionRequest & { stream?: false }): Promise<ChatCompletion>;
}

/** A model running in a worker: Chord's API, every call a Promise. */
export interface WorkerChord {
  readonly info: ModelInfo;
  tokenize(text: string, options?: { bos?: boolean; special?: boolean }): Promise<number[]>;
  detokenize(ids: Iterable<number>, options?: { special?: boolean }): Promise<string>;
  chatPrompt(messages: ChatMessage[], options?: { template?: string; addGenerationPrompt?: boolean }): Promise<{ prompt: string; template: string }>;
  generate(prompt: string | Iterable<number>, options?: GenerateOptions): AsyncGenerator<GenerateChunk, void, void>;
  complete(prompt: string | Iterable<number>, options?: GenerateOptions): Promise<CompleteResult>;
  lastResult(): Promise<CompleteResult>;
  readonly chat: { completions: ChatCompletions };
  unload(): Promise<void>;
}
