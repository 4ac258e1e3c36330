// libFuzzer target: GBNF grammars. Any text is parsed (an Error(InvalidArgument) or a grammar);
// a grammar then matches the text after the first NUL, checked two ways that must agree: the
// whole-text matcher and the state-by-state walk. Matching may refuse a grammar whose expansion
// never ends (InvalidArgument), never hang or run out of memory.
#include <memory>
#include <string>

#include "chord/grammar/gbnf_match.hpp"
#include "chord/grammar/grammar_states.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 4096) return 0;  // the expansion of repetitions is bounded, but big inputs only slow the search
    chord::fuzz::FuzzInput in(data, size);
    const std::string_view source = in.until('\0');
    const std::string_view text = in.rest();
    chord::grammar::Grammar grammar;
    try {
        grammar = chord::grammar::parse_gbnf(source);
    } catch (const chord::Error& e) {
        if (e.code() != chord::ErrorCode::InvalidArgument) chord::fuzz::violated("a bad grammar is InvalidArgument");
        return 0;
    }
    try {
        const bool whole = chord::grammar::gbnf_matches(grammar, text);
        // The same walk by hand: code point by code point through the interned states.
        if (!chord::is_valid_utf8(text)) {
            if (whole) chord::fuzz::violated("invalid UTF-8 matches nothing");
            return 0;
        }
        chord::grammar::GrammarStates states(grammar);
        chord::grammar::StateId at = states.initial();
        for (uint32_t cp : chord::decode_utf8_lenient(text)) at = states.after_char(at, cp);
        if (whole != (at != chord::grammar::kDeadState && states.can_end(at)))
            chord::fuzz::violated("gbnf_matches agrees with the state walk");
    } catch (const chord::Error& e) {
        if (e.code() != chord::ErrorCode::InvalidArgument) chord::fuzz::violated("a grammar that cannot be matched is InvalidArgument");
    }
    return 0;
}
