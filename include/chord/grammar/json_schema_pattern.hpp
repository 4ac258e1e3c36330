// A JSON Schema "pattern" as GBNF for the JSON strings whose value it matches.
//
// Patterns are ECMAScript regular expressions and, as JSON Schema says, searches: "[0-9]+" accepts
// any string holding a digit, "^[0-9]+$" only strings of digits. Supported: literals and escapes
// (\n \t \xHH \uHHHH \u{H…} \cX, escaped punctuation), classes with ranges and \d \w \s \D \W \S,
// ".", groups (capturing, (?:…) and named), alternation, the quantifiers ? * + {m} {m,} {m,n}
// (lazy ones too: they match the same strings), ^ at the start and $ at the end of a top-level
// alternative. Anything else (lookaround, backreferences, \b, \p{…}, anchors inside) is an
// Error(InvalidArgument): a grammar that ignored it would accept strings the pattern refuses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chord/error.hpp"
#include "chord/grammar/json_schema_chars.hpp"
#include "chord/grammar/json_schema_primitives.hpp"
#include "chord/grammar/json_schema_rules.hpp"
#include "chord/unicode.hpp"
#include "chord/utf8.hpp"

namespace chord::grammar::schema {

class PatternToGbnf {
public:
    // Rules the pattern needs are added to `rules`, named from `name`.
    PatternToGbnf(std::string_view pattern, GbnfRules& rules, std::string name)
        : pattern_(pattern), rules_(rules), name_(std::move(name)) {
        if (!is_valid_utf8(pattern)) fail("it is not valid UTF-8");
        codepoints_ = decode_utf8_lenient(pattern);
    }

    // The GBNF for the JSON string, quotes included.
    std::string convert() {
        const std::string body = alternatives(/*top_level=*/true);
        if (pos_ < codepoints_.size()) fail("unbalanced ')'");
        return gbnf_sequence({"\"\\\"\"", body, "\"\\\"\""});
    }

private:
    static constexpr int kMaxGroupDepth = 100;

    // One item of a sequence: a character (kept apart so that neighbours join into one literal)
    // or any other expression.
    struct Piece {
        std::string expr;
        std::optional<uint32_t> character;
    };

    // What an escape stands for: one character, or a class such as \d.
    struct Escape {
        std::optional<uint32_t> character;
        CodepointSet set;
    };

    [[noreturn]] void fail(const std::string& why) const {
        throw Error(ErrorCode::InvalidArgument, "pattern \"" + printable_utf8(pattern_) + "\": " + why);
    }
    [[noreturn]] void unsupported(const std::string& what) const {
        fail(what + " (at character " + std::to_string(pos_ + 1) + ") cannot be written as a grammar");
    }

    bool at_end() const { return pos_ >= codepoints_.size(); }
    uint32_t peek(size_t ahead = 0) const {
        return pos_ + ahead < codepoints_.size() ? codepoints_[pos_ + ahead] : 0xFFFFFFFF;
    }

    static CodepointSet digit_set() { return CodepointSet().add('0', '9'); }
    static CodepointSet word_set() { return CodepointSet().add('a', 'z').add('A', 'Z').add('0', '9').add('_'); }
    // ECMAScript's \s: WhiteSpace and LineTerminator.
    static CodepointSet space_set() {
        return CodepointSet()
            .add(0x09, 0x0D)
            .add(0x20)
            .add(0xA0)
            .add(0x1680)
            .add(0x2000, 0x200A)
            .add(0x2028, 0x2029)
            .add(0x202F)
            .add(0x205F)
            .add(0x3000)
            .add(0xFEFF);
    }
    // "." matches anything but a line terminator.
    static CodepointSet dot_set() {
        return CodepointSet::all().minus(CodepointSet().add('\n').add('\r').add(0x2028, 0x2029));
    }

    // Alternatives up to the end, or up to the ')' that closes the group being read.
    std::string alternatives(bool top_level) {
        std::vector<std::string> options;
        bool has_empty = false;
        while (true) {
            std::string option = top_level ? anchored_sequence() : sequence(false);
            if (option.empty())
                has_empty = true;
            else
                options.push_back(std::move(option));
            if (peek() != '|') break;
            ++pos_;
        }
        if (options.empty()) return "";
        const std::string joined = join_alternatives(options);
        return has_empty ? rules_.repeat(name_ + "-option", joined, 0, 1) : joined;
    }

    // A top-level alternative: a search unless anchored, so the unanchored ends take any text.
    std::string anchored_sequence() {
        const bool anchored_start = peek() == '^';
        if (anchored_start) ++pos_;
        bool anchored_end = false;
        const std::string body = sequence(true, &anchored_end);
        const std::string any_text = use_primitive(rules_, "char") + "*";
        if (body.empty()) return anchored_start && anchored_end ? "" : any_text;
        return gbnf_sequence({anchored_start ? "" : any_text, body, anchored_end ? "" : any_text});
    }

    std::string sequence(bool top_level, bool* anchored_end = nullptr) {
        std::vector<Piece> pieces;
        while (!at_end() && peek() != '|' && peek() != ')') {
            if (peek() == '$') {
                ++pos_;
                if (top_level && (at_end() || peek() == '|')) {
                    *anchored_end = true;
                    break;
                }
                if (at_end()) fail("unbalanced '('");
                --pos_;
                unsupported("'$' before the end");
            }
            if (peek() == '^') unsupported("'^' after the start");
            Piece piece = atom();
            quantify(piece);
            pieces.push_back(std::move(piece));
        }
        // Neighbouring characters become one literal.
        std::vector<std::string> parts;
        std::string literal;
        for (const Piece& piece : pieces) {
            if (piece.character) {
                literal += json_char_text(*piece.character);
                continue;
            }
            if (!literal.empty()) parts.push_back(gbnf_literal(literal));
            literal.clear();
            parts.push_back(piece.expr);
        }
        if (!literal.empty()) parts.push_back(gbnf_literal(literal));
        return gbnf_sequence(parts);
    }

    // Reads {m}, {m,} or {m,n} at pos_; nothing (pos_ unchanged) when the brace is a plain '{'.
    bool read_braces(uint64_t& min, std::optional<uint64_t>& max) {
        size_t at = pos_ + 1;
        const auto number = [&](uint64_t& out) {
            const size_t start = at;
            out = 0;
            while (at < codepoints_.size() && codepoints_[at] >= '0' && codepoints_[at] <= '9') {
                out = std::min<uint64_t>(out * 10 + (codepoints_[at] - '0'), 1u << 30);
                ++at;
            }
            return at > start;
        };
        if (!number(min)) return false;
        max = min;
        if (at < codepoints_.size() && codepoints_[at] == ',') {
            ++at;
            uint64_t upper = 0;
            if (number(upper))
                max = upper;
            else
                max = std::nullopt;
        }
        if (at >= codepoints_.size() || codepoints_[at] != '}') return false;
        pos_ = at + 1;
        return true;
    }

// GCC 12 at -O2 takes the std::optional `max` below for uninitialized (a known false positive).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
    void quantify(Piece& piece) {
        uint64_t min = 0;
        std::optional<uint64_t> max;
        const uint32_t c = peek();
        if (c == '*' || c == '+' || c == '?') {
            ++pos_;
            min = c == '+' ? 1 : 0;
            if (c == '?') max = 1;
        } else if (c != '{' || !read_braces(min, max)) {
            return;
        }
        if (max && *max < min) fail("a quantifier {m,n} with n below m");
        if (peek() == '?') ++pos_;  // lazy: the same strings match
        if (peek() == '*' || peek() == '+' || peek() == '?') fail("nothing to repeat");
        if (peek() == '{') {
            uint64_t ignored_min = 0;
            std::optional<uint64_t> ignored_max = 0;  // (initialised: GCC 12 warns of the optional's payload)
            const size_t before = pos_;
            if (read_braces(ignored_min, ignored_max)) {
                pos_ = before;
                fail("nothing to repeat");
            }
        }
        const std::string item = piece.character ? gbnf_literal(json_char_text(*piece.character)) : piece.expr;
        piece.character.reset();
        piece.expr = item.empty() ? "" : rules_.repeat(name_ + "-repeat", item, min, max);
    }

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

    Piece atom() {
        const uint32_t c = peek();
        if (c == '(') return group();
        if (c == '[') return char_class_piece();
        if (c == '.') {
            ++pos_;
            return {rules_.add("dot", json_chars(dot_set())), std::nullopt};
        }
        if (c == '\\') {
            Escape escape = read_escape(/*in_class=*/false);
            if (escape.character) return {"", escape.character};
            return {json_chars(escape.set), std::nullopt};
        }
        if (c == '*' || c == '+' || c == '?') fail("nothing to repeat");
        if (c == '{') {
            uint64_t min;
            std::optional<uint64_t> max;
            const size_t before = pos_;
            if (read_braces(min, max)) {
                pos_ = before;
                fail("nothing to repeat");
            }
        }
        ++pos_;
        return {"", c};
    }

    Piece group() {
        ++pos_;  // '('
        if (peek() == '?') {
            const bool named =
                (peek(1) == '<' && peek(2) != '=' && peek(2) != '!') || (peek(1) == 'P' && peek(2) == '<');
            if (peek(1) == ':') {
                pos_ += 2;
            } else if (named) {
                while (!at_end() && peek() != '>') ++pos_;
                if (at_end()) fail("unterminated group name");
                ++pos_;
            } else {
                unsupported("lookaround or inline flags '(?'");
            }
        }
        if (++depth_ > kMaxGroupDepth) unsupported("nesting deeper than " + std::to_string(kMaxGroupDepth));
        const std::string inner = alternatives(/*top_level=*/false);
        --depth_;
        if (peek() != ')') fail("unbalanced '('");
        ++pos_;
        return {inner.empty() ? "" : "( " + inner + " )", std::nullopt};
    }

    Piece char_class_piece() {
        ++pos_;  // '['
        const bool negated = peek() == '^';
        if (negated) ++pos_;
        CodepointSet set;
        while (true) {
            if (at_end()) fail("unterminated '['");
            if (peek() == ']') {
                ++pos_;
                break;
            }
            const Escape first = class_item();
            if (first.character && peek() == '-' && pos_ + 1 < codepoints_.size() && peek(1) != ']') {
                ++pos_;
                const Escape last = class_item();
                if (!last.character) {  // [a-\d]: the '-' is a character (as browsers read it)
                    set.add(*first.character).add('-').add(last.set);
                    continue;
                }
                if (*last.character < *first.character) fail("a class range out of order");
                set.add(*first.character, *last.character);
            } else if (first.character) {
                set.add(*first.character);
            } else {
                set.add(first.set);
            }
        }
        if (negated) set = set.complement();
        if (set.minus(CodepointSet().add(0xD800, 0xDFFF)).empty()) fail("a class that matches no character");
        const auto& ranges = set.ranges();
        if (ranges.size() == 1 && ranges[0].first == ranges[0].last) return {"", ranges[0].first};
        return {json_chars(set), std::nullopt};
    }

    Escape class_item() {
        if (peek() == '\\') return read_escape(/*in_class=*/true);
        return {codepoints_[pos_++], {}};
    }

    uint32_t read_hex(size_t digits) {
        uint32_t value = 0;
        for (size_t i = 0; i < digits; ++i) {
            const uint32_t c = peek();
            uint32_t d;
            if (c >= '0' && c <= '9')
                d = c - '0';
            else if (c >= 'a' && c <= 'f')
                d = c - 'a' + 10;
            else if (c >= 'A' && c <= 'F')
                d = c - 'A' + 10;
            else
                fail("expected " + std::to_string(digits) + " hex digits");
            value = value * 16 + d;
            ++pos_;
        }
        return value;
    }

    uint32_t read_unicode_escape() {
        if (peek() == '{') {  // \u{1F600}
            ++pos_;
            uint32_t value = 0;
            size_t digits = 0;
            while (!at_end() && peek() != '}') {
                value = value * 16 + read_hex(1);
                if (++digits > 6 || value > kMaxCodepoint) fail("a \\u{…} escape beyond U+10FFFF");
            }
            if (at_end() || digits == 0) fail("unterminated \\u{…}");
            ++pos_;
            return value;
        }
        uint32_t value = read_hex(4);
        if (value >= 0xD800 && value <= 0xDBFF && peek() == '\\' && peek(1) == 'u') {  // a surrogate pair
            const size_t before = pos_;
            pos_ += 2;
            const uint32_t low = read_hex(4);
            if (low >= 0xDC00 && low <= 0xDFFF) return 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00);
            pos_ = before;
        }
        if (is_surrogate(value)) unsupported("a lone surrogate escape");
        return value;
    }

    Escape read_escape(bool in_class) {
        ++pos_;  // '\'
        if (at_end()) fail("a trailing backslash");
        const uint32_t e = codepoints_[pos_++];
        const auto one = [](uint32_t cp) { return Escape{cp, {}}; };
        const auto set = [](CodepointSet s) { return Escape{std::nullopt, std::move(s)}; };
        switch (e) {
            case 'd': return set(digit_set());
            case 'D': return set(digit_set().complement());
            case 'w': return set(word_set());
            case 'W': return set(word_set().complement());
            case 's': return set(space_set());
            case 'S': return set(space_set().complement());
            case 't': return one('\t');
            case 'n': return one('\n');
            case 'r': return one('\r');
            case 'f': return one('\f');
            case 'v': return one('\v');
            case 'x': return one(read_hex(2));
            case 'u': return one(read_unicode_escape());
            case '0':
                if (peek() >= '0' && peek() <= '9') unsupported("an octal escape");
                return one(0);
            case 'c':
                if (!((peek() >= 'a' && peek() <= 'z') || (peek() >= 'A' && peek() <= 'Z')))
                    fail("\\c without a letter");
                return one(codepoints_[pos_++] % 32);
            case 'b':
                if (in_class) return one('\b');
                --pos_;
                unsupported("the word boundary \\b");
            default: break;
        }
        --pos_;
        if (e >= '1' && e <= '9') unsupported("a backreference");
        const bool letter_or_digit = (e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9');
        if (letter_or_digit) unsupported(std::string("the escape \\") + char(e));
        ++pos_;
        return one(e);  // escaped punctuation stands for itself
    }

    std::string_view pattern_;
    GbnfRules& rules_;
    std::string name_;
    std::vector<uint32_t> codepoints_;
    size_t pos_ = 0;
    int depth_ = 0;
};

// GBNF for the JSON strings (quotes included) whose value `pattern` matches.
inline std::string pattern_to_gbnf(std::string_view pattern, GbnfRules& rules, const std::string& name) {
    return PatternToGbnf(pattern, rules, name).convert();
}

}  // namespace chord::grammar::schema
