// The small regular-expression engine behind the BPE pre-tokenizers.
//
// Pre-tokenizers split text into words with patterns such as
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)
// This engine supports exactly what those patterns use: alternation (a leading (?:...) group of
// alternatives is flattened), character classes with ranges, negation, \s \S \d \p{L} \p{N}
// \p{P} \p{M} \p{S}, literal code points, quantifiers ? * + {n} {n,m}, a negative lookahead of one
// class (?!X), and the end anchor $. Matching is ECMAScript's (as llama.cpp's std::regex):
// alternatives in order, greedy quantifiers with backtracking, leftmost match first.
// Anything else in a pattern is a clear error, never a silent misparse.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chord/error.hpp"
#include "chord/unicode.hpp"

namespace chord {

// What the matcher knows about one code point of the text.
struct RegexChar {
    uint32_t literal;    // the code point compared with literals (non-ASCII whitespace reads as \v)
    uint8_t categories;  // bit (1 << CategoryClass) of its class; 0 for whitespace
    bool whitespace;
};

// llama.cpp matches categories through std::regex on text where each non-ASCII code point is
// replaced by a stand-in for its class (and non-ASCII whitespace by \v). ASCII code points keep
// their value and its class is spelled out in llama.cpp's patterns, which leave '~' out of \p{S}.
// Describing the text the same way keeps our splits identical to llama.cpp's.
inline RegexChar describe_for_regex(uint32_t cp) {
    const bool whitespace = is_whitespace(cp);
    RegexChar c{cp, 0, whitespace};
    if (whitespace) {
        if (cp >= 0x80) c.literal = 0x0B;
        return c;
    }
    if (cp == '~') return c;
    c.categories = uint8_t(1u << unsigned(category_of(cp)));
    return c;
}

class PretokenizerRegex {
public:
    explicit PretokenizerRegex(std::string_view pattern) : pattern_(pattern) {
        Parser parser{decode_utf8_lenient(pattern), 0, std::string(pattern)};
        alternatives_ = parser.parse();
    }

    const std::string& pattern() const { return pattern_; }

    // End of the match starting at `pos` in text[0, end), or -1. The first alternative that
    // matches wins (ECMAScript), not the longest.
    long match_at(const RegexChar* text, size_t pos, size_t end) const {
        for (const Sequence& alternative : alternatives_) {
            const long e = match_sequence(alternative, 0, text, pos, end);
            if (e >= 0) return e;
        }
        return -1;
    }

private:
    struct CharClass {
        std::vector<std::pair<uint32_t, uint32_t>> ranges;
        uint8_t categories = 0;
        bool whitespace = false;      // \s
        bool non_whitespace = false;  // \S
        bool negated = false;

        bool matches(const RegexChar& c) const {
            bool in = (categories & c.categories) != 0 || (whitespace && c.whitespace) ||
                      (non_whitespace && !c.whitespace);
            for (size_t i = 0; !in && i < ranges.size(); ++i)
                in = c.literal >= ranges[i].first && c.literal <= ranges[i].second;
            return in != negated;
        }
    };

    struct Atom {
        enum Kind { Class, NegativeLookahead, EndOfText } kind = Class;
        CharClass chars;
        int min = 1, max = 1;
    };
    using Sequence = std::vector<Atom>;

    static long match_sequence(const Sequence& s, size_t k, const RegexChar* text, size_t pos, size_t end) {
        if (k == s.size()) return long(pos);
        const Atom& a = s[k];
        if (a.kind == Atom::EndOfText) return pos == end ? match_sequence(s, k + 1, text, pos, end) : -1;
        if (a.kind == Atom::NegativeLookahead)
            return pos < end && a.chars.matches(text[pos]) ? -1 : match_sequence(s, k + 1, text, pos, end);
        size_t n = 0;  // greedy: the longest run first, then give back one at a time
        while (pos + n < end && int(n) < a.max && a.chars.matches(text[pos + n])) ++n;
        for (long count = long(n); count >= a.min; --count) {
            const long e = match_sequence(s, k + 1, text, pos + size_t(count), end);
            if (e >= 0) return e;
        }
        return -1;
    }

    struct Parser {
        std::vector<uint32_t> p;
        size_t i;
        std::string source;

        [[noreturn]] void fail(const std::string& what) const {
            throw Error(ErrorCode::Unsupported,
                        "pre-tokenizer pattern '" + source + "': " + what + " at position " + std::to_string(i));
        }
        bool at(uint32_t c) const { return i < p.size() && p[i] == c; }
        bool starts(const char* s) const {
            for (size_t k = 0; s[k]; ++k)
                if (i + k >= p.size() || p[i + k] != uint32_t(uint8_t(s[k]))) return false;
            return true;
        }

        std::vector<Sequence> parse() {
            std::vector<Sequence> alternatives;
            while (true) {
                if (starts("(?:")) {  // a group of alternatives standing as one alternative
                    i += 3;
                    std::vector<Sequence> inner = parse_alternatives(')');
                    if (!at(')')) fail("unclosed group");
                    ++i;
                    if (i < p.size() && !at('|')) fail("a group followed by more pattern");
                    alternatives.insert(alternatives.end(), inner.begin(), inner.end());
                } else {
                    alternatives.push_back(parse_sequence('|'));
                }
                if (i == p.size()) return alternatives;
                if (!at('|')) fail("unexpected character");
                ++i;
            }
        }

        std::vector<Sequence> parse_alternatives(uint32_t close) {
            std::vector<Sequence> alternatives{parse_sequence(close)};
            while (at('|')) {
                ++i;
                alternatives.push_back(parse_sequence(close));
            }
            return alternatives;
        }

        Sequence parse_sequence(uint32_t close) {
            Sequence s;
            while (i < p.size() && !at('|') && !at(close)) {
                Atom a;
                if (at('$')) {
                    ++i;
                    a.kind = Atom::EndOfText;
                    s.push_back(a);
                    continue;
                }
                if (starts("(?!")) {
                    i += 3;
                    a.kind = Atom::NegativeLookahead;
                    a.chars = parse_single();
                    if (!at(')')) fail("lookahead of more than one class");
                    ++i;
                    s.push_back(a);
                    continue;
                }
                if (at('(') || at(')')) fail("groups other than one leading (?:...) are not supported");
                a.chars = parse_single();
                parse_quantifier(a);
                s.push_back(a);
            }
            if (s.empty()) fail("empty alternative");
            return s;
        }

        void parse_quantifier(Atom& a) {
            if (at('?')) { a.min = 0; a.max = 1; ++i; }
            else if (at('*')) { a.min = 0; a.max = INT32_MAX; ++i; }
            else if (at('+')) { a.min = 1; a.max = INT32_MAX; ++i; }
            else if (at('{')) {
                ++i;
                a.min = a.max = parse_number();
                if (at(',')) {
                    ++i;
                    a.max = parse_number();
                }
                if (!at('}') || a.max < a.min) fail("bad {n,m} quantifier");
                ++i;
            }
            if (at('?') || at('+') || at('*') || at('{')) fail("lazy, possessive or repeated quantifiers");
        }

        int parse_number() {
            int n = 0;
            bool any = false;
            while (i < p.size() && p[i] >= '0' && p[i] <= '9' && n < 100000) {
                n = n * 10 + int(p[i++] - '0');
                any = true;
            }
            if (!any) fail("expected a number");
            return n;
        }

        // One character position: a literal, an escape, '.' is not supported, or [...].
        CharClass parse_single() {
            CharClass c;
            if (i == p.size()) fail("pattern ends early");
            if (at('[')) {
                ++i;
                if (at('^')) {
                    c.negated = true;
                    ++i;
                }
                while (i < p.size() && !at(']')) {
                    uint32_t first;
                    if (!parse_class_item(c, &first)) continue;  // a \s or \p{...}
                    if (at('-') && i + 1 < p.size() && p[i + 1] != ']') {
                        ++i;
                        uint32_t last;
                        if (!parse_class_item(c, &last)) fail("range ending in a class");
                        if (last < first) fail("reversed range");
                        c.ranges.emplace_back(first, last);
                    } else {
                        c.ranges.emplace_back(first, first);
                    }
                }
                if (!at(']')) fail("unclosed [");
                ++i;
                return c;
            }
            if (at('.') || at('^') || at('*') || at('+') || at('?') || at('{')) fail("unsupported syntax");
            uint32_t literal;
            if (parse_class_item(c, &literal)) c.ranges.emplace_back(literal, literal);
            return c;
        }

        // A literal (returned, true) or a class escape added to `c` (false).
        bool parse_class_item(CharClass& c, uint32_t* literal) {
            if (!at('\\')) {
                *literal = p[i++];
                return true;
            }
            ++i;
            if (i == p.size()) fail("trailing backslash");
            const uint32_t e = p[i++];
            switch (e) {
                case 's': c.whitespace = true; return false;
                case 'S': c.non_whitespace = true; return false;
                case 'd': c.ranges.emplace_back('0', '9'); return false;
                case 'p': c.categories |= parse_category(); return false;
                case 'r': *literal = '\r'; return true;
                case 'n': *literal = '\n'; return true;
                case 't': *literal = '\t'; return true;
                default:
                    if (e < 0x80 && !((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9'))) {
                        *literal = e;  // an escaped punctuation character stands for itself
                        return true;
                    }
                    fail("unsupported escape");
            }
        }

        uint8_t parse_category() {
            if (!at('{') || i + 2 >= p.size() || p[i + 2] != '}') fail("expected \\p{X}");
            const uint32_t name = p[i + 1];
            i += 3;
            switch (name) {
                case 'L': return uint8_t(1u << unsigned(CategoryClass::Letter));
                case 'N': return uint8_t(1u << unsigned(CategoryClass::Number));
                case 'P': return uint8_t(1u << unsigned(CategoryClass::Punctuation));
                case 'M': return uint8_t(1u << unsigned(CategoryClass::Mark));
                case 'S': return uint8_t(1u << unsigned(CategoryClass::Symbol));
                default: fail("unsupported category");
            }
        }
    };

    std::string pattern_;
    std::vector<Sequence> alternatives_;
};

// Splits code points [0, n) into words by applying each regex in turn to every piece the
// previous ones produced, as llama.cpp does: a match becomes a piece, and so does each run of
// text between matches. Returns the piece lengths in code points.
inline std::vector<size_t> split_with_regexes(const std::vector<RegexChar>& text,
                                              const std::vector<PretokenizerRegex>& regexes) {
    std::vector<size_t> pieces{text.size()};
    if (text.empty()) return {};
    for (const PretokenizerRegex& regex : regexes) {
        std::vector<size_t> next;
        size_t start = 0;
        for (size_t length : pieces) {
            const size_t end = start + length;
            size_t gap_start = start, pos = start;
            while (pos < end) {
                const long match_end = regex.match_at(text.data(), pos, end);
                if (match_end < 0 || size_t(match_end) == pos) {
                    ++pos;
                    continue;
                }
                if (pos > gap_start) next.push_back(pos - gap_start);
                next.push_back(size_t(match_end) - pos);
                pos = gap_start = size_t(match_end);
            }
            if (end > gap_start) next.push_back(end - gap_start);
            start = end;
        }
        pieces = std::move(next);
    }
    return pieces;
}

}  // namespace chord
