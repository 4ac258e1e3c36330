// Text embeddings (OpenAI's embeddings.create, llama.cpp's llama-embedding) from a decoder model:
// the final hidden state of each token after the output norm, pooled over the tokens of one text,
// then scaled to unit length.
//
// The KV cache: an embedding reads its tokens from position 0 and so overwrites what the cache
// held. The Model's cache_epoch() says so; a Session on the same model then forgets its cached
// tokens at its next begin(), and a generation already under way fails at its next step.
#pragma once

#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chord/model.hpp"

namespace chord {

// llama.cpp's pooling types. Cls takes the first token (with a causal model that is the BOS token,
// which sees nothing after it: the same vector for every text), Last the last one, which has seen
// them all.
enum class Pooling { Mean, Last, Cls };

struct EmbedOptions {
    std::optional<Pooling> pooling;  // none: the file's <arch>.pooling_type (1 mean, 2 cls, 3 last), else Mean
    bool normalize = true;           // to unit L2 norm, as llama.cpp's --embd-normalize 2
};

inline const char* pooling_name(Pooling p) {
    switch (p) {
        case Pooling::Mean: return "mean";
        case Pooling::Last: return "last";
        case Pooling::Cls: return "cls";
    }
    return "unknown";
}

inline Pooling pooling_from_name(std::string_view name) {
    for (Pooling p : {Pooling::Mean, Pooling::Last, Pooling::Cls})
        if (name == pooling_name(p)) return p;
    throw Error(ErrorCode::InvalidArgument, "pooling '" + std::string(name) + "' is not one of mean, last, cls");
}

// The pooling the file asks for (llama.cpp's numbers), or Mean.
inline Pooling default_pooling(const ModelConfig& config) {
    switch (config.pooling_type) {
        case 2: return Pooling::Cls;
        case 3: return Pooling::Last;
        default: return Pooling::Mean;
    }
}

// A text's tokens as llama-embedding and llama-server's /v1/embeddings make them: BOS/EOS as the
// vocabulary asks, and control tokens written in the text parsed as such.
inline std::vector<TokenId> embedding_tokens(const Tokenizer& tokenizer, std::string_view text) {
    EncodeOptions options;
    options.add_special = true;
    options.parse_special = true;
    return tokenizer.encode(text, options);
}

// One vector of n_embd floats for the tokens of one text.
inline std::vector<float> embed(Model& model, const std::vector<TokenId>& tokens, const EmbedOptions& options = {}) {
    if (tokens.empty()) throw Error(ErrorCode::InvalidArgument, "an embedding needs at least one token");
    if (tokens.size() > model.n_ctx())
        throw Error(ErrorCode::ContextFull, "the text has " + std::to_string(tokens.size()) + " tokens; the context holds " +
                                                std::to_string(model.n_ctx()));
    const Pooling pooling = options.pooling.value_or(default_pooling(model.config()));
    const size_t width = model.config().n_embd;
    std::vector<double> sum(width, 0.0);  // in double: a mean over thousands of tokens loses nothing
    std::vector<float> pooled(width, 0.0f);
    model.hidden_states(tokens.data(), tokens.size(), [&](const float* rows, size_t first, size_t count) {
        if (pooling == Pooling::Mean) {
            for (size_t r = 0; r < count; ++r)
                for (size_t i = 0; i < width; ++i) sum[i] += rows[r * width + i];
        } else if (pooling == Pooling::Cls && first == 0) {
            pooled.assign(rows, rows + width);
        } else if (pooling == Pooling::Last && first + count == tokens.size()) {
            pooled.assign(rows + (count - 1) * width, rows + count * width);
        }
    });
    if (pooling == Pooling::Mean)
        for (size_t i = 0; i < width; ++i) pooled[i] = float(sum[i] / double(tokens.size()));
    if (options.normalize) {
        double squares = 0.0;
        for (float v : pooled) squares += double(v) * v;
        const double norm = std::sqrt(squares);
        const float scale = norm > 0.0 ? float(1.0 / norm) : 0.0f;  // a zero vector stays zero, as in llama.cpp
        for (float& v : pooled) v *= scale;
    }
    return pooled;
}

inline std::vector<float> embed(Model& model, std::string_view text, const EmbedOptions& options = {}) {
    return embed(model, embedding_tokens(model.tokenizer(), text), options);
}

}  // namespace chord
