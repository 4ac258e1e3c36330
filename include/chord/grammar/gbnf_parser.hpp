// GBNF text → Grammar, accepting what llama.cpp's grammar parser accepts:
//
//   rule    ::= name "::=" alternatives (newline | end)
//   element ::= "literal" | [class] | [^class] | . | name | ( alternatives ) | <[id]> | <token> | !<...>
//   repeat  ::= element ( * | + | ? | {m} | {m,} | {m,n} )
//
// Escapes \x.. \u.... \U........ \t \r \n \\ \" \[ \]; # starts a comment; a rule's alternatives
// may span lines only inside parentheses or after "|". Every referenced rule must be defined, the
// start rule must exist, and no rule may be left-recursive (the matcher would loop): each is an
// Error(InvalidArgument) naming the line and column, or the rule.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "chord/error.hpp"
#include "chord/grammar/gbnf.hpp"
#include "chord/vocabulary.hpp"

namespace chord::grammar {

namespace detail {

// Repetitions are expanded into rules, so {m,n} with large counts multiplies the grammar's size:
// llama.cpp's bound on that growth.
constexpr uint64_t kMaxRepetitionRules = 2000;

class GbnfParser {
public:
    GbnfParser(std::string_view src, const Vocabulary* vocab) : src_(src), vocab_(vocab) {}

    Grammar parse(std::string_view root) {
        pos_ = skip_space(0, true);
        while (pos_ < src_.size()) parse_rule();
        check_every_rule_defined();
        const auto it = grammar_.symbol_ids.find(std::string(root));
        if (it == grammar_.symbol_ids.end())
            throw Error(ErrorCode::InvalidArgument, "grammar: no rule named '" + std::string(root) + "' to start from");
        grammar_.root = it->second;
        check_no_left_recursion();
        return std::move(grammar_);
    }

private:
    static bool is_word_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    }
    static bool is_digit(char c) { return c >= '0' && c <= '9'; }

    char at(size_t i) const { return i < src_.size() ? src_[i] : '\0'; }

    [[noreturn]] void fail(size_t where, const std::string& what) const {
        size_t line = 1, column = 1;
        for (size_t i = 0; i < where && i < src_.size(); ++i) {
            if (src_[i] == '\n') {
                ++line;
                column = 1;
            } else if ((uint8_t(src_[i]) & 0xC0) != 0x80) {  // columns count characters, not bytes
                ++column;
            }
        }
        throw Error(ErrorCode::InvalidArgument,
                    "grammar line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + what);
    }

    // Spaces, tabs and comments; newlines too where a rule may continue on the next line.
    size_t skip_space(size_t i, bool newline_ok) const {
        while (i < src_.size()) {
            const char c = src_[i];
            if (c == '#') {
                while (i < src_.size() && src_[i] != '\r' && src_[i] != '\n') ++i;
            } else if (c == ' ' || c == '\t' || (newline_ok && (c == '\r' || c == '\n'))) {
                ++i;
            } else {
                break;
            }
        }
        return i;
    }

    size_t name_end(size_t i) const {
        size_t end = i;
        while (is_word_char(at(end))) ++end;
        if (end == i) fail(i, "expecting a rule name");
        return end;
    }

    uint64_t parse_integer() {
        const size_t start = pos_;
        uint64_t value = 0;
        while (is_digit(at(pos_))) {
            value = std::min<uint64_t>(value * 10 + uint64_t(at(pos_) - '0'), std::numeric_limits<uint32_t>::max());
            ++pos_;
        }
        if (pos_ == start) fail(pos_, "expecting an integer");
        return value;
    }

    uint32_t symbol_id(std::string_view name) {
        const auto next = uint32_t(grammar_.symbol_ids.size());
        return grammar_.symbol_ids.emplace(std::string(name), next).first->second;
    }

    // llama.cpp names a rule generated for a group or a repetition "<rule>_<id>".
    uint32_t generated_symbol_id(const std::string& rule_name) {
        const auto next = uint32_t(grammar_.symbol_ids.size());
        grammar_.symbol_ids[rule_name + '_' + std::to_string(next)] = next;
        return next;
    }

    void add_rule(uint32_t id, Rule rule) {
        if (grammar_.rules.size() <= id) grammar_.rules.resize(id + 1);
        grammar_.rules[id] = std::move(rule);
    }

    uint32_t parse_hex(size_t digits) {
        uint32_t value = 0;
        for (size_t k = 0; k < digits; ++k) {
            const char c = at(pos_);
            int d;
            if (c >= '0' && c <= '9') d = c - '0';
            else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
            else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
            else fail(pos_, "expecting " + std::to_string(digits) + " hex digits");
            value = (value << 4) | uint32_t(d);
            ++pos_;
        }
        return value;
    }

    // One character of a literal or a class: an escape or a UTF-8 sequence.
    uint32_t parse_char() {
        if (pos_ >= src_.size()) fail(pos_, "unexpected end of input");
        if (src_[pos_] == '\\') {
            const char e = at(pos_ + 1);
            pos_ += 2;
            switch (e) {
                case 'x': return parse_hex(2);
                case 'u': return parse_hex(4);
                case 'U': return parse_hex(8);
                case 't': return '\t';
                case 'r': return '\r';
                case 'n': return '\n';
                case '\\': case '"': case '[': case ']': return uint8_t(e);
                default: fail(pos_ - 2, std::string("unknown escape \\") + (e ? std::string(1, e) : std::string()));
            }
        }
        const auto first = uint8_t(src_[pos_]);
        const size_t length = first < 0x80 ? 1 : first < 0xE0 ? 2 : first < 0xF0 ? 3 : 4;
        uint32_t cp = length == 1 ? first : first & (0xFFu >> (length + 1));
        ++pos_;
        for (size_t k = 1; k < length; ++k) {
            if (pos_ >= src_.size() || (uint8_t(src_[pos_]) & 0xC0) != 0x80) fail(pos_, "invalid UTF-8");
            cp = (cp << 6) | (uint8_t(src_[pos_]) & 0x3F);
            ++pos_;
        }
        return cp;
    }

    // <[id]> or <text of a token>, the latter looked up in the vocabulary.
    uint32_t parse_token() {
        const size_t start = pos_;
        if (at(pos_) != '<') fail(pos_, "expecting '<'");
        ++pos_;
        if (at(pos_) == '[') {
            ++pos_;
            const uint64_t id = parse_integer();
            if (at(pos_) != ']') fail(pos_, "expecting ']'");
            if (at(pos_ + 1) != '>') fail(pos_ + 1, "expecting '>'");
            pos_ += 2;
            return uint32_t(id);
        }
        const size_t close = src_.find('>', pos_);
        if (close == std::string_view::npos) fail(pos_, "expecting '>'");
        pos_ = close + 1;
        const std::string_view text = src_.substr(start, pos_ - start);
        if (vocab_ == nullptr) fail(start, "the token " + std::string(text) + " needs a model's vocabulary");
        const TokenId id = vocab_->find(text);
        if (id == kNoToken) fail(start, "no token of the vocabulary is " + std::string(text));
        return uint32_t(id);
    }

    void parse_rule() {
        const size_t name_start = pos_;
        const size_t end = name_end(pos_);
        const std::string name(src_.substr(name_start, end - name_start));
        const uint32_t id = symbol_id(name);
        pos_ = skip_space(end, false);
        if (src_.substr(pos_, 3) != "::=") fail(pos_, "expecting ::=");
        pos_ = skip_space(pos_ + 3, true);
        parse_alternatives(name, id, false);
        if (at(pos_) == '\r') pos_ += at(pos_ + 1) == '\n' ? 2 : 1;
        else if (at(pos_) == '\n') ++pos_;
        else if (pos_ < src_.size()) fail(pos_, "expecting a newline or the end");
        pos_ = skip_space(pos_, true);
    }

    void parse_alternatives(const std::string& rule_name, uint32_t rule_id, bool nested) {
        Rule rule;
        parse_sequence(rule_name, rule, nested);
        while (at(pos_) == '|') {
            rule.push_back({ElementType::Alt, 0});
            pos_ = skip_space(pos_ + 1, true);
            parse_sequence(rule_name, rule, nested);
        }
        rule.push_back({ElementType::End, 0});
        add_rule(rule_id, std::move(rule));
    }

    // Rewrites the last item of the sequence (rule[last_item, end)) as llama.cpp does:
    //   S{m,n} → S … S (m times) then S'(n-m), where S'(k) ::= S S'(k-1) | and S'(1) ::= S |
    //   S{m,}  → S … S (m times) then S', where S' ::= S S' |
    void repeat_last_item(Rule& rule, size_t last_item, uint64_t& n_prev_rules, const std::string& rule_name,
                          uint64_t min_times, uint64_t max_times, size_t where) {
        constexpr uint64_t kNoMax = std::numeric_limits<uint64_t>::max();
        const bool no_max = max_times == kNoMax;
        if (last_item == rule.size()) fail(where, "expecting an item before the repetition");
        const uint64_t total = !no_max && max_times > 0 ? max_times : min_times > 0 ? min_times : 1;
        if (n_prev_rules * total >= kMaxRepetitionRules)
            fail(where, "the repetitions would make more than " + std::to_string(kMaxRepetitionRules) +
                            " rules; repeat fewer times or simplify the repeated item");
        const Rule item(rule.begin() + std::ptrdiff_t(last_item), rule.end());
        if (min_times == 0) {
            rule.resize(last_item);
        } else {
            for (uint64_t i = 1; i < min_times; ++i) rule.insert(rule.end(), item.begin(), item.end());
        }
        const uint64_t optional = no_max ? 1 : max_times - min_times;
        uint32_t previous_id = 0;
        for (uint64_t i = 0; i < optional; ++i) {
            Rule tail = item;
            const uint32_t id = generated_symbol_id(rule_name);
            if (i > 0 || no_max) tail.push_back({ElementType::RuleRef, no_max ? id : previous_id});
            tail.push_back({ElementType::Alt, 0});
            tail.push_back({ElementType::End, 0});
            add_rule(id, std::move(tail));
            previous_id = id;
        }
        if (optional > 0) rule.push_back({ElementType::RuleRef, previous_id});
        n_prev_rules *= total;
    }

    void parse_sequence(const std::string& rule_name, Rule& rule, bool nested) {
        constexpr uint64_t kNoMax = std::numeric_limits<uint64_t>::max();
        size_t last_item = rule.size();  // where the item a repetition applies to starts
        uint64_t n_prev_rules = 1;       // rules the last item expands to, for the repetition bound
        while (pos_ < src_.size()) {
            const char c = src_[pos_];
            const size_t here = pos_;
            if (c == '"') {
                ++pos_;
                last_item = rule.size();
                n_prev_rules = 1;
                while (at(pos_) != '"') {
                    if (pos_ >= src_.size()) fail(pos_, "unexpected end of input in a literal");
                    rule.push_back({ElementType::Char, parse_char()});
                }
                pos_ = skip_space(pos_ + 1, nested);
            } else if (c == '[') {
                ++pos_;
                ElementType first = ElementType::Char;
                if (at(pos_) == '^') {
                    ++pos_;
                    first = ElementType::CharNot;
                }
                last_item = rule.size();
                n_prev_rules = 1;
                while (at(pos_) != ']') {
                    if (pos_ >= src_.size()) fail(pos_, "unexpected end of input in a character class");
                    const uint32_t lower = parse_char();
                    rule.push_back({last_item < rule.size() ? ElementType::CharAlt : first, lower});
                    if (at(pos_) == '-' && at(pos_ + 1) != ']') {
                        ++pos_;
                        rule.push_back({ElementType::CharRangeUpper, parse_char()});
                    }
                }
                pos_ = skip_space(pos_ + 1, nested);
            } else if (c == '<' || c == '!') {
                ElementType type = ElementType::Token;
                if (c == '!') {
                    type = ElementType::TokenNot;
                    ++pos_;
                }
                const uint32_t id = parse_token();
                last_item = rule.size();
                n_prev_rules = 1;
                rule.push_back({type, id});
                pos_ = skip_space(pos_, nested);
            } else if (is_word_char(c)) {
                const size_t end = name_end(pos_);
                const uint32_t id = symbol_id(src_.substr(pos_, end - pos_));
                pos_ = skip_space(end, nested);
                last_item = rule.size();
                n_prev_rules = 1;
                rule.push_back({ElementType::RuleRef, id});
            } else if (c == '(') {
                pos_ = skip_space(pos_ + 1, true);
                const size_t rules_before = grammar_.symbol_ids.size();
                const uint32_t id = generated_symbol_id(rule_name);
                parse_alternatives(rule_name, id, true);
                n_prev_rules = std::max<uint64_t>(1, grammar_.symbol_ids.size() - rules_before);
                last_item = rule.size();
                rule.push_back({ElementType::RuleRef, id});
                if (at(pos_) != ')') fail(pos_, "expecting ')'");
                pos_ = skip_space(pos_ + 1, nested);
            } else if (c == '.') {
                last_item = rule.size();
                n_prev_rules = 1;
                rule.push_back({ElementType::CharAny, 0});
                pos_ = skip_space(pos_ + 1, nested);
            } else if (c == '*' || c == '+' || c == '?') {
                pos_ = skip_space(pos_ + 1, nested);
                const uint64_t min = c == '+' ? 1 : 0, max = c == '?' ? 1 : kNoMax;
                repeat_last_item(rule, last_item, n_prev_rules, rule_name, min, max, here);
            } else if (c == '{') {
                pos_ = skip_space(pos_ + 1, nested);
                if (!is_digit(at(pos_))) fail(pos_, "expecting an integer");
                const uint64_t min = parse_integer();
                pos_ = skip_space(pos_, nested);
                uint64_t max = kNoMax;
                if (at(pos_) == '}') {
                    max = min;
                } else if (at(pos_) == ',') {
                    pos_ = skip_space(pos_ + 1, nested);
                    if (is_digit(at(pos_))) {
                        max = parse_integer();
                        pos_ = skip_space(pos_, nested);
                    }
                    if (at(pos_) != '}') fail(pos_, "expecting '}'");
                } else {
                    fail(pos_, "expecting ',' or '}'");
                }
                pos_ = skip_space(pos_ + 1, nested);
                if (min > kMaxRepetitionRules) fail(here, "more than " + std::to_string(kMaxRepetitionRules) + " repetitions");
                if (max != kNoMax && max > kMaxRepetitionRules) max = kNoMax;  // as llama.cpp: a huge bound is no bound
                if (max != kNoMax && max < min) fail(here, "the repetition's maximum is below its minimum");
                repeat_last_item(rule, last_item, n_prev_rules, rule_name, min, max, here);
            } else {
                break;
            }
        }
    }

    std::string rule_name(uint32_t id) const {
        for (const auto& [name, rule_id] : grammar_.symbol_ids)
            if (rule_id == id) return name;
        return std::to_string(id);
    }

    void check_every_rule_defined() const {
        for (const auto& [name, id] : grammar_.symbol_ids)
            if (id >= grammar_.rules.size() || grammar_.rules[id].empty())
                throw Error(ErrorCode::InvalidArgument, "grammar: rule '" + name + "' is used but not defined");
    }

    // A rule that can reach itself before consuming a character would make the matcher expand it
    // forever. Walks the leftmost references (and past those that may match nothing).
    void check_no_left_recursion() const {
        const size_t n = grammar_.rules.size();
        std::vector<uint8_t> visited(n, 0), in_progress(n, 0), may_be_empty(n, 0);
        for (size_t i = 0; i < n; ++i) {
            if (visited[i]) continue;
            const int64_t recursive = find_left_recursion(i, visited, in_progress, may_be_empty);
            if (recursive >= 0)
                throw Error(ErrorCode::InvalidArgument,
                            "grammar: rule '" + rule_name(uint32_t(recursive)) +
                                "' is left-recursive (it can reach itself before matching a character), which the "
                                "matcher cannot follow");
        }
    }

    // The id of a rule found to reach itself, or -1.
    int64_t find_left_recursion(size_t id, std::vector<uint8_t>& visited, std::vector<uint8_t>& in_progress,
                                std::vector<uint8_t>& may_be_empty) const {
        if (in_progress[id]) return int64_t(id);
        in_progress[id] = 1;
        const Rule& rule = grammar_.rules[id];
        bool at_start = true;
        for (const Element& e : rule) {
            if (is_end_of_alternative(e)) {
                if (at_start) {
                    may_be_empty[id] = 1;
                    break;
                }
                at_start = true;
            } else {
                at_start = false;
            }
        }
        bool leftmost = true;  // no character is matched before this element in its alternative
        for (const Element& e : rule) {
            if (e.type == ElementType::RuleRef && leftmost) {
                const int64_t found = find_left_recursion(e.value, visited, in_progress, may_be_empty);
                if (found >= 0) return found;
                if (!may_be_empty[e.value]) leftmost = false;
            } else {
                leftmost = is_end_of_alternative(e);
            }
        }
        in_progress[id] = 0;
        visited[id] = 1;
        return -1;
    }

    std::string_view src_;
    const Vocabulary* vocab_;
    size_t pos_ = 0;
    Grammar grammar_;
};

}  // namespace detail

// Parses GBNF text; `vocab` resolves tokens written by their text (<|im_end|>). Throws
// Error(InvalidArgument) with the line and column of the first error.
inline Grammar parse_gbnf(std::string_view text, std::string_view root = "root", const Vocabulary* vocab = nullptr) {
    return detail::GbnfParser(text, vocab).parse(root);
}

}  // namespace chord::grammar
