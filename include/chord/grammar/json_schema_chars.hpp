// Sets of code points, and the GBNF for the way a JSON string writes a member of a set.
//
// A schema constrains the decoded string, a grammar the text, so each character is written the one
// way JSON writers use: as itself where JSON allows it, else as \" \\ \b \f \n \r \t, or \u00xx
// (lowercase) for the other control characters. One spelling per character keeps "a key other than
// these names" exact: no escape can spell a declared name in disguise.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "chord/error.hpp"
#include "chord/grammar/json_schema_rules.hpp"
#include "chord/unicode.hpp"
#include "chord/utf8.hpp"

namespace chord::grammar::schema {

constexpr uint32_t kMaxCodepoint = 0x10FFFF;

inline bool is_surrogate(uint32_t cp) { return cp >= 0xD800 && cp <= 0xDFFF; }

class CodepointSet {
public:
    struct Range {
        uint32_t first, last;
    };

    static CodepointSet all() { return CodepointSet().add(0, kMaxCodepoint); }

    CodepointSet& add(uint32_t first, uint32_t last) {
        ranges_.push_back({first, last});
        normalize();
        return *this;
    }
    CodepointSet& add(uint32_t cp) { return add(cp, cp); }
    CodepointSet& add(const CodepointSet& other) {
        ranges_.insert(ranges_.end(), other.ranges_.begin(), other.ranges_.end());
        normalize();
        return *this;
    }

    CodepointSet complement() const {
        CodepointSet out;
        uint32_t next = 0;  // the first code point not yet covered
        for (const Range& r : ranges_) {
            if (r.first > next) out.ranges_.push_back({next, r.first - 1});
            next = r.last + 1;
        }
        if (next <= kMaxCodepoint) out.ranges_.push_back({next, kMaxCodepoint});
        return out;
    }

    CodepointSet minus(const CodepointSet& other) const {
        return CodepointSet(*this).complement().add(other).complement();
    }
    CodepointSet intersect(const CodepointSet& other) const { return minus(other.complement()); }

    bool contains(uint32_t cp) const {
        for (const Range& r : ranges_)
            if (cp >= r.first && cp <= r.last) return true;
        return false;
    }
    bool empty() const { return ranges_.empty(); }
    const std::vector<Range>& ranges() const { return ranges_; }

private:
    // Sorted, with touching and overlapping ranges merged.
    void normalize() {
        std::sort(ranges_.begin(), ranges_.end(), [](const Range& a, const Range& b) { return a.first < b.first; });
        std::vector<Range> merged;
        for (const Range& r : ranges_) {
            if (!merged.empty() && uint64_t(r.first) <= uint64_t(merged.back().last) + 1)
                merged.back().last = std::max(merged.back().last, r.last);
            else
                merged.push_back(r);
        }
        ranges_ = std::move(merged);
    }

    std::vector<Range> ranges_;
};

// Whether a JSON string may hold `cp` unescaped (0x7F is escaped too, as llama.cpp's rules do).
inline bool is_raw_in_json_string(uint32_t cp) {
    return cp >= 0x20 && cp != '"' && cp != '\\' && cp != 0x7F && !is_surrogate(cp) && cp <= kMaxCodepoint;
}

inline CodepointSet raw_json_codepoints() {
    return CodepointSet().add(0x20, 0x10FFFF).minus(CodepointSet().add('"').add('\\').add(0x7F).add(0xD800, 0xDFFF));
}

// The text of `cp` inside a JSON string, in its one spelling.
inline std::string json_char_text(uint32_t cp) {
    std::string out;
    if (is_raw_in_json_string(cp)) {
        append_utf8(out, cp);
        return out;
    }
    switch (cp) {
        case '"': return "\\\"";
        case '\\': return "\\\\";
        case '\b': return "\\b";
        case '\f': return "\\f";
        case '\n': return "\\n";
        case '\r': return "\\r";
        case '\t': return "\\t";
        default: break;
    }
    static const char hex[] = "0123456789abcdef";
    return std::string("\\u00") + hex[(cp >> 4) & 15] + hex[cp & 15];
}

// `text` (UTF-8) as a JSON string, quotes included, in the one spelling.
inline std::string json_string_text(std::string_view text) {
    if (!is_valid_utf8(text))
        throw Error(ErrorCode::InvalidArgument, "the string \"" + printable_utf8(text) + "\" is not valid UTF-8");
    std::string out = "\"";
    for (const uint32_t cp : decode_utf8_lenient(text)) out += json_char_text(cp);
    return out + "\"";
}

// One code point inside a GBNF class: letters, digits and harmless punctuation as themselves,
// anything a class parser could read specially (- ] ^ \ " # space) as an escape.
inline std::string gbnf_class_char(uint32_t cp) {
    const bool alnum = (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
    if (alnum || (cp < 0x80 && std::string_view("!$%&'()*+,./:;<=>?@_`{|}~").find(char(cp)) != std::string_view::npos))
        return std::string(1, char(cp));
    if (cp < 0x80) return "\\x" + hex_digits(cp, 2);
    if (cp <= 0xFFFF) return "\\u" + hex_digits(cp, 4);
    return "\\U" + hex_digits(cp, 8);
}

inline std::string gbnf_class(const CodepointSet& set, bool negated) {
    std::string out = negated ? "[^" : "[";
    for (const CodepointSet::Range& r : set.ranges()) {
        out += gbnf_class_char(r.first);
        if (r.last == r.first + 1)
            out += gbnf_class_char(r.last);
        else if (r.last > r.first)
            out += "-" + gbnf_class_char(r.last);
    }
    return out + "]";
}

// The class for the members of `set` a JSON string holds unescaped, written positively or as a
// negation, whichever lists fewer ranges; "" when there are none.
inline std::string raw_json_chars(const CodepointSet& set) {
    const CodepointSet raw = set.intersect(raw_json_codepoints());
    if (raw.empty()) return "";
    // Surrogates never occur in UTF-8 text, so a negated class need not exclude them.
    const CodepointSet excluded = CodepointSet(raw).add(0xD800, 0xDFFF).complement();
    if (excluded.empty()) return "[^\\x00]";  // unreachable: controls are never raw
    return excluded.ranges().size() < raw.ranges().size() ? gbnf_class(excluded, true) : gbnf_class(raw, false);
}

// GBNF alternatives for the members of `set` that a JSON string escapes; empty when none.
inline std::vector<std::string> escaped_json_chars(const CodepointSet& set) {
    std::vector<std::string> out;
    for (const uint32_t cp : {uint32_t('"'), uint32_t('\\'), uint32_t('\b'), uint32_t('\f'), uint32_t('\n'),
                              uint32_t('\r'), uint32_t('\t')})
        if (set.contains(cp)) out.push_back(gbnf_literal(json_char_text(cp)));
    // The other controls as \u00xx: one alternative per leading hex digit, the last digit a class.
    for (const uint32_t high : {0x00u, 0x10u, 0x70u}) {
        CodepointSet last_digits;
        for (uint32_t cp = high; cp < high + 16; ++cp) {
            if (is_raw_in_json_string(cp) || !set.contains(cp) || json_char_text(cp).size() != 6) continue;
            const std::string text = json_char_text(cp);
            last_digits.add(uint32_t(text.back()));
        }
        if (last_digits.empty()) continue;
        const std::string prefix = "\\u00" + std::string(1, "0123456789abcdef"[high >> 4]);
        const auto& digits = last_digits.ranges();
        if (digits.size() == 1 && digits[0].first == digits[0].last)
            out.push_back(gbnf_literal(prefix + char(digits[0].first)));
        else
            out.push_back(gbnf_literal(prefix) + " " + gbnf_class(last_digits, false));
    }
    return out;
}

// GBNF alternatives (not grouped) for one character of `set` as a JSON string writes it.
inline std::string json_chars(const CodepointSet& set) {
    std::vector<std::string> alternatives;
    const std::string raw = raw_json_chars(set);
    if (!raw.empty()) alternatives.push_back(raw);
    for (std::string& escaped : escaped_json_chars(set)) alternatives.push_back(std::move(escaped));
    if (alternatives.empty()) throw Error(ErrorCode::InvalidArgument, "a character set that no JSON character is in");
    return join_alternatives(alternatives);
}

}  // namespace chord::grammar::schema
