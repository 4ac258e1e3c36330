// One generation's grammar: which tokens may come next, and the state after each accepted one.
//
// Follows llama.cpp's grammar sampler: a token is allowed if its text (added to any UTF-8 sequence
// left open by the tokens before) can continue some path of the grammar, or if a path waits for
// that token by id (<[id]>); end-of-generation tokens only where the grammar may end. Control
// tokens (<|user|>, …) have no text here, so only a token element allows them: unlike llama.cpp,
// whose grammars also match their names as text. The state is a GrammarStates id plus an open
// UTF-8 sequence.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "chord/error.hpp"
#include "chord/grammar/grammar_states.hpp"
#include "chord/grammar/sorted_pieces.hpp"

namespace chord::grammar {

class GrammarConstraint {
public:
    GrammarConstraint(const Grammar& grammar, std::shared_ptr<const SortedPieces> pieces)
        : states_(grammar), pieces_(std::move(pieces)) {
        reset();
    }

    // Back to the start of the grammar (the caches stay).
    void reset() { at_ = {states_.initial(), {}}; }

    // The grammar may end after the tokens so far: an end-of-generation token is allowed.
    bool can_end() const { return at_.partial.n_remain == 0 && states_.can_end(at_.state); }
    // Nothing but the end may follow.
    bool must_end() const { return at_.partial.n_remain == 0 && states_.must_end(at_.state); }

    bool allows(TokenId token) {
        if (size_t(token) >= pieces_->n_vocab) return false;
        if (is_end_of_generation(token)) return can_end();
        return !after(token).stacks_empty;
    }

    // Sets the logit of every token the grammar does not allow to -inf.
    void mask(float* logits, size_t n_vocab) {
        const std::vector<uint64_t>& allowed = allowed_tokens();
        constexpr float kMinusInf = -std::numeric_limits<float>::infinity();
        for (size_t i = 0; i < n_vocab; ++i)
            if (i >= pieces_->n_vocab || !(allowed[i / 64] >> (i % 64) & 1)) logits[i] = kMinusInf;
    }

    // Moves past `token`. Throws Error(InvalidArgument) if the grammar does not allow it; an
    // end-of-generation token leaves the state as it is.
    void accept(TokenId token) {
        if (!allows(token))
            throw Error(ErrorCode::InvalidArgument, "grammar: token " + std::to_string(token) + " is not allowed here");
        if (is_end_of_generation(token)) return;
        const Next next = after(token);
        at_ = {next.state, next.partial};
        if (states_.size() > kMaxStates) {  // deep nesting keeps making new sets: start the tables over
            at_.state = states_.compact(at_.state);
            masks_.clear();
            mask_bytes_ = 0;
        }
    }

private:
    // Sets of stacks kept before the tables start over, and bytes of cached masks.
    static constexpr size_t kMaxStates = 20000;
    static constexpr size_t kMaxMaskBytes = size_t(32) << 20;

    struct Cursor {
        StateId state;
        PartialUtf8 partial;
    };
    struct Next {
        StateId state;
        PartialUtf8 partial;
        bool stacks_empty;
    };

    bool is_end_of_generation(TokenId token) const {
        for (TokenId e : pieces_->end_of_generation)
            if (e == token) return true;
        return false;
    }

    // One byte of text: false where no path of the grammar can take it (the cursor is then spent).
    bool step(Cursor& c, uint8_t byte) {
        if (c.partial.n_remain > 0) {
            if ((byte >> 6) != 2) return false;  // a continuation byte was due
            c.partial.value = (c.partial.value << 6) | (byte & 0x3F);
            if (--c.partial.n_remain > 0) return states_.accepts_partial(c.state, c.partial);
            c.state = states_.after_char(c.state, c.partial.value);
            c.partial = {};
            return c.state != kDeadState;
        }
        static constexpr int kSequenceLength[16] = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2, 2, 3, 4};
        const int length = kSequenceLength[byte >> 4];
        if (length == 0) return false;  // a continuation byte with no sequence open
        if (length == 1) {
            c.state = states_.after_char(c.state, byte);
            return c.state != kDeadState;
        }
        c.partial = {uint32_t(byte & (0x7F >> length)), length - 1};
        return states_.accepts_partial(c.state, c.partial);
    }

    // The state after a token that is not an end of generation.
    Next after(TokenId token) {
        std::vector<Stack> by_id;
        if (states_.wants_token(at_.state) && at_.partial.n_remain == 0) {
            for (const Stack& s : states_.stacks(at_.state)) {
                if (s.empty() || !is_token_element(states_.pushdown().at(s.back()))) continue;
                // "Any token but X" means any token that spells text, as in the mask.
                if (states_.pushdown().at(s.back()).type == ElementType::TokenNot && !pieces_->spells_text(token)) continue;
                states_.pushdown().accept_token(s, uint32_t(token), by_id);
            }
        }
        Cursor c = at_;
        bool alive = pieces_->spells_text(token);
        for (char byte : pieces_->pieces[size_t(token)]) {
            if (!alive) break;
            alive = step(c, uint8_t(byte));
        }
        if (by_id.empty()) return {alive ? c.state : kDeadState, alive ? c.partial : PartialUtf8{}, !alive};
        // A token element matched: its stacks join those that read the token's text.
        if (alive) by_id.insert(by_id.end(), states_.stacks(c.state).begin(), states_.stacks(c.state).end());
        return {states_.intern(std::move(by_id)), alive ? c.partial : PartialUtf8{}, false};
    }

    // The allowed tokens as bits, cached per state where no UTF-8 sequence is open.
    const std::vector<uint64_t>& allowed_tokens() {
        const bool cacheable = at_.partial.n_remain == 0;
        if (cacheable) {
            const auto found = masks_.find(at_.state);
            if (found != masks_.end()) return found->second;
        }
        std::vector<uint64_t> bits((pieces_->n_vocab + 63) / 64, 0);
        const auto allow = [&](TokenId id) { bits[size_t(id) / 64] |= uint64_t(1) << (size_t(id) % 64); };
        if (can_end())
            for (TokenId e : pieces_->end_of_generation) allow(e);
        if (states_.wants_token(at_.state) && at_.partial.n_remain == 0) allow_token_elements(allow);
        allow_by_text(allow);
        if (!cacheable) {
            scratch_mask_ = std::move(bits);
            return scratch_mask_;
        }
        if (mask_bytes_ > kMaxMaskBytes) {
            masks_.clear();
            mask_bytes_ = 0;
        }
        mask_bytes_ += bits.size() * sizeof(uint64_t);
        return masks_.emplace(at_.state, std::move(bits)).first->second;
    }

    template <typename Allow>
    void allow_token_elements(Allow&& allow) const {
        for (const Stack& s : states_.stacks(at_.state)) {
            if (s.empty() || !is_token_element(states_.pushdown().at(s.back()))) continue;
            const Element& e = states_.pushdown().at(s.back());
            if (e.type == ElementType::Token) {
                if (e.value < pieces_->n_vocab && !is_end_of_generation(TokenId(e.value))) allow(TokenId(e.value));
            } else {  // any token that spells text, but this one
                for (TokenId id : pieces_->order)
                    if (uint32_t(id) != e.value) allow(id);
            }
        }
    }

    // Walks the sorted pieces: each piece reuses the cursors of the prefix it shares with the one
    // before, and a rejected prefix skips every piece that starts with it.
    template <typename Allow>
    void allow_by_text(Allow&& allow) {
        const SortedPieces& p = *pieces_;
        path_.resize(p.longest + 1);
        path_[0] = at_;
        size_t valid = 0;  // path_[0..valid] are the cursors after the current piece's first bytes
        for (size_t k = 0; k < p.order.size();) {
            const std::string& piece = p.pieces[size_t(p.order[k])];
            size_t depth = std::min<size_t>(p.shared_prefix[k], valid);
            bool alive = true;
            for (; depth < piece.size(); ++depth) {
                Cursor c = path_[depth];
                if (!step(c, uint8_t(piece[depth]))) {
                    alive = false;
                    break;
                }
                path_[depth + 1] = c;
            }
            valid = depth;
            if (alive) {
                allow(p.order[k]);
                ++k;
                continue;
            }
            const size_t dead_prefix = depth + 1;
            for (++k; k < p.order.size() && p.shared_prefix[k] >= dead_prefix;) ++k;
        }
    }

    GrammarStates states_;
    std::shared_ptr<const SortedPieces> pieces_;
    Cursor at_{kDeadState, {}};

    std::unordered_map<StateId, std::vector<uint64_t>> masks_;
    size_t mask_bytes_ = 0;
    std::vector<uint64_t> scratch_mask_;
    std::vector<Cursor> path_;
};

}  // namespace chord::grammar
