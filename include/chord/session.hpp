// A generation session over a Model: prompt in, streamed text out, with stop tokens, stop
// strings (which may span tokens), a token limit, cancellation and timings.
//
// The session remembers which tokens its KV cache holds: a new prompt that starts with them
// (the next turn of a chat) only computes what is new.
//
// Context policy: a prompt that does not fit in the context is an Error (ContextFull). A
// generation that reaches the end of the context shifts it as llama.cpp does (GenerateOptions::
// context_shift, n_keep) and goes on; without a shift it stops with FinishReason::ContextFull.
//
// save() and load() keep the context (the cached tokens and their keys and values) across sessions
// and model instances: a loaded session reuses it for a prompt that starts with those tokens.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chord/grammar/gbnf_parser.hpp"
#include "chord/grammar/grammar_constraint.hpp"
#include "chord/logprobs.hpp"
#include "chord/model.hpp"
#include "chord/sampler.hpp"
#include "chord/session_state.hpp"
#include "chord/streaming_decoder.hpp"

namespace chord {

struct GenerateOptions {
    int max_tokens = 256;
    SamplerParams sampling;
    std::vector<std::string> stop;   // generation ends before the first of these strings
    bool stop_at_end_of_generation = true;  // EOS, EOT, <|im_end|>, … end the generation
    // Control tokens appear in the text as their names ([TOOL_CALLS], <|python_tag|>): what a
    // tool-call parser reads. Off: they are no text.
    bool render_special = false;
    // GBNF (llama.cpp's grammar format, start rule "root") the generated text must follow; empty = none.
    // The generation stops when the grammar is complete.
    std::string grammar;
    // Log-probabilities of each generated token (GenerateResult::logprobs): -1 = none, else each with
    // this many of the most likely tokens beside it (0 to kMaxTopLogprobs).
    int top_logprobs = -1;
    // Called after each batch of the prompt with the tokens read so far and the prompt's length
    // (a progress bar for long prompts); return false to cancel.
    std::function<bool(size_t read, size_t total)> on_prompt_progress;
    // Context shift, as llama.cpp's generation (llama-completion --context-shift): when the next
    // token would take the context's last position (llama.cpp shifts once n_past + 1 >= n_ctx), the
    // older half of the tokens after the first n_keep leaves the cache, the later ones move down,
    // their cached keys turned to the new positions by RoPE (llama.cpp's K-shift: not recomputed),
    // and the generation goes on. Off, or where the backend cannot shift (Backend::shift_cache), a
    // generation that fills the context stops with FinishReason::ContextFull.
    bool context_shift = true;
    // How many tokens at the start of the prompt every shift keeps, as llama.cpp's --keep: the BOS
    // is kept on top of these when the vocabulary adds one (llama.cpp counts it in, whether or not
    // this prompt begins with it); -1, or more than the prompt has, keeps the whole prompt. Must be
    // below the context size. As in llama.cpp, a shift that would drop nothing lets the generation
    // take the last position; when even that is taken (n_keep ≥ n_ctx − 1), it ends (ContextFull).
    int n_keep = 0;
};

enum class FinishReason { Stop, Length, ContextFull, Cancelled };

inline const char* finish_reason_name(FinishReason r) {
    switch (r) {
        case FinishReason::Stop: return "stop";
        case FinishReason::Length: return "length";
        case FinishReason::ContextFull: return "context_full";
        case FinishReason::Cancelled: return "cancelled";
    }
    return "unknown";
}

struct GenerateResult {
    std::string text;             // the generated text, without the stop string
    std::vector<TokenId> tokens;  // the generated tokens (the one that matched a stop token excluded)
    std::vector<TokenLogprob> logprobs;  // one per token, where GenerateOptions::top_logprobs >= 0
    FinishReason finish_reason = FinishReason::Length;
    size_t prompt_tokens = 0;     // tokens of the prompt
    size_t prompt_tokens_computed = 0;  // of which were not already in the cache
    size_t context_shifts = 0;    // how often the context was shifted during the generation
    double prompt_ms = 0, generation_ms = 0;
};

// Receives each piece of text as soon as it is certain (valid UTF-8, not part of a stop
// string) with the token that completed it. Return false to stop the generation.
using TextCallback = std::function<bool(std::string_view text, TokenId token)>;

class Session {
public:
    explicit Session(Model& model) : model_(model) {}

    GenerateResult generate(std::string_view prompt, const GenerateOptions& options, const TextCallback& on_text = {}) {
        return generate_tokens(model_.tokenizer().encode(prompt), options, on_text);
    }

    GenerateResult generate_tokens(const std::vector<TokenId>& prompt, const GenerateOptions& options,
                                   const TextCallback& on_text = {}) {
        if (model_.backend().reads_asynchronously())
            throw Error(ErrorCode::Unsupported, "this backend reads asynchronously: drive begin() and step() from JS");
        begin(prompt, options);
        while (true) {
            const Step s = step();
            if (!s.text.empty() && on_text && !on_text(s.text, s.token)) {
                finish(FinishReason::Cancelled);
                break;
            }
            if (s.done) break;
        }
        return result_;
    }

    // The same generation one step at a time, for callers that drive the loop themselves (the
    // browser, between frames): begin(), then step() until `done`. The first steps read the
    // prompt, one batch each, so that a long prompt can be cancelled too; then each step makes a
    // token. With a backend that reads asynchronously, step() may return `pending`: the logits
    // are on their way; call step() again once they are (webgpu_library.js says when).
    struct Step {
        std::string text;  // newly certain text (may be empty)
        TokenId token = kNoToken;
        const TokenLogprob* logprob = nullptr;  // this step's token's, where asked for (valid until the next step)
        bool done = false;
        bool pending = false;
        size_t prompt_read = 0;  // tokens of the prompt in the cache so far
    };

    void begin(const std::vector<TokenId>& prompt, const GenerateOptions& options) {
        if (options.max_tokens < 0) throw Error(ErrorCode::InvalidArgument, "max_tokens must be >= 0");
        if (options.top_logprobs < -1 || options.top_logprobs > kMaxTopLogprobs)
            throw Error(ErrorCode::InvalidArgument,
                        "top_logprobs must be from 0 to " + std::to_string(kMaxTopLogprobs) + " (or -1: no logprobs)");
        if (prompt.empty()) throw Error(ErrorCode::InvalidArgument, "the prompt has no tokens");
        if (prompt.size() >= model_.n_ctx())
            throw Error(ErrorCode::ContextFull, "the prompt has " + std::to_string(prompt.size()) +
                                                    " tokens; the context holds " + std::to_string(model_.n_ctx()) +
                                                    " including the reply");
        for (const std::string& stop : options.stop)
            if (stop.empty()) throw Error(ErrorCode::InvalidArgument, "stop strings must not be empty");
        if (options.n_keep < -1 || (options.n_keep >= 0 && uint64_t(options.n_keep) >= model_.n_ctx()))
            throw Error(ErrorCode::InvalidArgument, "n_keep must be from 0 to the context size - 1 (" +
                                                        std::to_string(model_.n_ctx() - 1) + "), or -1 (the whole prompt)");
        for (TokenId id : prompt) model_.tokenizer().vocab().check_id(id);
        for (const auto& bias : options.sampling.logit_bias) model_.tokenizer().vocab().check_id(bias.first);
        Sampler sampler(options.sampling);  // validates before any work
        use_grammar(options.grammar);

        options_ = options;
        sampler_.emplace(std::move(sampler));
        filter_ = StopStringFilter(options_.stop);
        decoder_.emplace(model_.tokenizer(), options.render_special);
        result_ = GenerateResult{};
        result_.prompt_tokens = prompt.size();
        prompt_ = prompt;
        n_keep_ = kept_at_shift(options.n_keep, prompt.size());
        if (cache_epoch_ != model_.cache_epoch()) cached_.clear();  // overwritten since (an embedding, say)
        cache_epoch_ = model_.cache_epoch();
        reuse_cached_prefix();
        active_ = true;
        waiting_ = false;
        cancelled_.store(false);
        prompt_start_ = generation_start_ = Clock::now();
    }

    // After a step: the logits are still on their way (asynchronous backends only).
    bool pending() const { return waiting_; }

    Step step() {
        Step s;
        if (!active_) {
            s.done = true;
            return s;
        }
        if (!waiting_) {
            if (cancelled_.load()) return finish(FinishReason::Cancelled);
            if (reading_prompt()) {
                const size_t n = std::min<size_t>(model_.batch_size(), prompt_.size() - cached_.size());
                evaluate(prompt_.data() + cached_.size(), n);
                s.prompt_read = cached_.size();
                if (options_.on_prompt_progress && !options_.on_prompt_progress(cached_.size(), prompt_.size()))
                    return finish(FinishReason::Cancelled);
                if (reading_prompt()) return s;
                for (TokenId id : prompt_) sampler_->accept(id);
            } else {  // compute what follows the previous token
                if (options_.context_shift && cached_.size() + 1 >= model_.n_ctx()) shift_context();
                if (cached_.size() >= model_.n_ctx()) return finish(FinishReason::ContextFull);
                evaluate(&result_.tokens.back(), 1);
            }
            if (model_.logits_pending()) {
                waiting_ = true;
                s.pending = true;
                return s;
            }
        }
        waiting_ = false;
        if (result_.tokens.empty()) {  // the prompt's logits are here: the prompt took until now
            result_.prompt_ms = milliseconds_since(prompt_start_);
            generation_start_ = Clock::now();
            if (options_.max_tokens == 0) return finish(FinishReason::Length);
        }
        const std::vector<float>& logits = model_.finish_forward();
        if (grammar_ && grammar_->must_end()) return finish(FinishReason::Stop);
        const TokenId token = choose_token(logits);
        if (options_.stop_at_end_of_generation && model_.tokenizer().vocab().is_end_of_generation(token))
            return finish(FinishReason::Stop);
        sampler_->accept(token);
        if (grammar_) grammar_->accept(token);
        result_.tokens.push_back(token);
        if (options_.top_logprobs >= 0)
            result_.logprobs.push_back(token_logprob(logits, token, options_.top_logprobs, logprob_scratch_));
        const StopStringFilter::Output out = filter_.push(decoder_->push(token));
        s.text = out.text;
        s.token = token;
        if (!result_.logprobs.empty()) s.logprob = &result_.logprobs.back();
        result_.text += out.text;
        if (out.stopped) {
            Step last = finish(FinishReason::Stop);
            last.text = s.text;
            last.token = token;
            last.logprob = s.logprob;
            return last;
        }
        const bool grammar_complete = grammar_ && grammar_->must_end();  // no token but an end may follow
        if (grammar_complete || int(result_.tokens.size()) == options_.max_tokens) {  // no need to compute what follows
            Step last = finish(grammar_complete ? FinishReason::Stop : FinishReason::Length);
            last.text = s.text + last.text;
            last.token = token;
            last.logprob = s.logprob;
            return last;
        }
        return s;
    }

    // Ends the generation now; returns the text still held back (none after a stop string).
    Step finish(FinishReason reason) {
        Step s;
        s.done = true;
        if (!active_) return s;
        active_ = false;
        waiting_ = false;
        result_.finish_reason = reason;
        if (!filter_.stopped()) {  // held-back text is text after all, unless a stop string matched
            s.text = filter_.push(decoder_->flush(), /*final=*/true).text;
            s.token = result_.tokens.empty() ? kNoToken : result_.tokens.back();
            result_.text += s.text;
        }
        result_.generation_ms = milliseconds_since(generation_start_);
        return s;
    }

    const GenerateResult& result() const { return result_; }

    // Thread-safe: makes the running generate() return with FinishReason::Cancelled at its
    // next step. The session stays usable.
    void cancel() { cancelled_.store(true); }

    // Forget the cached context: the next prompt is computed from its start.
    void reset() { cached_.clear(); }

    const std::vector<TokenId>& cached_tokens() const { return cached_; }

    // The context as bytes (session_state.hpp): the cached tokens and their keys and values, every
    // layer, in the cache's own type. Not a generation in progress: its sampler and text are not
    // kept. With a backend that reads asynchronously (WebGPU) the cache comes back first:
    // begin_save() starts reading it and returns true, and save() takes it once the caller has
    // awaited it (Module.chordGpuPending); elsewhere begin_save() returns false and does nothing.
    bool begin_save() {
        if (!model_.backend().reads_asynchronously()) return false;
        if (waiting_) throw Error(ErrorCode::InvalidArgument, "save(): a step's logits are still on their way");
        model_.begin_read_cache_state(uint32_t(saved_tokens().size()));
        return true;
    }
    std::vector<uint8_t> save() const {
        if (waiting_) throw Error(ErrorCode::InvalidArgument, "save(): a step's logits are still on their way");
        return write_session_state(model_, saved_tokens());
    }

    // Takes the context of a save() on a model of the same file, context size and KV cache type:
    // the next prompt that starts with its tokens computes only the rest. A state of another model,
    // shape or cache type is an InvalidArgument error, a truncated one Truncated, a damaged one
    // Malformed; after any of these the session is as before. A backend that cannot write its
    // cache throws Error(Unsupported), after which the session has forgotten its cache.
    void load(const uint8_t* data, size_t size) {
        if (active_) throw Error(ErrorCode::InvalidArgument, "load(): a generation is in progress (finish it first)");
        SessionStateView state = read_session_state(model_, data, size);
        cached_.clear();  // if writing fails half way, nothing is believed cached
        model_.write_cache_state(uint32_t(state.tokens.size()), state.cache);
        cached_ = std::move(state.tokens);
        cache_epoch_ = model_.cache_epoch();
    }
    void load(const std::vector<uint8_t>& state) { load(state.data(), state.size()); }

private:
    using Clock = std::chrono::steady_clock;

    // The tokens whose keys and values save() writes: none where something else overwrote the cache.
    const std::vector<TokenId>& saved_tokens() const {
        static const std::vector<TokenId> none;
        return cache_epoch_ == model_.cache_epoch() ? cached_ : none;
    }
    static double milliseconds_since(Clock::time_point t) {
        return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
    }

    // Keeps the cached tokens the prompt starts with (the conversation so far): only the rest of
    // the prompt is computed. A cancelled prompt left a prefix of itself, which counts too.
    void reuse_cached_prefix() {
        size_t reuse = 0;
        while (reuse < cached_.size() && reuse < prompt_.size() && cached_[reuse] == prompt_[reuse]) ++reuse;
        reuse = std::min(reuse, prompt_.size() - 1);  // the last prompt token is always run: its logits are needed
        cached_.resize(reuse);
        result_.prompt_tokens_computed = prompt_.size() - reuse;
    }

    // Tokens of the prompt a shift keeps (llama.cpp's n_keep, resolved as llama-completion does).
    size_t kept_at_shift(int n_keep, size_t prompt_size) const {
        if (n_keep < 0 || size_t(n_keep) > prompt_size) return prompt_size;
        return size_t(n_keep) + (model_.tokenizer().vocab().add_bos ? 1 : 0);
    }

    // llama.cpp's context shift: of the n_past cached tokens, the first n_keep stay, the older half
    // of the rest (n_discard = (n_past − n_keep) / 2) leaves, the later ones move down. Where it
    // would drop nothing, or the backend cannot shift, nothing changes: the generation goes on as
    // without shifts, into the last position and then to ContextFull.
    void shift_context() {
        const size_t n_past = cached_.size();
        if (n_past <= n_keep_ + 1) return;
        const size_t n_discard = (n_past - n_keep_) / 2;
        try {
            model_.shift_cache(uint32_t(n_past), uint32_t(n_keep_), uint32_t(n_discard));
        } catch (const Error& e) {
            if (e.code() == ErrorCode::Unsupported) return;  // a backend without shifts: stop at the end of the context
            throw;
        }
        cached_.erase(cached_.begin() + std::ptrdiff_t(n_keep_), cached_.begin() + std::ptrdiff_t(n_keep_ + n_discard));
        ++result_.context_shifts;
    }

    // Parses the generation's grammar (a grammar used again keeps its tables and cached masks).
    void use_grammar(const std::string& text) {
        if (text.empty()) {
            grammar_ = nullptr;
            return;
        }
        if (text != grammar_text_ || !grammar_constraint_) {
            const grammar::Grammar parsed = grammar::parse_gbnf(text, "root", &model_.tokenizer().vocab());
            if (!sorted_pieces_) sorted_pieces_ = std::make_shared<const grammar::SortedPieces>(model_.tokenizer());
            grammar_constraint_ = std::make_unique<grammar::GrammarConstraint>(parsed, sorted_pieces_);
            grammar_text_ = text;
        }
        grammar_ = grammar_constraint_.get();
        grammar_->reset();
    }

    // Samples as without a grammar, and only if the grammar rejects that token samples again from
    // the logits the grammar allows (llama.cpp's order: the vocabulary-wide mask is the slow part,
    // and a model that follows the format seldom needs it; for greedy the result is the same).
    TokenId choose_token(const std::vector<float>& logits) {
        const TokenId first = sampler_->sample(logits.data(), logits.size());
        if (!grammar_ || grammar_->allows(first)) return first;
        masked_logits_.assign(logits.begin(), logits.end());
        grammar_->mask(masked_logits_.data(), masked_logits_.size());
        try {
            return sampler_->sample(masked_logits_.data(), masked_logits_.size());
        } catch (const Error&) {
            throw Error(ErrorCode::InvalidArgument, "grammar: no token of the vocabulary can continue the text here");
        }
    }

    // Until the whole prompt is in the cache (after that, the cache also holds generated tokens).
    bool reading_prompt() const { return result_.tokens.empty() && cached_.size() < prompt_.size(); }

    void evaluate(const TokenId* tokens, size_t n) {
        if (cache_epoch_ != model_.cache_epoch())
            throw Error(ErrorCode::InvalidArgument,
                        "the KV cache was overwritten during this generation (an embedding, another session's load()): begin() it again");
        model_.forward(tokens, n, uint32_t(cached_.size()));
        cached_.insert(cached_.end(), tokens, tokens + n);
    }

    // Holds back text that may be the start of a stop string, and cuts at the first match.
    class StopStringFilter {
    public:
        struct Output {
            std::string text;
            bool stopped = false;
        };
        StopStringFilter() = default;
        explicit StopStringFilter(std::vector<std::string> stops) : stops_(std::move(stops)) {}

        Output push(const std::string& text, bool final = false) {
            Output out;
            if (stopped_) return out;
            pending_ += text;
            size_t cut = std::string::npos;
            for (const std::string& s : stops_) cut = std::min(cut, pending_.find(s));
            if (cut != std::string::npos) {
                out.text = pending_.substr(0, cut);
                out.stopped = stopped_ = true;
                pending_.clear();
                return out;
            }
            const size_t keep = final ? 0 : longest_stop_prefix_suffix();
            out.text = pending_.substr(0, pending_.size() - keep);
            pending_.erase(0, pending_.size() - keep);
            return out;
        }
        bool stopped() const { return stopped_; }

    private:
        // Length of the longest end of pending_ that begins some stop string.
        size_t longest_stop_prefix_suffix() const {
            size_t best = 0;
            for (const std::string& s : stops_)
                for (size_t n = std::min(s.size() - 1, pending_.size()); n > best; --n)
                    if (pending_.compare(pending_.size() - n, n, s, 0, n) == 0) {
                        best = n;
                        break;
                    }
            return best;
        }

        std::vector<std::string> stops_;
        std::string pending_;
        bool stopped_ = false;
    };

    Model& model_;
    std::vector<TokenId> cached_;  // the tokens whose keys and values the cache holds, in order
    uint64_t cache_epoch_ = 0;     // the model's cache_epoch() for which cached_ is true
    bool waiting_ = false;  // the logits of the last evaluate() are on their way
    std::atomic<bool> cancelled_{false};

    // The generation in progress.
    bool active_ = false;
    GenerateOptions options_;
    std::vector<TokenId> prompt_;
    size_t n_keep_ = 0;  // tokens a context shift keeps (options_.n_keep resolved)
    std::optional<Sampler> sampler_;
    StopStringFilter filter_;
    std::optional<StreamingDecoder> decoder_;
    grammar::GrammarConstraint* grammar_ = nullptr;  // the generation's grammar, if it has one
    GenerateResult result_;

    // Kept between generations: the vocabulary sorted for grammar masks, and the last grammar.
    std::shared_ptr<const grammar::SortedPieces> sorted_pieces_;
    std::string grammar_text_;
    std::unique_ptr<grammar::GrammarConstraint> grammar_constraint_;
    std::vector<float> masked_logits_;
    std::vector<TokenId> logprob_scratch_;
    Clock::time_point prompt_start_, generation_start_;
};

}  // namespace chord
