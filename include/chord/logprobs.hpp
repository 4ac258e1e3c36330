// Log-probabilities of generated tokens, as OpenAI's `logprobs` reports them: the log-softmax of
// the model's logits (before any penalty, bias, grammar or temperature), for the chosen token and
// the `top` most likely ones.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <utility>
#include <vector>

#include "chord/vocabulary.hpp"  // TokenId

namespace chord {

struct TokenLogprob {
    TokenId token = kNoToken;
    float logprob = 0;
    std::vector<std::pair<TokenId, float>> top;  // most likely first; ties: the lower id first
};

constexpr int kMaxTopLogprobs = 20;  // OpenAI's bound

// `scratch` is reused between calls. NaN logits count as -inf (probability zero).
inline TokenLogprob token_logprob(const std::vector<float>& logits, TokenId token, int top_n, std::vector<TokenId>& scratch) {
    const auto score = [&](size_t i) { return std::isnan(logits[i]) ? -std::numeric_limits<float>::infinity() : logits[i]; };
    float max = -std::numeric_limits<float>::infinity();
    for (size_t i = 0; i < logits.size(); ++i) max = std::max(max, score(i));
    double sum = 0;
    for (size_t i = 0; i < logits.size(); ++i) sum += std::exp(double(score(i)) - max);
    const double log_total = double(max) + std::log(sum);
    const auto logprob = [&](size_t i) { return float(double(score(i)) - log_total); };

    TokenLogprob out;
    out.token = token;
    out.logprob = logprob(size_t(token));
    const size_t n = std::min(size_t(std::max(top_n, 0)), logits.size());
    if (n == 0) return out;
    scratch.resize(logits.size());
    for (size_t i = 0; i < logits.size(); ++i) scratch[i] = TokenId(i);
    std::partial_sort(scratch.begin(), scratch.begin() + std::ptrdiff_t(n), scratch.end(), [&](TokenId a, TokenId b) {
        return score(size_t(a)) > score(size_t(b)) || (score(size_t(a)) == score(size_t(b)) && a < b);
    });
    for (size_t k = 0; k < n; ++k) out.top.emplace_back(scratch[k], logprob(size_t(scratch[k])));
    return out;
}

}  // namespace chord
