// The sets of stacks a grammar passes through, numbered, with their transitions remembered.
//
// Matching text means moving from one set of stacks (pushdown.hpp) to the next, one code point at a
// time. The same sets recur all the time (inside a JSON string, after each character the stacks are
// those of before), so each distinct set gets an id and each (set, code point) step is computed
// once: checking a token is then a few table lookups, and a vocabulary-wide mask per step costs
// about one lookup per trie node.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "chord/error.hpp"
#include "chord/grammar/pushdown.hpp"

namespace chord::grammar {

using StateId = uint32_t;
constexpr StateId kDeadState = 0;  // the empty set: nothing more can match

class GrammarStates {
public:
    explicit GrammarStates(const Grammar& grammar) : pushdown_(grammar) { clear(); }

    const Pushdown& pushdown() const { return pushdown_; }

    StateId initial() const { return initial_; }

    const std::vector<Stack>& stacks(StateId id) const { return sets_[id].stacks; }
    // The grammar may end here (one path is complete).
    bool can_end(StateId id) const { return sets_[id].can_end; }
    // The grammar must end here: every path is complete, no character can follow.
    bool must_end(StateId id) const { return sets_[id].must_end; }
    // Some stack waits for a token element (<[id]>, !<[id]>) rather than characters.
    bool wants_token(StateId id) const { return sets_[id].wants_token; }

    // The state after code point `cp`, kDeadState if no stack accepts it.
    StateId after_char(StateId id, uint32_t cp) {
        if (id == kDeadState) return kDeadState;
        const uint64_t key = (uint64_t(id) << 32) | cp;
        const auto found = char_steps_.find(key);
        if (found != char_steps_.end()) return found->second;
        std::vector<Stack> next;
        for (const Stack& s : sets_[id].stacks) {
            pushdown_.accept_char(s, cp, next);
            if (next.size() > Pushdown::kMaxExpansion)
                throw Error(ErrorCode::InvalidArgument, "grammar: more than " + std::to_string(Pushdown::kMaxExpansion) +
                                                            " ways to go on after one character (nested repetitions of "
                                                            "things that may match nothing)");
        }
        const StateId to = intern(std::move(next));
        char_steps_.emplace(key, to);
        return to;
    }

    // The stacks that follow token `token` where a stack waits for a token element (the other
    // stacks, waiting for characters, are walked by the caller with the token's text).
    std::vector<Stack> after_token_element(StateId id, uint32_t token) const {
        std::vector<Stack> next;
        for (const Stack& s : sets_[id].stacks) pushdown_.accept_token(s, token, next);
        return next;
    }

    // Whether some completion of an open UTF-8 sequence could be accepted in state `id`.
    bool accepts_partial(StateId id, PartialUtf8 partial) const {
        for (const Stack& s : sets_[id].stacks)
            if (!s.empty() && !is_token_element(pushdown_.at(s.back())) && pushdown_.match_partial(s.back(), partial))
                return true;
        return false;
    }

    // The id of a set of stacks (order and duplicates do not matter).
    StateId intern(std::vector<Stack> stacks) {
        std::sort(stacks.begin(), stacks.end());
        stacks.erase(std::unique(stacks.begin(), stacks.end()), stacks.end());
        if (stacks.empty()) return kDeadState;
        std::string key;
        for (const Stack& s : stacks) {
            for (uint32_t pos : s) key.append(reinterpret_cast<const char*>(&pos), sizeof pos);
            key.append(4, '\xff');  // no position is 0xffffffff: separates the stacks
        }
        const auto found = ids_.find(key);
        if (found != ids_.end()) return found->second;
        const auto id = StateId(sets_.size());
        Set set;
        set.stacks = std::move(stacks);
        for (const Stack& s : set.stacks) {
            if (s.empty()) set.can_end = true;
            else if (is_token_element(pushdown_.at(s.back()))) set.wants_token = true;
        }
        set.must_end = set.can_end && set.stacks.size() == 1;
        sets_.push_back(std::move(set));
        ids_.emplace(std::move(key), id);
        return id;
    }

    size_t size() const { return sets_.size(); }

    // Forgets every set but `keep`, whose new id is returned: bounds the memory of grammars whose
    // stacks keep growing (deep nesting makes new sets at every level).
    StateId compact(StateId keep) {
        std::vector<Stack> kept = sets_[keep].stacks;
        clear();
        return intern(std::move(kept));
    }

private:
    struct Set {
        std::vector<Stack> stacks;
        bool can_end = false, must_end = false, wants_token = false;
    };

    void clear() {
        sets_.assign(1, Set{});  // id 0: the dead state
        ids_.clear();
        char_steps_.clear();
        initial_ = intern(pushdown_.initial_stacks());
    }

    Pushdown pushdown_;
    std::vector<Set> sets_;
    std::unordered_map<std::string, StateId> ids_;
    std::unordered_map<uint64_t, StateId> char_steps_;  // (state << 32 | code point) → state
    StateId initial_ = kDeadState;
};

}  // namespace chord::grammar
