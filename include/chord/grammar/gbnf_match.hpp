// Whether a whole text is a sentence of a grammar: the check behind grammar tests and tools that
// validate an output after the fact (the sampler never needs it: it constrains token by token).
#pragma once

#include <string_view>

#include "chord/grammar/gbnf_parser.hpp"
#include "chord/grammar/grammar_states.hpp"
#include "chord/unicode.hpp"
#include "chord/utf8.hpp"

namespace chord::grammar {

// Text that is not valid UTF-8 matches nothing.
inline bool gbnf_matches(const Grammar& grammar, std::string_view text) {
    GrammarStates states(grammar);
    StateId at = states.initial();
    if (!is_valid_utf8(text)) return false;
    for (uint32_t cp : decode_utf8_lenient(text)) {
        at = states.after_char(at, cp);
        if (at == kDeadState) return false;
    }
    return states.can_end(at);
}

}  // namespace chord::grammar
