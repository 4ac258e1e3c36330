// The grammar as a nondeterministic pushdown automaton, as llama.cpp runs it.
//
// A stack is a list of positions in the grammar's elements (the top at the back): the element the
// next character must match, then where to continue in each enclosing rule once it is done. The
// matcher keeps every stack that the text so far allows; a stack always has a terminal (a character
// class or a token element) at its top, or is empty: the grammar is complete on that path.
//
// Positions index one flat array holding all rules, each closed by its End element.
#pragma once

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "chord/error.hpp"
#include "chord/grammar/gbnf.hpp"

namespace chord::grammar {

using Stack = std::vector<uint32_t>;  // positions in Pushdown::elements(), top at the back

// A UTF-8 sequence cut between tokens: the bits so far and how many continuation bytes are due.
struct PartialUtf8 {
    uint32_t value = 0;
    int n_remain = 0;  // 0: no sequence open
    bool operator==(const PartialUtf8& o) const { return value == o.value && n_remain == o.n_remain; }
};

class Pushdown {
public:
    explicit Pushdown(const Grammar& grammar) {
        rule_start_.reserve(grammar.rules.size());
        for (const Rule& rule : grammar.rules) {
            rule_start_.push_back(uint32_t(elements_.size()));
            elements_.insert(elements_.end(), rule.begin(), rule.end());
        }
        root_ = grammar.root;
    }

    const Element& at(uint32_t pos) const { return elements_[pos]; }

    // The stacks at the start: one per alternative of the start rule, advanced to terminals.
    std::vector<Stack> initial_stacks() const {
        std::vector<Stack> stacks;
        for_each_alternative(rule_start_[root_], [&](uint32_t alt) {
            Stack stack;
            if (!is_end_of_alternative(elements_[alt])) stack.push_back(alt);
            advance(stack, stacks);
        });
        return stacks;
    }

    // Deeper stacks mean a rule that reaches itself before any character with more to match after
    // it (`a ::= b a "x"` where b may match nothing): a left recursion llama.cpp's check, which we
    // keep for its grammars' sake, does not see; its expansion would never end. No real text nests
    // this deep.
    static constexpr size_t kMaxStackDepth = 2048;
    // Stacks one expansion may visit: real grammars need a few dozen; nested repetitions of
    // things that may match nothing (`a** ` or `(b?)+ +`) multiply them without bound.
    static constexpr size_t kMaxExpansion = 20000;

    // Expands rule references at the top of `stack` until every resulting stack has a terminal at
    // its top (or is empty), adding each to `out` (which may then hold duplicates). Throws Error(InvalidArgument) where the
    // expansion would not end.
    void advance(const Stack& stack, std::vector<Stack>& out) const {
        std::vector<Stack> todo{stack};
        std::set<Stack> seen;  // a rule may be reached twice through empty alternatives
        while (!todo.empty()) {
            Stack current = std::move(todo.back());
            todo.pop_back();
            if (!seen.insert(current).second) continue;
            if (seen.size() > kMaxExpansion)
                throw Error(ErrorCode::InvalidArgument, "grammar: one step has more than " + std::to_string(kMaxExpansion) +
                                                            " ways to go on (repetitions of things that may match nothing, nested)");
            if (current.empty() || elements_[current.back()].type != ElementType::RuleRef) {
                out.push_back(std::move(current));  // duplicates go when the set is interned
                continue;
            }
            if (current.size() > kMaxStackDepth)
                throw Error(ErrorCode::InvalidArgument,
                            "grammar: a rule expands without end (it reaches itself before matching a character, with "
                            "more to match after it), or the text nests more than " + std::to_string(kMaxStackDepth) + " rules deep");
            const uint32_t ref = current.back();
            for_each_alternative(rule_start_[elements_[ref].value], [&](uint32_t alt) {
                Stack next(current.begin(), current.end() - 1);
                if (!is_end_of_alternative(elements_[ref + 1])) next.push_back(ref + 1);
                if (!is_end_of_alternative(elements_[alt])) next.push_back(alt);
                todo.push_back(std::move(next));
            });
        }
    }

    // Whether code point `cp` matches the character class starting at `pos`; `after` receives the
    // position following the class.
    bool match_char(uint32_t pos, uint32_t cp, uint32_t* after) const {
        const bool positive = elements_[pos].type != ElementType::CharNot;
        bool found = false;
        do {
            const Element& e = elements_[pos];
            if (e.type == ElementType::CharAny) {
                found = true;
                pos += 1;
            } else if (elements_[pos + 1].type == ElementType::CharRangeUpper) {
                found = found || (e.value <= cp && cp <= elements_[pos + 1].value);
                pos += 2;
            } else {
                found = found || e.value == cp;
                pos += 1;
            }
        } while (elements_[pos].type == ElementType::CharAlt);
        *after = pos;
        return found == positive;
    }

    // Whether some completion of the open UTF-8 sequence could match the class at `pos`.
    bool match_partial(uint32_t pos, PartialUtf8 partial) const {
        const bool positive = elements_[pos].type != ElementType::CharNot;
        // An invalid sequence, or a 2-byte sequence that could only spell a 7-bit character (overlong).
        if (partial.n_remain < 0 || (partial.n_remain == 1 && partial.value < 2)) return false;
        uint32_t low = partial.value << (partial.n_remain * 6);
        const uint32_t high = low | ((1u << (partial.n_remain * 6)) - 1);
        if (low == 0) low = partial.n_remain == 2 ? 1u << 11 : partial.n_remain == 3 ? 1u << 16 : low;
        do {
            const Element& e = elements_[pos];
            if (e.type == ElementType::CharAny) return true;
            if (elements_[pos + 1].type == ElementType::CharRangeUpper) {
                if (e.value <= high && low <= elements_[pos + 1].value) return positive;
                pos += 2;
            } else {
                if (low <= e.value && e.value <= high) return positive;
                pos += 1;
            }
        } while (elements_[pos].type == ElementType::CharAlt);
        return !positive;
    }

    // The stacks that follow `stack` after code point `cp`, added to `out` (none if it does not match).
    void accept_char(const Stack& stack, uint32_t cp, std::vector<Stack>& out) const {
        if (stack.empty() || is_token_element(elements_[stack.back()])) return;
        uint32_t after;
        if (!match_char(stack.back(), cp, &after)) return;
        pop_and_advance(stack, after, out);
    }

    // The stacks that follow `stack` after token `id` where its top is a token element.
    void accept_token(const Stack& stack, uint32_t id, std::vector<Stack>& out) const {
        if (stack.empty() || !is_token_element(elements_[stack.back()])) return;
        const Element& e = elements_[stack.back()];
        if ((e.type == ElementType::Token) != (e.value == id)) return;
        pop_and_advance(stack, stack.back() + 1, out);
    }

private:
    // Replaces the top with `next` (unless it ends its alternative) and advances.
    void pop_and_advance(const Stack& stack, uint32_t next, std::vector<Stack>& out) const {
        Stack popped(stack.begin(), stack.end() - 1);
        if (!is_end_of_alternative(elements_[next])) popped.push_back(next);
        advance(popped, out);
    }

    template <typename F>
    void for_each_alternative(uint32_t pos, F&& visit) const {
        while (true) {
            visit(pos);
            while (!is_end_of_alternative(elements_[pos])) ++pos;
            if (elements_[pos].type != ElementType::Alt) break;
            ++pos;
        }
    }

    std::vector<Element> elements_;     // every rule, one after another
    std::vector<uint32_t> rule_start_;  // rule id → position of its first element
    uint32_t root_ = 0;
};

}  // namespace chord::grammar
