// Token sampling: from one step's logits (one float per vocabulary entry) to the next token.
//
// The chain is llama.cpp's default one (common/sampling), in its order:
//
//   logit bias → penalties → top-k → top-p → min-p → temperature → softmax → seeded draw
//
// Top-p and min-p look at the probabilities before temperature, as in llama.cpp: temperature only
// reshapes the distribution over the tokens that survived the filters.
//
// Non-finite logits: a NaN or -inf logit is never chosen (NaN is taken as "no score", -inf as
// "probability zero"). If some logits are +inf, only those tokens stay in the running, all equally
// likely. If every logit is NaN or -inf there is nothing to choose and sampling throws.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "chord/error.hpp"
#include "chord/vocabulary.hpp"  // TokenId

namespace chord {

// Defaults are llama.cpp's common defaults except the seed: llama.cpp picks a random seed by
// default, here 0 is a seed like any other, so that a run repeats unless the caller varies it.
struct SamplerParams {
    float temperature = 0.8f;        // logits are divided by it before the softmax; 0 = greedy
    int top_k = 40;                  // keep the k highest logits (ties: lower id first); 0 = off
    float top_p = 0.95f;             // keep the most likely tokens until their probability sum reaches p; 1 = off
    float min_p = 0.05f;             // drop tokens less likely than min_p × the most likely one; 0 = off
    float repeat_penalty = 1.0f;     // recent tokens: positive logits divided by it, negative ones multiplied; 1 = off
    float frequency_penalty = 0.0f;  // recent tokens: subtracted once per occurrence; 0 = off
    float presence_penalty = 0.0f;   // recent tokens: subtracted once if the token occurs at all; 0 = off
    int penalty_last_n = 64;         // "recent": the last n accepted tokens; 0 = off, -1 = all since reset()
                                     // (llama.cpp's -1 means the context size; here the window has no bound)
    uint64_t seed = 0;               // seeds the std::mt19937 of the draw
    // Added to a token's logit before anything else (OpenAI's logit_bias: -100 all but bans it).
    std::vector<std::pair<TokenId, float>> logit_bias;
};

namespace detail {

inline std::string format_number(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
}

[[noreturn]] inline void bad_sampler_param(const char* rule, double got) {
    throw Error(ErrorCode::InvalidArgument, std::string("sampler: ") + rule + ", got " + format_number(got));
}

// Shared by greedy() and Sampler::sample(): ids are TokenIds, so the vocabulary must fit in one.
inline void check_logits(const float* logits, size_t n_vocab, const char* caller) {
    if (n_vocab == 0) throw Error(ErrorCode::InvalidArgument, std::string(caller) + ": n_vocab is 0");
    if (logits == nullptr) throw Error(ErrorCode::InvalidArgument, std::string(caller) + ": logits is null");
    if (n_vocab > size_t(std::numeric_limits<TokenId>::max()))
        throw Error(ErrorCode::InvalidArgument,
                    std::string(caller) + ": n_vocab " + std::to_string(n_vocab) + " does not fit a token id");
}

[[noreturn]] inline void no_token_to_choose(const char* caller) {
    throw Error(ErrorCode::InvalidArgument,
                std::string(caller) + ": every logit is NaN or -inf, no token can be chosen");
}

}  // namespace detail

// Throws Error(InvalidArgument) naming the first parameter out of range and the range allowed.
inline void validate(const SamplerParams& p) {
    // Written as "!(ok)" so that NaN, which fails every comparison, is rejected too.
    if (!(std::isfinite(p.temperature) && p.temperature >= 0))
        detail::bad_sampler_param("temperature must be finite and >= 0 (0 = greedy)", p.temperature);
    if (!(p.top_k >= 0)) detail::bad_sampler_param("top_k must be >= 0 (0 = off)", p.top_k);
    if (!(p.top_p > 0 && p.top_p <= 1)) detail::bad_sampler_param("top_p must be in (0, 1] (1 = off)", p.top_p);
    if (!(p.min_p >= 0 && p.min_p <= 1)) detail::bad_sampler_param("min_p must be in [0, 1] (0 = off)", p.min_p);
    if (!(std::isfinite(p.repeat_penalty) && p.repeat_penalty > 0))
        detail::bad_sampler_param("repeat_penalty must be finite and > 0 (1 = off)", p.repeat_penalty);
    if (!std::isfinite(p.frequency_penalty))
        detail::bad_sampler_param("frequency_penalty must be finite (0 = off)", p.frequency_penalty);
    if (!std::isfinite(p.presence_penalty))
        detail::bad_sampler_param("presence_penalty must be finite (0 = off)", p.presence_penalty);
    if (!(p.penalty_last_n >= -1))
        detail::bad_sampler_param("penalty_last_n must be >= -1 (0 = off, -1 = all tokens since reset)",
                                  p.penalty_last_n);
    for (const auto& [token, bias] : p.logit_bias) {
        if (token < 0) detail::bad_sampler_param("logit_bias token ids must be >= 0", token);
        if (!std::isfinite(bias)) detail::bad_sampler_param("logit_bias values must be finite", bias);
    }
}

// The highest logit's id, ties to the lowest id. NaN and -inf logits are never chosen; throws
// Error(InvalidArgument) if n is 0 or every logit is NaN or -inf.
inline TokenId greedy(const float* logits, size_t n) {
    detail::check_logits(logits, n, "greedy");
    TokenId best = kNoToken;
    float best_logit = -std::numeric_limits<float>::infinity();
    for (size_t i = 0; i < n; ++i) {
        // Strictly greater: keeps the first of equal logits, and is false for NaN and for -inf.
        if (logits[i] > best_logit) {
            best = TokenId(i);
            best_logit = logits[i];
        }
    }
    if (best == kNoToken) detail::no_token_to_choose("greedy");
    return best;
}

// One generation's sampler: the parameters, the RNG and the recent tokens the penalties look at.
// sample() does not remember what it returns: the caller accept()s every token that enters the
// context (prompt tokens too, if they should count for the penalties). Not thread-safe.
//
// Same seed, same sequence of sample()/accept() calls with the same logits → same tokens, on every
// run: std::mt19937 and std::seed_seq are specified exactly by the standard, and the draw uses the
// raw generator output, not a distribution whose algorithm differs between standard libraries.
class Sampler {
public:
    // Throws Error(InvalidArgument) if validate(params) does.
    explicit Sampler(SamplerParams params) : params_(params) {
        validate(params_);
        reset();
    }

    const SamplerParams& params() const { return params_; }

    // The next token for these logits (`n_vocab` floats, left unchanged). Throws
    // Error(InvalidArgument) if n_vocab is 0, logits is null, or every logit is NaN or -inf after
    // the penalties; the sampler stays usable.
    TokenId sample(const float* logits, size_t n_vocab) {
        detail::check_logits(logits, n_vocab, "Sampler::sample");
        const float* scores = params_.logit_bias.empty() ? logits : apply_logit_bias(logits, n_vocab);
        if (penalties_active()) scores = apply_penalties(scores, n_vocab);
        // Top-k, top-p and min-p all keep the highest logit, so greedy can skip them (and the RNG).
        if (params_.temperature <= 0) return greedy(scores, n_vocab);

        collect_candidates(scores, n_vocab);
        keep_top_k();
        keep_top_p();
        keep_min_p();
        return draw();
    }

    // Remembers a token for the penalties. Ids at or past a later call's n_vocab are remembered but
    // penalize nothing. Throws Error(InvalidArgument) for a negative id.
    void accept(TokenId token) {
        if (token < 0)
            throw Error(ErrorCode::InvalidArgument,
                        "Sampler::accept: token id " + std::to_string(token) + " is negative");
        if (params_.penalty_last_n == 0) return;
        // -1 keeps every token; otherwise `recent_` is a ring of penalty_last_n tokens.
        if (params_.penalty_last_n < 0 || recent_.size() < size_t(params_.penalty_last_n)) {
            recent_.push_back(token);
        } else {
            recent_[oldest_] = token;
            oldest_ = (oldest_ + 1) % recent_.size();
        }
    }

    // Back to the state the constructor left: no recent tokens, the RNG freshly seeded.
    void reset() {
        recent_.clear();
        oldest_ = 0;
        // Both halves of the 64-bit seed count: std::mt19937's own seed is only 32 bits.
        std::seed_seq seq{uint32_t(params_.seed), uint32_t(params_.seed >> 32)};
        rng_.seed(seq);
    }

private:
    struct Candidate {
        TokenId id;
        float logit;
        double weight;  // exp((logit - max logit) / temperature): the probability before normalizing
    };

    // The order top-k and top-p keep tokens in; ties go to the lower id so the result is unique.
    static bool ranks_higher(const Candidate& a, const Candidate& b) {
        return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
    }

    bool penalties_active() const {
        const bool any_penalty =
            params_.repeat_penalty != 1 || params_.frequency_penalty != 0 || params_.presence_penalty != 0;
        return any_penalty && !recent_.empty();
    }

    // llama.cpp's rule and arithmetic. Dividing a negative logit would raise it, so negative logits
    // are multiplied.
    float penalize(float logit, int32_t count) const {
        logit = logit <= 0 ? logit * params_.repeat_penalty : logit / params_.repeat_penalty;
        return logit - (float(count) * params_.frequency_penalty + params_.presence_penalty);
    }

    // Copies the logits into `biased_` with the biases added (ids past n_vocab bias nothing).
    const float* apply_logit_bias(const float* logits, size_t n_vocab) {
        biased_.assign(logits, logits + n_vocab);
        for (const auto& [token, bias] : params_.logit_bias)
            if (size_t(token) < n_vocab) biased_[size_t(token)] += bias;
        return biased_.data();
    }

    // Copies the logits into `penalized_` and penalizes each distinct recent token once, by its count.
    const float* apply_penalties(const float* logits, size_t n_vocab) {
        penalized_.assign(logits, logits + n_vocab);
        counts_.resize(n_vocab, 0);  // all zero between calls: the second loop clears what the first sets
        for (TokenId token : recent_)
            if (size_t(token) < n_vocab) ++counts_[token];
        for (TokenId token : recent_) {
            if (size_t(token) >= n_vocab || counts_[token] == 0) continue;  // out of vocabulary, or done
            penalized_[token] = penalize(penalized_[token], counts_[token]);
            counts_[token] = 0;
        }
        return penalized_.data();
    }

    // Every token that can still be chosen: NaN and -inf are dropped; if any +inf is present, only
    // the +inf tokens remain, given equal (zero) logits so that the arithmetic below stays finite.
    void collect_candidates(const float* scores, size_t n_vocab) {
        constexpr float kInf = std::numeric_limits<float>::infinity();
        candidates_.clear();
        bool infinite = false;
        for (size_t i = 0; i < n_vocab; ++i) {
            const float logit = scores[i];
            if (std::isnan(logit) || logit == -kInf) continue;
            if (logit == kInf) {
                if (!infinite) candidates_.clear();
                infinite = true;
                candidates_.push_back({TokenId(i), 0.0f, 0.0});
            } else if (!infinite) {
                candidates_.push_back({TokenId(i), logit, 0.0});
            }
        }
        if (candidates_.empty()) detail::no_token_to_choose("Sampler::sample");
        sorted_ = false;
    }

    float max_logit() const {
        if (sorted_) return candidates_.front().logit;
        return std::max_element(candidates_.begin(), candidates_.end(),
                                [](const Candidate& a, const Candidate& b) { return a.logit < b.logit; })
            ->logit;
    }

    // Sets every candidate's weight at this temperature and returns their sum (>= 1: the top one weighs 1).
    double weigh(double temperature) {
        const double max = max_logit();
        double total = 0;
        for (Candidate& c : candidates_) {
            c.weight = std::exp((double(c.logit) - max) / temperature);
            total += c.weight;
        }
        return total;
    }

    void keep_top_k() {
        const int k = params_.top_k;
        if (k <= 0 || size_t(k) >= candidates_.size()) return;
        std::partial_sort(candidates_.begin(), candidates_.begin() + k, candidates_.end(), ranks_higher);
        candidates_.resize(size_t(k));
        sorted_ = true;
    }

    // The smallest set of most likely tokens whose probability reaches top_p; the token that
    // crosses the threshold is kept, so at least one always is. The set is usually a few dozen
    // tokens, so only a head of the ranking is sorted first (sorting a whole 150k vocabulary costs
    // about 15 ms), and the rest only if the head does not reach top_p.
    void keep_top_p() {
        if (params_.top_p >= 1) return;
        constexpr size_t kHead = 256;
        const double target = double(params_.top_p) * weigh(1.0);
        const auto begin = candidates_.begin(), end = candidates_.end();
        size_t ranked = candidates_.size();  // candidates_[0, ranked) are in ranks_higher order
        if (!sorted_) {
            ranked = std::min(kHead, candidates_.size());
            std::partial_sort(begin, begin + ranked, end, ranks_higher);
        }
        double sum = 0;
        for (size_t i = 0; i < candidates_.size(); ++i) {
            if (i == ranked) {  // everything past the head ranks lower than all of it
                std::sort(begin + ranked, end, ranks_higher);
                ranked = candidates_.size();
            }
            sum += candidates_[i].weight;
            if (sum >= target) {
                candidates_.resize(i + 1);
                break;
            }
        }
        sorted_ = true;  // what is left lies within the ranked part
    }

    // p_i >= min_p × p_max, written on logits: logit_i >= max logit + log(min_p). The most likely
    // token always passes. std::remove_if keeps the survivors' order, so a sorted list stays sorted.
    void keep_min_p() {
        if (params_.min_p <= 0) return;
        const double threshold = double(max_logit()) + std::log(double(params_.min_p));
        candidates_.erase(std::remove_if(candidates_.begin(), candidates_.end(),
                                         [threshold](const Candidate& c) { return double(c.logit) < threshold; }),
                          candidates_.end());
    }

    // Softmax at the temperature and one draw. The uniform number is built from the generator's raw
    // 32 bits (not std::uniform_real_distribution, whose algorithm varies between libraries).
    TokenId draw() {
        const double total = weigh(double(params_.temperature));
        const double target = double(rng_()) * 0x1p-32 * total;  // in [0, total)
        double sum = 0;
        for (const Candidate& c : candidates_) {
            sum += c.weight;
            if (target < sum) return c.id;  // never a zero-weight token: `sum` did not grow for it
        }
        // Not reached: the loop adds the same weights in the same order as weigh(), so `sum` ends
        // at `total`, which is larger than `target`.
        return candidates_.front().id;
    }

    SamplerParams params_;
    std::mt19937 rng_;

    // The penalty window: up to penalty_last_n accepted tokens (all of them for -1), in ring order.
    std::vector<TokenId> recent_;
    size_t oldest_ = 0;  // once the ring is full, the slot the next accepted token overwrites

    // Scratch reused by every sample(), so only the first call (or a larger n_vocab) allocates.
    std::vector<float> biased_;          // (n_vocab) the logits after the logit bias
    std::vector<float> penalized_;       // (n_vocab) the logits after penalties
    std::vector<int32_t> counts_;        // (n_vocab) occurrences in the window; all zero between calls
    std::vector<Candidate> candidates_;  // (<= n_vocab) the tokens still in the running
    bool sorted_ = false;                // candidates_ is in ranks_higher order
};

}  // namespace chord
