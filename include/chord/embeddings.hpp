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

// The embedding of one text's tokens, computed a batch at a time (Model::hidden_batch): advance()
// runs batches until the embedding is done (true), or until a batch's rows are on their way from a
// backend that reads asynchronously (false: the caller awaits them, Module.chordGpuPending, and
// calls advance() again); then result() is the vector of n_embd floats.
class EmbeddingRun {
public:
    EmbeddingRun(Model& model, std::vector<TokenId> tokens, const EmbedOptions& options = {})
        : model_(model), tokens_(std::move(tokens)), options_(options),
          pooling_(options.pooling.value_or(default_pooling(model.config()))),
          sum_(model.config().n_embd, 0.0),
          pooled_(model.config().n_embd, 0.0f) {
        if (tokens_.empty()) throw Error(ErrorCode::InvalidArgument, "an embedding needs at least one token");
        if (tokens_.size() > model.n_ctx())
            throw Error(ErrorCode::ContextFull, "the text has " + std::to_string(tokens_.size()) + " tokens; the context holds " +
                                                    std::to_string(model.n_ctx()));
    }

    bool advance() {
        while (next_ < tokens_.size()) {
            // Something else ran on the model since this run's last batch: that batch's rows and
            // the earlier batches' keys and values are gone.
            if ((next_ > 0 || batch_ > 0) && model_.cache_epoch() != epoch_)
                throw Error(ErrorCode::InvalidArgument, "the KV cache was overwritten during this embedding: begin it again");
            if (batch_ == 0) {
                batch_ = model_.hidden_batch(tokens_.data(), tokens_.size(), next_);
                epoch_ = model_.cache_epoch();
                if (model_.hidden_batch_pending()) return false;
            }
            pool(model_.finish_hidden_batch());
            next_ += batch_;
            batch_ = 0;
        }
        return true;
    }

    const std::vector<TokenId>& tokens() const { return tokens_; }

    std::vector<float> result() const {
        if (next_ < tokens_.size()) throw Error(ErrorCode::InvalidArgument, "the embedding is not done");
        std::vector<float> pooled = pooled_;
        const size_t width = pooled.size();
        if (pooling_ == Pooling::Mean)
            for (size_t i = 0; i < width; ++i) pooled[i] = float(sum_[i] / double(tokens_.size()));
        if (options_.normalize) {
            double squares = 0.0;
            for (float v : pooled) squares += double(v) * v;
            const double norm = std::sqrt(squares);
            const float scale = norm > 0.0 ? float(1.0 / norm) : 0.0f;  // a zero vector stays zero, as in llama.cpp
            for (float& v : pooled) v *= scale;
        }
        return pooled;
    }

private:
    // The rows of tokens [next_, next_ + batch_), n_embd floats each, into the pooling.
    void pool(const float* rows) {
        const size_t width = pooled_.size();
        if (pooling_ == Pooling::Mean) {
            for (size_t r = 0; r < batch_; ++r)
                for (size_t i = 0; i < width; ++i) sum_[i] += rows[r * width + i];
        } else if (pooling_ == Pooling::Cls && next_ == 0) {
            pooled_.assign(rows, rows + width);
        } else if (pooling_ == Pooling::Last && next_ + batch_ == tokens_.size()) {
            pooled_.assign(rows + (batch_ - 1) * width, rows + batch_ * width);
        }
    }

    Model& model_;
    const std::vector<TokenId> tokens_;
    const EmbedOptions options_;
    const Pooling pooling_;
    size_t next_ = 0;       // tokens pooled so far
    size_t batch_ = 0;      // tokens of the batch under way (0: none)
    uint64_t epoch_ = 0;    // the model's cache_epoch() after the last batch
    std::vector<double> sum_;    // Mean: in double, so that a mean over thousands of tokens loses nothing
    std::vector<float> pooled_;  // Cls, Last: the row taken
};

// One vector of n_embd floats for the tokens of one text, on a backend that reads synchronously
// (an asynchronous one: drive an EmbeddingRun).
inline std::vector<float> embed(Model& model, const std::vector<TokenId>& tokens, const EmbedOptions& options = {}) {
    if (model.backend().reads_asynchronously())
        throw Error(ErrorCode::Unsupported, "the " + model.backend().name() +
                                                " backend reads asynchronously: its embeddings go a batch at a time (EmbeddingRun)");
    EmbeddingRun run(model, tokens, options);
    run.advance();
    return run.result();
}

inline std::vector<float> embed(Model& model, std::string_view text, const EmbedOptions& options = {}) {
    return embed(model, embedding_tokens(model.tokenizer(), text), options);
}

}  // namespace chord
