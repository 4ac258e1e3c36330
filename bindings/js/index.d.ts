// Types of the npm package `wasm-chord`.

/** One model file. A URL or (in Node) path named like llama.cpp's split files, PREFIX-00001-of-00003.gguf, loads every part. */
export type ModelFile = string | URL | Request | Blob | ArrayBuffer | ArrayBufferView | ReadableStream<Uint8Array>;
/** A model file, or the files of a split model in order. */
export type ModelSource = ModelFile | ModelFile[];

/** A program's own store for cached model files: the Cache API's Cache, or anything with the same three methods. */
export interface ModelCache {
  match(url: string): Promise<Response | undefined>;
  put(url: string, response: Response): Promise<void>;
  delete(url: string): Promise<boolean>;
}

/** off: not asked for; unavailable: no OPFS or Cache API here (or not the one asked for); miss: not cached and not stored; hit: every
 * file came from the cache; stored: downloaded and stored for next time; failed: storing failed (quota) */
export type CacheStatus = 'off' | 'unavailable' | 'miss' | 'hit' | 'stored' | 'failed';

/** A cached model file. */
export interface CachedModel {
  /** the absolute URL it was downloaded from */
  url: string;
  size: number;
  where: 'opfs' | 'cache-api';
}

/** Chord.cache: the files of OPFS and the Cache API that `cache` keeps. */
export interface ModelCacheManager {
  list(): Promise<CachedModel[]>;
  has(url: string | URL): Promise<boolean>;
  /** bytes of every cached file */
  size(): Promise<number>;
  /** true when there was a file to remove */
  delete(url: string | URL): Promise<boolean>;
  clear(): Promise<void>;
}

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
  /** keep files downloaded from URLs and reuse them (keyed by URL, checked against the server's size
   * with a HEAD request; offline, used as they are): true keeps them in the Origin Private File System
   * where the browser has it, else in the Cache API; 'opfs' or 'cache-api' asks for one; or a store of
   * the program's. Chord.cache manages them */
  cache?: boolean | 'opfs' | 'cache-api' | ModelCache;
  /** 'auto' (default): WebGPU where navigator.gpu gives an adapter, else the CPU; 'webgpu' fails
   * with ChordError "unsupported" where there is none. In Node, set globalThis.navigator = { gpu }
   * from the npm `webgpu` package to compute on WebGPU. */
  backend?: 'auto' | 'cpu' | 'webgpu';
  /** CPU threads (a whole number >= 1); default: every core in the threaded build, 1 in the single-threaded one
   * (which is what runs without cross-origin isolation, whatever is asked) */
  threads?: number;
  /** bytes the model may hold in WebAssembly memory (its file, KV cache and buffers; on WebGPU not the
   * weights, which stream into the GPU); a model over it is a ChordError "out_of_memory" before the
   * memory is taken. 0 (default): the wasm limit, 4 GB (16 GB in the Memory64 build, which a model
   * file beyond 4 GiB loads into for the CPU) */
  maxMemory?: number;
  /** bytes the model may hold on the GPU (its weights as uploaded, KV cache and buffers); a model
   * over it is a ChordError "out_of_memory" before anything is allocated there. 0 (default): no
   * budget (WebGPU does not tell how much memory a device has). A device that runs out while the
   * model loads is "out_of_memory" too, with the model's needs in the message */
  maxGpuMemory?: number;
  /** how the KV cache stores keys and values: 'f16' (default, as llama.cpp), 'q8_0' (about half of
   * f16's memory; needs attention heads of a multiple of 32 values) or 'f32'. Another value is a
   * ChordError "invalid_argument" */
  kvCacheType?: KvCacheType;
  /** prompt tokens per forward pass: 0 (default) is the backend's choice, 64 on the CPU and 256 on
   * WebGPU (whose tiled products need many tokens at once to fill the GPU). Each batch is one step of
   * generate(): onPromptProgress hears of it, and an abort can land between batches */
  batchSize?: number;
  /** the URL of the package's dist/ folder (its wasm modules), where they are not beside the code: a
   * CDN, or a setup that moved them. The first load in a page or worker decides */
  assetBase?: string | URL;
}

export type KvCacheType = 'f16' | 'q8_0' | 'f32';

export interface WorkerLoadOptions extends LoadOptions {
  /** the worker's script (the package's dist/worker.js or a bundle of src/worker.js), where it is not
   * where the package finds it; a script of another origin is started through a same-origin blob. A
   * worker that cannot start rejects the load with ChordError "worker_failed" */
  workerUrl?: string | URL;
}

export interface MemoryUsage {
  /** the WebAssembly heap's size: it grows as models load and never shrinks */
  heapBytes: number;
  /** bytes of the heap in use */
  allocatedBytes: number;
}

/** Bytes of one part of a model and where they live: 'wasm' (the module's WebAssembly memory) or 'gpu' */
export interface MemoryPart {
  bytes: number;
  where: 'wasm' | 'gpu';
}

export interface ModelMemory {
  /** the weights: in the file's bytes in wasm memory on the CPU (which computes on them in place), as
   * uploaded on the GPU (some types widened to floats) */
  weights: MemoryPart;
  kvCache: MemoryPart;
  /** activations, logits and reused work areas */
  activations: MemoryPart;
  /** the area a WebGPU load streamed the weights through (0 for other loads); held while loading only */
  staging: MemoryPart & { whileLoading: true };
  /** the model file's bytes in wasm memory: all of it on the CPU (weights included), its headers
   * alone after a WebGPU load */
  file: MemoryPart;
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
  /** how the KV cache stores keys and values (LoadOptions.kvCacheType) */
  kvCacheType: KvCacheType;
  /** prompt tokens per forward pass (LoadOptions.batchSize) */
  batchSize: number;
  /** the KV cache's bytes: keys and values of every layer for the whole context (on the GPU with WebGPU) */
  kvCacheBytes: number;
  weightType: string;
  /** 'model' where the file has its own chat template (chatPrompt() and chat.completions render it), else null */
  chatTemplate: 'model' | null;
  /** the tool-call format the model's template teaches, read from replies when a chat call has tools */
  toolCallFormat: ToolCallFormat;
  backend: 'cpu' | 'webgpu';
  /** why that backend: "asked for", "a WebGPU adapter is there", or what WebGPU lacked */
  backendReason: string;
  /** CPU threads the model computes on */
  threads: number;
  /** the CPU kernels of the quantized products: "relaxed-simd" where the engine has relaxed SIMD (used for decoding), else "simd128" */
  kernels: string;
  /** what the model holds, by part: its bytes and where they are */
  memory: ModelMemory;
  /** WebGPU: the GPU dispatches one decoding step records (its fused plan); 0 before the first step and on the CPU */
  gpuDispatchesPerToken: number;
  /** the wasm build in use: "threads" in a worker (loadInWorker's or a program's own) of a cross-origin
   * isolated page, else "single" (on a page's main thread always: pthreads would block it);
   * "memory64" for a model file beyond 4 GiB (one thread, the CPU backend) */
  build: 'single' | 'threads' | 'memory64';
  /** what `cache` did for this load */
  cache: CacheStatus;
  /** where the cache keeps files: 'opfs', 'cache-api', 'custom' (a ModelCache), or null without one */
  cacheWhere: 'opfs' | 'cache-api' | 'custom' | null;
  /** how many files the model was loaded from (more than one for a split model) */
  files: number;
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
  stop?: string | string[];
  /** false: end-of-generation tokens (EOS, <|im_end|>, …) do not end the generation (default true) */
  stopAtEndOfGeneration?: boolean;
  /** control tokens ([TOOL_CALLS], <|python_tag|>) appear in the text as their names */
  renderSpecial?: boolean;
  /** when the context is full: keep the first nKeep tokens, drop the older half of the rest and go on, as llama.cpp does
   * (default true; CPU backend); false: stop with 'context_full' */
  contextShift?: boolean;
  /** tokens a shift keeps (llama.cpp's --keep: 0 = only BOS, -1 = the whole prompt) */
  nKeep?: number;
  /** report each token's logprob with this many most likely tokens beside it (0 to 20) */
  topLogprobs?: number;
  /** added to the logits of these token ids before sampling ({ "15043": -100 } all but bans one) */
  logitBias?: Record<string, number>;
  /** a GBNF grammar (llama.cpp's format, start rule `root`) the generated text must follow; the generation stops when it is complete */
  grammar?: string;
  /** a JSON Schema the generated text must be a valid document of (made into a grammar); `{ type: 'object' }` is any JSON object */
  jsonSchema?: object | boolean | string;
  /** stops the generation, also while the prompt is read */
  signal?: AbortSignal;
  /** after each batch of the prompt is read: tokens read so far, of total */
  onPromptProgress?: (progress: { read: number; total: number }) => void;
}

export interface GenerateChunk {
  text: string;
  token: number;
  /** with topLogprobs: the tokens generated since the last chunk */
  logprobs?: TokenLogprob[];
}

/** A generated token's log-probability (the log-softmax of the model's logits) and the most likely tokens beside it. */
export interface TokenLogprob {
  id: number;
  /** the token's text (its bytes as UTF-8; a piece of a character shows as U+FFFD) */
  token: string;
  bytes: number[];
  logprob: number;
  top: { id: number; token: string; bytes: number[]; logprob: number }[];
}

export type FinishReason = 'stop' | 'length' | 'context_full' | 'cancelled';

export interface CompleteResult {
  text: string;
  tokens: number[];
  finishReason: FinishReason;
  /** promptTokensComputed: the prompt's tokens not already in the cache (the rest were reused) */
  timings: { promptTokens: number; promptTokensComputed: number; promptMs: number; predictedTokens: number; predictedMs: number };
  /** how often the context was full and shifted (see GenerateOptions.contextShift) */
  contextShifts: number;
  /** with topLogprobs: one per token */
  logprobs?: TokenLogprob[];
}

/** What failed: chord::ErrorCode's names (the library's), then the loader's: a download that
 * failed (network), a server's error answer (http_status, with `status`), a worker that could not
 * start; a GPU device that was lost (device_lost: unload the model and load it again). (An aborted load rejects with the AbortSignal's reason, not a ChordError.) */
export type ChordErrorCode =
  | 'invalid_argument' | 'io' | 'truncated' | 'not_gguf' | 'unsupported_version' | 'malformed' | 'unsupported_type'
  | 'unsupported' | 'missing_key' | 'wrong_type' | 'not_found' | 'context_full' | 'cancelled' | 'out_of_memory'
  | 'network' | 'http_status' | 'worker_failed' | 'device_lost';

export class ChordError extends Error {
  code: ChordErrorCode;
  /** the HTTP status of an http_status error */
  status?: number;
  /** the error underneath (a fetch or file error, a worker's), where there is one */
  cause?: unknown;
}

export class Chord {
  static load(source: ModelSource, options?: LoadOptions): Promise<Chord>;
  /** the same API with the model in a Web Worker (a worker thread in Node): the page never freezes */
  static loadInWorker(source: ModelSource, options?: WorkerLoadOptions): Promise<WorkerChord>;
  /** the model files `cache: true` keeps, in OPFS and the Cache API */
  static cache: ModelCacheManager;
  /** removes a URL's file from the cache, or every cached model when no URL is given (Chord.cache's older form) */
  static deleteCached(url?: string | URL): Promise<boolean>;
  /** the WebAssembly heap: how large it is and how much of it is in use */
  static memoryUsage(): Promise<MemoryUsage>;
  readonly info: ModelInfo;
  tokenize(text: string, options?: { bos?: boolean; special?: boolean }): number[];
  detokenize(ids: Iterable<number>, options?: { special?: boolean }): string;
  /** logits after `ids` at positions nPast.. (forgets the generation cache) */
  /** a Float32Array on the CPU backend, a Promise of one on WebGPU */
  forward(ids: Iterable<number>, nPast?: number): Float32Array | Promise<Float32Array>;
  generate(prompt: string | Iterable<number>, options?: GenerateOptions): AsyncGenerator<GenerateChunk, void, void>;
  complete(prompt: string | Iterable<number>, options?: GenerateOptions): Promise<CompleteResult>;
  lastResult(): CompleteResult;
  chatPrompt(messages: ChatMessage[], options?: ChatPromptOptions): { prompt: string; template: string };
  /** a finished reply split into content, reasoning and tool calls (format: default info.toolCallFormat) */
  parseReply(text: string, format?: ToolCallFormat, tools?: ChatTool[]): ParsedReply;
  /** a reply still streaming: its reasoning, and the content safe to show (never part of a call's marker) */
  replySoFar(text: string, format?: ToolCallFormat): { reasoning: string; content: string };
  /** GBNF (for the grammar option) of a reply that is only calls of `tools` in the model's format: of `name` only, one call unless `parallel` */
  toolCallGrammar(tools: ChatTool[], options?: { name?: string; parallel?: boolean; format?: ToolCallFormat }): string;
  /** the embedding of a text or token ids (one Float32Array of embeddingLength), or of each text of an array */
  embed(input: string | number[], options?: EmbedOptions): Promise<Float32Array>;
  embed(input: string[], options?: EmbedOptions): Promise<Float32Array[]>;
  embedOne(input: string | number[], options?: EmbedOptions): Promise<{ embedding: Float32Array; tokens: number }>;
  /** the conversation's cache (tokens, keys, values) as bytes, for loadSession() after a reload, on either backend */
  saveSession(): Promise<Uint8Array>;
  loadSession(bytes: Uint8Array): { cachedTokens: number };
  readonly chat: { completions: ChatCompletions };
  readonly embeddings: Embeddings;
  unload(): Promise<void>;
}

export interface ChatPromptOptions {
  /** a built-in format's name (chatml, qwen3, llama3, ...), for models without a template or to
   * override it; default: the model's own chat template (tokenizer.chat_template) */
  template?: string;
  /** OpenAI-style tools for the template to describe to the model */
  tools?: ChatTool[];
  /** the template's other variables (chat_template_kwargs) */
  variables?: ChatTemplateKwargs;
  /** end the prompt where the assistant's answer begins (default true) */
  addGenerationPrompt?: boolean;
  /**
   * Qwen3's switch (default true): false ends the prompt with an empty thinking block, as Qwen3's
   * template does for enable_thinking=false, so the model answers without thinking first.
   * Templates without the switch ignore it.
   */
  enableThinking?: boolean;
}

/** Variables of the chat template, as llama.cpp's and vLLM's OpenAI-style servers take them. */
/** The chat template's variables. The model's own template reads any it knows; the built-in
 * formats read enable_thinking only (another key is an error there). */
export interface ChatTemplateKwargs {
  /** Qwen3's switch (default true); templates without it ignore it */
  enable_thinking?: boolean;
  [variable: string]: unknown;
}

/** An OpenAI-style message: the model's own template may read more fields (tool_calls, name,
 * tool_call_id, reasoning_content, content as parts); the built-in formats read role and text content. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool' | (string & {});
  content: string | null | { type: string; text?: string }[];
  [field: string]: unknown;
}

/** An OpenAI-style tool, for templates that describe tools to the model. */
export interface ChatTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

export interface EmbedOptions {
  /** how the tokens' hidden states become one vector; default: the file's pooling_type, else 'mean' */
  pooling?: 'mean' | 'last' | 'cls';
  /** L2-normalize (default true, as llama.cpp's --embd-normalize 2) */
  normalize?: boolean;
}

export interface EmbeddingsRequest {
  input: string | string[] | number[] | number[][];
  /** accepted as OpenAI clients send it; the loaded model answers */
  model?: string;
  encoding_format?: 'float' | 'base64';
  user?: string;
}

export interface EmbeddingsResponse {
  object: 'list';
  data: { object: 'embedding'; index: number; embedding: number[] | string }[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

export class Embeddings {
  create(request: EmbeddingsRequest): Promise<EmbeddingsResponse>;
}

export type ToolCallFormat = 'none' | 'hermes' | 'llama3-json' | 'mistral' | 'qwen3-coder';

export interface ParsedReply {
  content: string;
  reasoning: string;
  toolCalls: { id: string; name: string; arguments: string }[];
}

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; json_schema: { name: string; schema?: Record<string, unknown> | boolean; strict?: boolean | null; description?: string } };

/** What create() implements; any other field is a ChordError "invalid_argument". */
export interface ChatCompletionRequest {
  messages: ChatMessage[];
  /** accepted as OpenAI clients send it; the loaded model answers */
  model?: string;
  stream?: boolean;
  /** include_usage: a last chunk with no choices carries the usage */
  stream_options?: { include_usage?: boolean };
  max_tokens?: number;
  max_completion_tokens?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  min_p?: number;
  stop?: string | string[];
  seed?: number;
  /** choices to write (1 to 16), choice i with seed + i */
  n?: number;
  logprobs?: boolean;
  /** with logprobs: the most likely tokens beside each (0 to 20) */
  top_logprobs?: number;
  logit_bias?: Record<string, number>;
  /** the reply's form: free text, any JSON object, or a document valid under a JSON Schema (always enforced, token by token) */
  response_format?: ResponseFormat;
  /** a GBNF grammar the reply must follow (llama.cpp server's extension); not together with a JSON response_format */
  grammar?: string;
  /** functions the model may call: passed to its chat template; calls come back as message.tool_calls */
  tools?: ChatTool[];
  /**
   * 'auto' (default: the model decides), 'none' (tools are not shown to the model), 'required' (the
   * reply is one or more calls) or a function the reply must call; the last two are enforced by a
   * grammar of the model's call format, the arguments valid under the tool's parameters
   */
  tool_choice?: 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };
  /** false: at most one call (default true) */
  parallel_tool_calls?: boolean;
  /** a built-in format's name (chatml, qwen3, llama3, phi3, ...); default: the model's own template */
  template?: string;
  /** the template's variables, e.g. { enable_thinking: false } for Qwen3 without thinking */
  chat_template_kwargs?: ChatTemplateKwargs;
  signal?: AbortSignal;
}

export interface ChatLogprobs {
  content: { token: string; logprob: number; bytes: number[]; top_logprobs: { token: string; logprob: number; bytes: number[] }[] }[];
  refusal: null;
}

export interface ToolCall {
  id: string;
  type: 'function';
  /** arguments: a JSON text, as OpenAI sends it */
  function: { name: string; arguments: string };
}

export interface AssistantMessage {
  role: 'assistant';
  /** null when the reply is only tool calls */
  content: string | null;
  /** the reasoning block a thinking model wrote first (with tools) */
  reasoning_content?: string;
  tool_calls?: ToolCall[];
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: { index: number; message: AssistantMessage; logprobs: ChatLogprobs | null; finish_reason: 'stop' | 'length' | 'cancelled' | 'tool_calls' }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: {
    index: number;
    delta: { role?: 'assistant'; content?: string; reasoning_content?: string; tool_calls?: (ToolCall & { index: number })[] };
    logprobs?: ChatLogprobs;
    finish_reason: 'stop' | 'length' | 'cancelled' | 'tool_calls' | null;
  }[];
  /** only on the last chunk, with stream_options.include_usage (then choices is empty) */
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
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
  chatPrompt(messages: ChatMessage[], options?: ChatPromptOptions): Promise<{ prompt: string; template: string }>;
  parseReply(text: string, format?: ToolCallFormat, tools?: ChatTool[]): Promise<ParsedReply>;
  replySoFar(text: string, format?: ToolCallFormat): Promise<{ reasoning: string; content: string }>;
  toolCallGrammar(tools: ChatTool[], options?: { name?: string; parallel?: boolean; format?: ToolCallFormat }): Promise<string>;
  embed(input: string | number[], options?: EmbedOptions): Promise<Float32Array>;
  embed(input: string[], options?: EmbedOptions): Promise<Float32Array[]>;
  embedOne(input: string | number[], options?: EmbedOptions): Promise<{ embedding: Float32Array; tokens: number }>;
  saveSession(): Promise<Uint8Array>;
  loadSession(bytes: Uint8Array): Promise<{ cachedTokens: number }>;
  generate(prompt: string | Iterable<number>, options?: GenerateOptions): AsyncGenerator<GenerateChunk, void, void>;
  complete(prompt: string | Iterable<number>, options?: GenerateOptions): Promise<CompleteResult>;
  lastResult(): Promise<CompleteResult>;
  readonly chat: { completions: ChatCompletions };
  readonly embeddings: Embeddings;
  unload(): Promise<void>;
}
