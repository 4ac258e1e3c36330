/* wasm-chord's C ABI: load a GGUF model, tokenize, generate with a callback, embed, free.
 * For C programs and FFI users. Every call that can fail returns a negative status and leaves
 * the message in chord_last_error(); nothing aborts, and the model stays usable after an error. */
#ifndef CHORD_H
#define CHORD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct chord_model chord_model;

/* Negative statuses, one per chord::ErrorCode. */
typedef enum chord_status {
    CHORD_OK = 0,
    CHORD_ERR_INVALID_ARGUMENT = -1,
    CHORD_ERR_IO = -2,
    CHORD_ERR_TRUNCATED = -3,
    CHORD_ERR_NOT_GGUF = -4,
    CHORD_ERR_UNSUPPORTED_VERSION = -5,
    CHORD_ERR_MALFORMED = -6,
    CHORD_ERR_UNSUPPORTED_TYPE = -7,
    CHORD_ERR_UNSUPPORTED = -8,
    CHORD_ERR_MISSING_KEY = -9,
    CHORD_ERR_WRONG_TYPE = -10,
    CHORD_ERR_NOT_FOUND = -11,
    CHORD_ERR_CONTEXT_FULL = -12,
    CHORD_ERR_CANCELLED = -13,
    CHORD_ERR_OUT_OF_MEMORY = -14,
    CHORD_ERR_INTERNAL = -100
} chord_status;

/* Why a generation ended. */
typedef enum chord_finish_reason {
    CHORD_FINISH_STOP = 0,         /* end-of-generation token or stop string */
    CHORD_FINISH_LENGTH = 1,       /* max_tokens reached */
    CHORD_FINISH_CONTEXT_FULL = 2, /* the context window is full */
    CHORD_FINISH_CANCELLED = 3     /* chord_cancel() or the callback returned 0 */
} chord_finish_reason;

/* How chord_embed makes one vector of the tokens' final hidden states: llama.cpp's pooling types,
 * with its numbers. */
typedef enum chord_pooling {
    CHORD_POOLING_DEFAULT = -1, /* the model's (<arch>.pooling_type), else mean */
    CHORD_POOLING_MEAN = 1,
    CHORD_POOLING_CLS = 2,      /* the first token's (BOS, where the vocabulary adds one) */
    CHORD_POOLING_LAST = 3
} chord_pooling;

/* How the KV cache stores keys and values (as llama.cpp's cache types). */
typedef enum chord_kv_cache_type {
    CHORD_KV_CACHE_F16 = 0,  /* the default, as llama.cpp */
    CHORD_KV_CACHE_Q8_0 = 1, /* about half of F16; needs attention heads of a multiple of 32 values */
    CHORD_KV_CACHE_F32 = 2
} chord_kv_cache_type;

typedef struct chord_load_params {
    uint32_t n_ctx;      /* context window in tokens; 0: the model's, at most 4096 */
    uint64_t max_memory; /* bytes the model may hold (file, KV cache, buffers); 0: the machine's memory.
                          * Over it, chord_load fails with the memory the model needs. */
    int32_t kv_cache_type; /* a chord_kv_cache_type; another value fails with CHORD_ERR_INVALID_ARGUMENT */
} chord_load_params;

/* What a loaded model holds. */
typedef struct chord_model_info {
    uint32_t n_ctx;          /* the context window in tokens */
    int32_t kv_cache_type;   /* a chord_kv_cache_type */
    uint64_t kv_cache_bytes; /* keys and values of every layer for the whole context */
} chord_model_info;

typedef struct chord_generate_params {
    int32_t max_tokens;
    float temperature; /* 0: greedy */
    int32_t top_k;     /* 0: off */
    float top_p;       /* 1: off */
    float min_p;       /* 0: off */
    float repeat_penalty;
    uint64_t seed;
    const char* const* stop; /* n_stop stop strings, or NULL */
    size_t n_stop;
    const char* grammar;     /* GBNF (llama.cpp's format, rule "root") the text must follow, or NULL */
    const char* json_schema; /* a JSON Schema (JSON text) the text must be a document of, or NULL */
} chord_generate_params;

/* Receives each piece of generated UTF-8 text; return 0 to stop the generation. */
typedef int (*chord_text_callback)(const char* text, size_t length, int32_t token, void* user_data);

chord_load_params chord_load_default_params(void);
chord_generate_params chord_generate_default_params(void);

/* NULL on failure, with the message in `error` (if not NULL; truncated to error_size). */
chord_model* chord_load(const char* path, const chord_load_params* params, char* error, size_t error_size);
void chord_free(chord_model* model);

/* Fills `info`; returns CHORD_OK, or a negative chord_status. */
int chord_get_model_info(chord_model* model, chord_model_info* info);

/* "f16", "q8_0", "f32", or NULL for another value. */
const char* chord_kv_cache_type_name(int32_t type);

/* The message of the model's last failed call ("" if none). Valid until the next call. */
const char* chord_last_error(const chord_model* model);

/* Writes up to max_tokens ids; returns how many the text has (more than max_tokens: call again
 * with a larger array), or a negative chord_status. */
int32_t chord_tokenize(chord_model* model, const char* text, size_t text_length, int add_special, int32_t* tokens,
                       int32_t max_tokens);

/* Generates from `prompt` (BOS added as the model asks). Returns a chord_finish_reason, or a
 * negative chord_status. `params` may be NULL for the defaults. */
int chord_generate(chord_model* model, const char* prompt, const chord_generate_params* params,
                   chord_text_callback on_text, void* user_data);

/* The embedding of `text` (tokens as llama-embedding makes them: BOS/EOS as the vocabulary asks,
 * control tokens in the text parsed): the final hidden states after the output norm, pooled by
 * `pooling` (a chord_pooling), scaled to unit length unless `normalize` is 0. Writes the vector
 * to `out` and returns its dimension (the model's n_embd), or a negative chord_status; with `out`
 * NULL and `n_out` 0 only returns the dimension. A text longer than the context fails with
 * CHORD_ERR_CONTEXT_FULL. The KV cache is overwritten: the next chord_generate() reads its prompt
 * from the start. */
int chord_embed(chord_model* model, const char* text, int pooling, int normalize, float* out, size_t n_out);

/* Thread-safe: makes a running chord_generate() return CHORD_FINISH_CANCELLED. */
void chord_cancel(chord_model* model);

#ifdef __cplusplus
}
#endif

#endif /* CHORD_H */
