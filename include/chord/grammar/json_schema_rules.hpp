// GBNF text for the JSON-schema converter: quoted literals, repetition, and the named rules of the
// grammar being built (unique, readable names; a body defined twice under one name is shared).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "chord/error.hpp"

namespace chord::grammar::schema {

inline std::string hex_digits(uint32_t value, int digits) {
    static const char hex[] = "0123456789ABCDEF";
    std::string out(size_t(digits), '0');
    for (int i = digits - 1; i >= 0; --i, value >>= 4) out[size_t(i)] = hex[value & 15];
    return out;
}

// A GBNF string literal matching exactly the bytes of `text` (UTF-8 stays as it is).
inline std::string gbnf_literal(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (uint8_t(c) < 0x20 || uint8_t(c) == 0x7F)
                    out += "\\x" + hex_digits(uint8_t(c), 2);
                else
                    out += c;
        }
    }
    return out + "\"";
}

// Whether `expr` is one item for a postfix operator: a name, a literal, a class or a group.
inline bool is_gbnf_atom(std::string_view expr) {
    if (expr.empty()) return false;
    const char first = expr.front();
    if (first == '"' || first == '[' || first == '(') {
        const char close = first == '"' ? '"' : first == '[' ? ']' : ')';
        int depth = 0;  // of parentheses, when the atom is a group
        for (size_t i = 1; i < expr.size(); ++i) {
            const char c = expr[i];
            if (c == '\\' && first != '(') {
                ++i;
            } else if (first == '(' && (c == '"' || c == '[')) {  // skip a literal or class inside
                const char inner_close = c == '"' ? '"' : ']';
                for (++i; i < expr.size() && expr[i] != inner_close; ++i)
                    if (expr[i] == '\\') ++i;
            } else if (first == '(' && c == '(') {
                ++depth;
            } else if (c == close) {
                if (depth > 0) {
                    --depth;
                    continue;
                }
                return i + 1 == expr.size();
            }
        }
        return false;
    }
    for (const char c : expr)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) return false;
    return true;
}

inline std::string gbnf_group(const std::string& expr) { return is_gbnf_atom(expr) ? expr : "( " + expr + " )"; }

// The position of the '"' or ']' that closes the literal or class opening at expr[open] (escapes
// skipped), or expr.size() if none does.
inline size_t closing_quote_or_bracket(std::string_view expr, size_t open) {
    const char close = expr[open] == '"' ? '"' : ']';
    size_t i = open + 1;
    for (; i < expr.size() && expr[i] != close; ++i)
        if (expr[i] == '\\') ++i;
    return i;
}

// Whether `expr` has a '|' outside literals, classes and groups: it needs parentheses to be one
// part of a sequence.
inline bool has_top_level_alternatives(std::string_view expr) {
    int depth = 0;
    for (size_t i = 0; i < expr.size(); ++i) {
        const char c = expr[i];
        if (c == '"' || c == '[') {
            i = closing_quote_or_bracket(expr, i);
        } else if (c == '(') {
            ++depth;
        } else if (c == ')') {
            --depth;
        } else if (c == '|' && depth == 0) {
            return true;
        }
    }
    return false;
}

// `expr` as one part of a sequence.
inline std::string gbnf_sequence_part(const std::string& expr) {
    return has_top_level_alternatives(expr) ? "( " + expr + " )" : expr;
}

// Parts joined into a sequence, the empty ones left out.
inline std::string gbnf_sequence(const std::vector<std::string>& parts) {
    std::string out;
    for (const std::string& part : parts) {
        if (part.empty()) continue;
        if (!out.empty()) out += ' ';
        out += gbnf_sequence_part(part);
    }
    return out;
}

inline std::string join_alternatives(const std::vector<std::string>& alternatives) {
    std::string out;
    for (const std::string& alternative : alternatives) {
        if (!out.empty()) out += " | ";
        out += alternative;
    }
    return out;
}

// `expr` repeated from `min` to `max` times (nullopt: no upper bound), in the shortest GBNF
// form. Meant for small counts: GbnfRules::repeat splits large ones.
inline std::string gbnf_repeat(const std::string& expr, uint64_t min, std::optional<uint64_t> max) {
    if (max && *max == 0) return "";
    const std::string item = gbnf_group(expr);
    if (max && min == *max) return min == 1 ? expr : item + "{" + std::to_string(min) + "}";
    if (!max) {
        if (min == 0) return item + "*";
        if (min == 1) return item + "+";
        return item + "{" + std::to_string(min) + ",}";
    }
    if (min == 0 && *max == 1) return item + "?";
    return item + "{" + std::to_string(min) + "," + std::to_string(*max) + "}";
}

// How many rules the GBNF parser generates for `expr`: one per group and per * + ?, and n-m for a
// {m,n}. It expands a repetition of a group into copies of those rules, and refuses a grammar
// whose expansion passes 2000: a group heavier than that, repeated, has to become a named rule.
inline uint64_t generated_rule_count(std::string_view expr) {
    uint64_t count = 0;
    for (size_t i = 0; i < expr.size(); ++i) {
        const char c = expr[i];
        if (c == '"' || c == '[') {
            i = closing_quote_or_bracket(expr, i);
        } else if (c == '(' || c == '*' || c == '+' || c == '?') {
            ++count;
        } else if (c == '{') {
            const size_t close = expr.find('}', i);
            if (close == std::string_view::npos) break;
            const std::string counts(expr.substr(i + 1, close - i - 1));
            const size_t comma = counts.find(',');
            if (comma != std::string::npos && comma + 1 == counts.size())
                count += 1;
            else if (comma != std::string::npos)
                count += std::stoull(counts.substr(comma + 1)) - std::stoull(counts);
            i = close;
        }
    }
    return count;
}

// A rule name made of the characters GBNF allows, starting with a letter, and short enough to
// read: of a long one the end is kept ("…-street-name-kv"), as it says the most.
inline std::string clean_rule_name(std::string_view wanted) {
    constexpr size_t kLongestName = 64;
    std::string out;
    for (const char c : wanted) {
        const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (word)
            out += c;
        else if (!out.empty() && out.back() != '-')
            out += '-';
    }
    while (!out.empty() && out.back() == '-') out.pop_back();
    if (out.size() > kLongestName) out = out.substr(out.find_first_not_of('-', out.size() - kLongestName));
    if (out.empty() || !((out[0] >= 'a' && out[0] <= 'z') || (out[0] >= 'A' && out[0] <= 'Z'))) out = "p-" + out;
    if (out == "p-") out = "empty";
    return out;
}

// The name for `part` (a property name, "item", …) of the value whose rule is named from `path`
// ("" for the root); an empty property name has to be called something.
inline std::string join_rule_name(const std::string& path, const std::string& part) {
    const std::string named = part.empty() ? "empty-name" : part;
    return path.empty() ? named : path + "-" + named;
}

// The named rules of one grammar, written out "root" first and the others in the order they
// were made. Names in `reserved` are kept for rules defined under exactly that name (the built-in
// JSON rules), so that a property called "string" cannot take the name of the string rule.
class GbnfRules {
public:
    explicit GbnfRules(std::set<std::string> reserved) : reserved_(std::move(reserved)) {}

    bool has(const std::string& name) const { return bodies_.count(name) != 0; }

    // Defines `body` under `wanted` (cleaned), or under wanted-1, wanted-2… when that name holds
    // another body; a name that already holds this very body is reused.
    std::string add(const std::string& wanted, const std::string& body) {
        const std::string base = clean_rule_name(wanted);
        for (int suffix = 0;; ++suffix) {
            const std::string name = suffix == 0 ? base : base + "-" + std::to_string(suffix);
            const auto found = bodies_.find(name);
            if (found != bodies_.end()) {
                if (found->second == body) return name;
                continue;
            }
            if (reserved_.count(name) != 0) continue;
            define(name, body);
            return name;
        }
    }

    // A fresh name whose body comes later (a recursive $ref refers to its rule before the body exists).
    std::string reserve(const std::string& wanted) {
        const std::string base = clean_rule_name(wanted);
        for (int suffix = 0;; ++suffix) {
            const std::string name = suffix == 0 ? base : base + "-" + std::to_string(suffix);
            if (bodies_.count(name) != 0 || reserved_.count(name) != 0) continue;
            reserved_.insert(name);
            return name;
        }
    }

    // Defines a rule under exactly `name` (a reserved one, or the body of a reserve()).
    void define(const std::string& name, const std::string& body) {
        if (bodies_.emplace(name, body).second)
            order_.push_back(name);
        else
            bodies_[name] = body;
    }

    // `item` repeated min..max times (nullopt: no upper bound), in a form the GBNF parser takes:
    // it expands a repetition into one rule per optional copy of everything inside, and gives up
    // past 2000 rules. So a heavy item becomes a named rule, and large counts are split into
    // blocks: x{0,n} = (x{k}){0,q-1} x{0,k-1} | (x{k}){q} x{0,r} with n = q*k + r.
    std::string repeat(const std::string& name_hint, const std::string& item, uint64_t min,
                       std::optional<uint64_t> max) {
        constexpr uint64_t kLargeCount = 200;
        constexpr uint64_t kRuleBudget = 1000;  // half the parser's limit
        if (max && *max == 0) return "";
        const uint64_t largest = max ? *max : std::max<uint64_t>(min, 1);
        std::string unit = item;
        const uint64_t weight = generated_rule_count(item);
        if ((weight > 0 && largest > kLargeCount) || weight * largest >= kRuleBudget) {
            const bool grouped = item.size() > 4 && item.compare(0, 2, "( ") == 0 && is_gbnf_atom(item);
            unit = add(name_hint + "-unit", grouped ? item.substr(2, item.size() - 4) : item);
        }
        if (largest <= kLargeCount) return gbnf_repeat(unit, min, max);
        if (min > 0) {
            std::optional<uint64_t> rest;  // (assigned, not a ternary: GCC 12 thinks the ternary's copy uninitialized)
            if (max) rest = *max - min;
            return gbnf_sequence({exactly(name_hint, unit, min), repeat(name_hint, unit, 0, rest)});
        }
        if (!max) return gbnf_repeat(unit, 0, std::nullopt);
        const uint64_t n = *max;
        const auto k = uint64_t(std::ceil(std::sqrt(double(n))));
        const uint64_t q = n / k, r = n % k;
        if (q >= 1999 || k >= 1999)
            throw Error(ErrorCode::InvalidArgument, "a repetition count of " + std::to_string(n) + " is too large");
        const std::string block = add(name_hint + "-block-" + std::to_string(k), gbnf_repeat(unit, k, k));
        const std::string below = gbnf_sequence({gbnf_repeat(block, 0, q - 1), gbnf_repeat(unit, 0, k - 1)});
        const std::string full = gbnf_sequence({gbnf_repeat(block, q, q), gbnf_repeat(unit, 0, r)});
        return "( " + below + " | " + full + " )";
    }

    // The grammar text: one line per rule, `header` lines (comments) first.
    std::string text(const std::vector<std::string>& header = {}) const {
        std::string out;
        for (const std::string& line : header) out += "# " + line + "\n";
        const auto write = [&](const std::string& name) { out += name + " ::= " + bodies_.at(name) + "\n"; };
        if (has("root")) write("root");
        for (const std::string& name : order_)
            if (name != "root") write(name);
        return out;
    }

private:
    // `unit` exactly `count` times, in blocks when the count is large.
    std::string exactly(const std::string& name_hint, const std::string& unit, uint64_t count) {
        constexpr uint64_t kBlock = 100;
        if (count <= kBlock) return gbnf_repeat(unit, count, count);
        if (count / kBlock >= 1999)
            throw Error(ErrorCode::InvalidArgument, "a repetition count of " + std::to_string(count) + " is too large");
        const std::string block =
            add(name_hint + "-block-" + std::to_string(kBlock), gbnf_repeat(unit, kBlock, kBlock));
        return gbnf_sequence(
            {gbnf_repeat(block, count / kBlock, count / kBlock), gbnf_repeat(unit, count % kBlock, count % kBlock)});
    }

    std::set<std::string> reserved_;
    std::map<std::string, std::string> bodies_;
    std::vector<std::string> order_;
};

}  // namespace chord::grammar::schema
