// The C ABI over Model and Session: converts, catches, forwards.
#include "chord/chord.h"

#include <cstring>
#include <exception>
#include <optional>
#include <string>

#include "chord/embeddings.hpp"
#include "chord/grammar/json_schema_text.hpp"
#include "chord/session.hpp"

struct chord_model {
    std::unique_ptr<chord::Model> model;
    std::unique_ptr<chord::Session> session;
    std::string last_error;
};

static_assert(int(chord::FinishReason::Stop) == CHORD_FINISH_STOP && int(chord::FinishReason::Length) == CHORD_FINISH_LENGTH &&
                  int(chord::FinishReason::ContextFull) == CHORD_FINISH_CONTEXT_FULL &&
                  int(chord::FinishReason::Cancelled) == CHORD_FINISH_CANCELLED,
              "chord_finish_reason mirrors chord::FinishReason");
static_assert(-1 - int(chord::ErrorCode::OutOfMemory) == CHORD_ERR_OUT_OF_MEMORY, "chord_status mirrors chord::ErrorCode");
static_assert(int(chord::KvCacheType::F16) == CHORD_KV_CACHE_F16 && int(chord::KvCacheType::Q8_0) == CHORD_KV_CACHE_Q8_0 &&
                  int(chord::KvCacheType::F32) == CHORD_KV_CACHE_F32,
              "chord_kv_cache_type mirrors chord::KvCacheType");

namespace {

int status_of(chord::ErrorCode code) { return -1 - int(code); }

std::optional<chord::Pooling> pooling_of(int pooling) {
    switch (pooling) {
        case CHORD_POOLING_DEFAULT: return std::nullopt;
        case CHORD_POOLING_MEAN: return chord::Pooling::Mean;
        case CHORD_POOLING_CLS: return chord::Pooling::Cls;
        case CHORD_POOLING_LAST: return chord::Pooling::Last;
    }
    throw chord::Error(chord::ErrorCode::InvalidArgument,
                       "pooling " + std::to_string(pooling) + " is not a chord_pooling (default -1, mean 1, cls 2, last 3)");
}

void copy_message(const std::string& message, char* buffer, size_t size) {
    if (!buffer || size == 0) return;
    const size_t n = std::min(message.size(), size - 1);
    std::memcpy(buffer, message.data(), n);
    buffer[n] = '\0';
}

// Runs `f`, turning any exception into a status and the model's last error.
template <typename F>
auto guarded(chord_model* m, F&& f) -> decltype(f()) {
    try {
        m->last_error.clear();
        return f();
    } catch (const chord::Error& e) {
        m->last_error = e.what();
        return status_of(e.code());
    } catch (const std::exception& e) {
        m->last_error = e.what();
        return CHORD_ERR_INTERNAL;
    }
}

}  // namespace

extern "C" {

chord_load_params chord_load_default_params(void) { return chord_load_params{0, 0, CHORD_KV_CACHE_F16}; }

chord_generate_params chord_generate_default_params(void) {
    const chord::SamplerParams s;
    return chord_generate_params{256, s.temperature, s.top_k, s.top_p, s.min_p, s.repeat_penalty, s.seed, nullptr, 0, nullptr, nullptr};
}

chord_model* chord_load(const char* path, const chord_load_params* params, char* error, size_t error_size) {
    try {
        if (!path) throw chord::Error(chord::ErrorCode::InvalidArgument, "path is NULL");
        chord::ModelOptions options;
        if (params) {
            options.n_ctx = params->n_ctx;
            options.max_memory = params->max_memory;
            if (!chord_kv_cache_type_name(params->kv_cache_type))
                throw chord::Error(chord::ErrorCode::InvalidArgument, "kv_cache_type " + std::to_string(params->kv_cache_type) +
                                                                          " is not a chord_kv_cache_type (f16 0, q8_0 1, f32 2)");
            options.kv_cache_type = chord::KvCacheType(params->kv_cache_type);
        }
        auto m = std::make_unique<chord_model>();
        m->model = chord::Model::load(path, options);
        m->session = std::make_unique<chord::Session>(*m->model);
        copy_message("", error, error_size);
        return m.release();
    } catch (const std::exception& e) {
        copy_message(e.what(), error, error_size);
        return nullptr;
    }
}

void chord_free(chord_model* model) { delete model; }

int chord_get_model_info(chord_model* model, chord_model_info* info) {
    if (!model) return CHORD_ERR_INVALID_ARGUMENT;
    return guarded(model, [&]() -> int {
        if (!info) throw chord::Error(chord::ErrorCode::InvalidArgument, "info is NULL");
        info->n_ctx = model->model->n_ctx();
        info->kv_cache_type = int32_t(model->model->kv_cache_type());
        info->kv_cache_bytes = model->model->kv_cache_bytes();
        return CHORD_OK;
    });
}

const char* chord_kv_cache_type_name(int32_t type) {
    if (type != CHORD_KV_CACHE_F16 && type != CHORD_KV_CACHE_Q8_0 && type != CHORD_KV_CACHE_F32) return nullptr;
    return chord::kv_cache_type_name(chord::KvCacheType(type));
}

const char* chord_last_error(const chord_model* model) { return model ? model->last_error.c_str() : "model is NULL"; }

int32_t chord_tokenize(chord_model* model, const char* text, size_t text_length, int add_special, int32_t* tokens,
                       int32_t max_tokens) {
    if (!model) return CHORD_ERR_INVALID_ARGUMENT;
    return guarded(model, [&]() -> int32_t {
        if (!text && text_length) throw chord::Error(chord::ErrorCode::InvalidArgument, "text is NULL");
        if (max_tokens < 0 || (!tokens && max_tokens > 0))
            throw chord::Error(chord::ErrorCode::InvalidArgument, "bad token array");
        chord::EncodeOptions options;
        options.add_special = add_special != 0;
        const auto ids = model->model->tokenizer().encode(std::string_view(text ? text : "", text_length), options);
        std::copy_n(ids.begin(), std::min<size_t>(ids.size(), size_t(max_tokens)), tokens);
        return int32_t(ids.size());
    });
}

int chord_generate(chord_model* model, const char* prompt, const chord_generate_params* params,
                   chord_text_callback on_text, void* user_data) {
    if (!model) return CHORD_ERR_INVALID_ARGUMENT;
    return guarded(model, [&]() -> int {
        if (!prompt) throw chord::Error(chord::ErrorCode::InvalidArgument, "prompt is NULL");
        const chord_generate_params p = params ? *params : chord_generate_default_params();
        chord::GenerateOptions options;
        options.max_tokens = p.max_tokens;
        options.sampling.temperature = p.temperature;
        options.sampling.top_k = p.top_k;
        options.sampling.top_p = p.top_p;
        options.sampling.min_p = p.min_p;
        options.sampling.repeat_penalty = p.repeat_penalty;
        options.sampling.seed = p.seed;
        for (size_t i = 0; i < p.n_stop; ++i) {
            if (!p.stop || !p.stop[i]) throw chord::Error(chord::ErrorCode::InvalidArgument, "stop string is NULL");
            options.stop.emplace_back(p.stop[i]);
        }
        if (p.grammar && p.json_schema)
            throw chord::Error(chord::ErrorCode::InvalidArgument, "grammar and json_schema cannot both be given");
        if (p.grammar) options.grammar = p.grammar;
        if (p.json_schema) options.grammar = chord::grammar::json_schema_text_to_gbnf(p.json_schema);
        const chord::GenerateResult r = model->session->generate(prompt, options, [&](std::string_view text, chord::TokenId token) {
            return !on_text || on_text(text.data(), text.size(), token, user_data) != 0;
        });
        return int(r.finish_reason);  // FinishReason and chord_finish_reason share their order
    });
}

int chord_embed(chord_model* model, const char* text, int pooling, int normalize, float* out, size_t n_out) {
    if (!model) return CHORD_ERR_INVALID_ARGUMENT;
    return guarded(model, [&]() -> int {
        const size_t dimension = model->model->config().n_embd;
        if (!out && n_out == 0) return int(dimension);
        if (!text) throw chord::Error(chord::ErrorCode::InvalidArgument, "text is NULL");
        if (!out || n_out < dimension)
            throw chord::Error(chord::ErrorCode::InvalidArgument, "out holds " + std::to_string(out ? n_out : 0) +
                                                                      " floats; the embedding has " + std::to_string(dimension));
        chord::EmbedOptions options;
        options.pooling = pooling_of(pooling);
        options.normalize = normalize != 0;
        const std::vector<float> embedding = chord::embed(*model->model, text, options);  // the session sees the cache change
        std::copy(embedding.begin(), embedding.end(), out);
        return int(embedding.size());
    });
}

void chord_cancel(chord_model* model) {
    if (model) model->session->cancel();
}

}  // extern "C"
