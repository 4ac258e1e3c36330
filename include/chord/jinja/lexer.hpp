// The lexer: template source -> tokens, with llama.cpp's whitespace rules.
//
// Chat templates are rendered with trim_blocks and lstrip_blocks, and the engine's lexer applies
// them (and the explicit {%- -%} {{- -}} {#- -#} markers) while it cuts the text between tags:
//   - source newlines are normalised (\r\n and \r become \n) and one trailing newline is dropped;
//   - trim_blocks: the newline right after a %} or #} tag (or any tag ending "-}") is dropped;
//   - lstrip_blocks: spaces and tabs between the start of a line and a {% or {# tag are dropped;
//     the engine also drops them when the text is the template's very beginning, together with
//     the one character before them (so "a  {% x %}" at the start loses its "a"), kept here;
//   - "-%}" "-}}" "-#}" strip all whitespace after the tag, "{%-" "{{-" "{#-" all before it.
// Inside tags: numbers (digits, optionally "." digits; a leading - or + belongs to the number
// unless a value precedes it), strings in ' or " with the escapes \n \t \r \b \f \v \\ \' \",
// identifiers, and the operator characters. There is no ** and no //; ! only in !=.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "chord/jinja/diagnostics.hpp"

namespace chord::jinja {

enum class TokenType : uint8_t {
    Text,            // text between tags
    Comment,         // {# ... #}
    Number,          // 12, 1.5, -3
    String,          // 'a' "b" (value without quotes, escapes resolved)
    Identifier,      // names, keywords, true/false/none
    Equals,          // =
    OpenParen,       // (
    CloseParen,      // )
    OpenStatement,   // {%
    CloseStatement,  // %}
    OpenExpression,  // {{
    CloseExpression, // }}
    OpenBracket,     // [
    CloseBracket,    // ]
    OpenBrace,       // {
    CloseBrace,      // }
    Comma,
    Dot,
    Colon,
    Pipe,
    Additive,        // + - ~
    Multiplicative,  // * / %
    Comparison,      // < > <= >= == !=
    Unary,           // a - or + with no number after it where no value precedes it
    Eof,
};

struct Token {
    TokenType type;
    std::string value;
    size_t pos;  // byte offset in the normalised source
};

struct Lexed {
    std::vector<Token> tokens;
    std::string source;  // newline-normalised: token positions refer to it
};

namespace detail {

struct Symbol {
    std::string_view text;
    TokenType type;
};

// Tried in this order at each position inside a tag.
constexpr Symbol kSymbols[] = {
    {"{%-", TokenType::OpenStatement}, {"-%}", TokenType::CloseStatement}, {"{{-", TokenType::OpenExpression},
    {"-}}", TokenType::CloseExpression}, {"{%", TokenType::OpenStatement}, {"%}", TokenType::CloseStatement},
    {"{{", TokenType::OpenExpression}, {"}}", TokenType::CloseExpression}, {"(", TokenType::OpenParen},
    {")", TokenType::CloseParen}, {"{", TokenType::OpenBrace}, {"}", TokenType::CloseBrace},
    {"[", TokenType::OpenBracket}, {"]", TokenType::CloseBracket}, {",", TokenType::Comma},
    {".", TokenType::Dot}, {":", TokenType::Colon}, {"|", TokenType::Pipe},
    {"<=", TokenType::Comparison}, {">=", TokenType::Comparison}, {"==", TokenType::Comparison},
    {"!=", TokenType::Comparison}, {"<", TokenType::Comparison}, {">", TokenType::Comparison},
    {"+", TokenType::Additive}, {"-", TokenType::Additive}, {"~", TokenType::Additive},
    {"*", TokenType::Multiplicative}, {"/", TokenType::Multiplicative}, {"%", TokenType::Multiplicative},
    {"=", TokenType::Equals},
};

class Lexer {
public:
    explicit Lexer(const std::string& source) : src_(normalise(source)) {}

    Lexed run() {
        while (pos_ < src_.size()) {
            const TokenType last = tokens_.empty() ? TokenType::CloseStatement : tokens_.back().type;
            if ((last == TokenType::CloseStatement || last == TokenType::CloseExpression ||
                 last == TokenType::Comment) &&
                lex_text())
                continue;
            if (at(pos_) == '{' && next_is(1, "#")) {
                lex_comment();
                continue;
            }
            // The '-' of "{%-"/"{{-" is part of the tag; one more right after it is skipped.
            if (at(pos_) == '-' && (last == TokenType::OpenExpression || last == TokenType::OpenStatement)) {
                if (++pos_ >= src_.size()) break;
            }
            while (pos_ < src_.size() && is_space(src_[pos_])) ++pos_;
            if (pos_ >= src_.size()) break;
            lex_in_tag();
        }
        return {std::move(tokens_), std::move(src_)};
    }

private:
    static std::string normalise(const std::string& source) {
        std::string s;
        s.reserve(source.size());
        for (size_t i = 0; i < source.size(); ++i) {
            if (source[i] == '\r') {
                s += '\n';
                if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
            } else {
                s += source[i];
            }
        }
        if (!source.empty() && source.back() == '\n') s.pop_back();  // one trailing newline, as Jinja
        return s;
    }

    char at(size_t i) const { return i < src_.size() ? src_[i] : '\0'; }
    // Whether the character n after the current one is one of `chars` (never past the end).
    bool next_is(size_t n, std::string_view chars) const {
        return pos_ + n < src_.size() && chars.find(src_[pos_ + n]) != std::string_view::npos;
    }
    bool at_tag() const { return at(pos_) == '{' && next_is(1, "%{#"); }

    [[noreturn]] void fail(size_t pos, const std::string& what) const { throw template_error(src_, pos, what); }

    void push(TokenType type, std::string value, size_t pos) { tokens_.push_back({type, std::move(value), pos}); }

    // The text up to the next tag, trimmed by the whitespace rules. False when nothing is left of it.
    bool lex_text() {
        bool strip_after_last_tag = false, drop_newline = false;
        if (pos_ > 3) {
            const char c0 = src_[pos_ - 3], c1 = src_[pos_ - 2], c2 = src_[pos_ - 1];
            strip_after_last_tag = c0 == '-' && (c1 == '%' || c1 == '}' || c1 == '#') && c2 == '}';
            drop_newline = (c1 == '#' || c1 == '%' || c1 == '-') && c2 == '}';
        }
        const size_t start = pos_;
        while (pos_ < src_.size() && !at_tag()) ++pos_;
        size_t end = pos_;
        if (at(pos_) == '{' && next_is(1, "%#-")) {  // lstrip_blocks
            for (size_t cur = end; cur > start; --cur) {
                const char c = src_[cur - 1];
                if (cur == 1) {
                    end = 0;
                    break;
                }
                if (c == '\n') {
                    end = cur;
                    break;
                }
                if (!is_space(c)) break;
            }
        }
        std::string text = src_.substr(start, end - start);
        if (drop_newline && !text.empty() && text.front() == '\n') text.erase(0, 1);
        if (strip_after_last_tag) text.erase(0, std::min(text.find_first_not_of(" \t\r\n"), text.size()));
        if (at(pos_) == '{' && next_is(1, "{%#") && next_is(2, "-")) {
            const size_t last_kept = text.find_last_not_of(" \t\r\n");
            text.resize(last_kept == std::string::npos ? 0 : last_kept + 1);
        }
        if (text.empty()) return false;
        push(TokenType::Text, std::move(text), start);
        return true;
    }

    void lex_comment() {
        const size_t start = pos_;
        pos_ += 2;
        std::string body;
        while (!(at(pos_) == '#' && next_is(1, "}"))) {
            if (pos_ + 2 >= src_.size()) fail(start, "missing end of comment tag");
            body += src_[pos_++];
        }
        pos_ += 2;
        push(TokenType::Comment, std::move(body), start);
    }

    std::string lex_digits() {
        const size_t start = pos_;
        while (pos_ < src_.size() && src_[pos_] >= '0' && src_[pos_] <= '9') ++pos_;
        return src_.substr(start, pos_ - start);
    }

    std::string lex_number() {
        std::string num = lex_digits();
        if (at(pos_) == '.' && pos_ + 1 < src_.size() && at(pos_ + 1) >= '0' && at(pos_ + 1) <= '9') {
            ++pos_;
            num += "." + lex_digits();
        }
        return num;
    }

    void lex_string(char quote) {
        const size_t start = pos_++;
        std::string value;
        for (;;) {
            if (pos_ >= src_.size()) fail(start, "unterminated string");
            const char c = src_[pos_++];
            if (c == quote) break;
            if (c != '\\') {
                value += c;
                continue;
            }
            if (pos_ >= src_.size()) fail(pos_, "unexpected end of input after escape character");
            const char e = src_[pos_++];
            switch (e) {
                case 'n': value += '\n'; break;
                case 't': value += '\t'; break;
                case 'r': value += '\r'; break;
                case 'b': value += '\b'; break;
                case 'f': value += '\f'; break;
                case 'v': value += '\v'; break;
                case '\\':
                case '\'':
                case '"': value += e; break;
                default: fail(pos_ - 2, std::string("unknown escape character \\") + e);
            }
        }
        push(TokenType::String, std::move(value), start);
    }

    void lex_in_tag() {
        const size_t start = pos_;
        const char ch = src_[pos_];
        const bool closing = ch == '-' && next_is(1, "%}");
        if (!closing && (ch == '-' || ch == '+')) {
            const TokenType last = tokens_.empty() ? TokenType::Eof : tokens_.back().type;
            if (last == TokenType::Text || last == TokenType::Eof) fail(pos_, std::string("unexpected character: ") + ch);
            const bool after_value = last == TokenType::Identifier || last == TokenType::Number ||
                                     last == TokenType::String || last == TokenType::CloseParen ||
                                     last == TokenType::CloseBracket;
            if (!after_value) {  // a sign: of the number that follows, or a unary operator
                ++pos_;
                const std::string num = lex_number();
                push(num.empty() ? TokenType::Unary : TokenType::Number, ch + num, start);
                return;
            }
        }
        for (const Symbol& s : kSymbols) {
            // "}}" inside an object literal closes braces, not the expression.
            if (s.text == "}}" && brace_depth_ > 0) continue;
            if (std::string_view(src_).substr(pos_, s.text.size()) != s.text) continue;
            push(s.type, std::string(s.text), start);
            if (s.type == TokenType::OpenExpression) brace_depth_ = 0;
            if (s.type == TokenType::OpenBrace) ++brace_depth_;
            if (s.type == TokenType::CloseBrace) --brace_depth_;  // wraps around below zero, as the engine's
            pos_ += s.text.size();
            return;
        }
        if (ch == '\'' || ch == '"') return lex_string(ch);
        if (ch >= '0' && ch <= '9') return push(TokenType::Number, lex_number(), start);
        if (is_word(ch)) {
            while (pos_ < src_.size() && is_word(src_[pos_])) ++pos_;
            return push(TokenType::Identifier, src_.substr(start, pos_ - start), start);
        }
        fail(pos_, std::string("unexpected character: ") + ch);
    }

    static bool is_word(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }

    std::string src_;
    size_t pos_ = 0;
    size_t brace_depth_ = 0;
    std::vector<Token> tokens_;
};

}  // namespace detail

// Throws chord::Error (Malformed) at the first character no token can start with.
inline Lexed tokenize(const std::string& source) { return detail::Lexer(source).run(); }

}  // namespace chord::jinja
