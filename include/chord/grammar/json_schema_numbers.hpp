// GBNF for JSON numbers between bounds, spelled digit by digit.
//
// As in llama.cpp's rules, an integer part has at most 16 digits, so that a model cannot write
// digits forever. Bounded numbers are written without an exponent (1e3 is not offered for
// "minimum": 0): the grammar admits fewer spellings, never a value outside the bounds.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chord/error.hpp"
#include "chord/grammar/json_schema_rules.hpp"

namespace chord::grammar::schema {

constexpr int kMaxIntegerDigits = 16;
constexpr int64_t kLargestMagnitude = 9999999999999999;  // the largest integer part of 16 digits

// Fraction parts: any, one that is not all zeros (the value is above its integer part), and
// one of zeros only (the value is its integer part).
inline const char* const kAnyFraction = "( \".\" [0-9]{1,16} )?";
inline const char* const kNonZeroFraction = "\".\" [0]{0,15} [1-9] [0-9]{0,15}";
inline const char* const kZeroFraction = "( \".\" [0]{1,16} )?";

inline std::string digit_class(char from, char to) {
    return from == to ? gbnf_literal(std::string(1, from)) : std::string("[") + from + "-" + to + "]";
}

inline std::string any_digits(size_t count) { return gbnf_repeat("[0-9]", count, count); }

// Digit `d` followed by `rest`, joined to the literal `rest` starts with ("3" "0" reads better as
// "30"). The literals here hold digits only, so the first '"' after the opening one closes it.
inline std::string digit_then(char d, const std::string& rest) {
    if (!rest.empty() && rest.front() == '"' && !has_top_level_alternatives(rest))
        return "\"" + std::string(1, d) + rest.substr(1);
    return gbnf_sequence({gbnf_literal(std::string(1, d)), rest});
}

// The strings of digits of length |low| between `low` and `high` (same length, low <= high), by
// their common prefix, then the first differing digit: the low digit with any larger tail, the
// digits between with any tail, the high digit with any smaller tail.
inline std::string same_length_digits_between(const std::string& low, const std::string& high) {
    if (low.empty()) return "";
    size_t common = 0;
    while (common < low.size() && low[common] == high[common]) ++common;
    if (common == low.size()) return gbnf_literal(low);
    const char a = low[common], b = high[common];
    const std::string low_tail = low.substr(common + 1), high_tail = high.substr(common + 1);
    const size_t rest = low_tail.size();
    const bool low_tail_is_smallest = low_tail.find_first_not_of('0') == std::string::npos;
    const bool high_tail_is_largest = high_tail.find_first_not_of('9') == std::string::npos;

    std::vector<std::string> alternatives;
    if (!low_tail_is_smallest)
        alternatives.push_back(digit_then(a, same_length_digits_between(low_tail, std::string(rest, '9'))));
    const char first_full = low_tail_is_smallest ? a : char(a + 1);
    const char last_full = high_tail_is_largest ? b : char(b - 1);
    if (first_full <= last_full)
        alternatives.push_back(gbnf_sequence({digit_class(first_full, last_full), any_digits(rest)}));
    if (!high_tail_is_largest)
        alternatives.push_back(digit_then(b, same_length_digits_between(std::string(rest, '0'), high_tail)));
    const std::string body = join_alternatives(alternatives);
    if (common == 0) return body;
    return alternatives.size() == 1 && body.front() == '"' && is_gbnf_atom(body)
               ? gbnf_literal(low.substr(0, common) + body.substr(1, body.size() - 2))
               : gbnf_sequence({gbnf_literal(low.substr(0, common)), body});
}

// The decimal spellings (no sign, no leading zero) of the integers in [low, high].
inline std::string digits_between(int64_t low, int64_t high) {
    std::vector<std::string> alternatives;
    if (low == 0) {
        alternatives.push_back("\"0\"");
        if (high == 0) return alternatives[0];
        low = 1;
    }
    const auto length_of = [](int64_t v) { return std::to_string(v).size(); };
    int64_t power = 1;  // 10^(length - 1)
    for (size_t length = 1; length < length_of(low); ++length) power *= 10;
    // Lengths whose every number is in range share one alternative: [1-9] [0-9]{from,to}.
    size_t full_from = 0, full_to = 0;
    const auto flush_full = [&] {
        if (full_from == 0) return;
        alternatives.push_back(gbnf_sequence({"[1-9]", gbnf_repeat("[0-9]", full_from - 1, full_to - 1)}));
        full_from = 0;
    };
    for (size_t length = length_of(low); length <= length_of(high); ++length, power *= 10) {
        const int64_t first = std::max(low, power);
        const int64_t last = std::min(high, power * 10 - 1);
        if (first == power && last == power * 10 - 1) {
            if (full_from == 0) full_from = length;
            full_to = length;
        } else {
            flush_full();
            alternatives.push_back(same_length_digits_between(std::to_string(first), std::to_string(last)));
        }
    }
    flush_full();
    return join_alternatives(alternatives);
}

// JSON integers in [low, high], both within ±kLargestMagnitude. "-0" is not offered.
inline std::string integers_between(int64_t low, int64_t high) {
    std::vector<std::string> alternatives;
    if (low < 0) {
        const int64_t smallest_magnitude = high < 0 ? -high : 1;
        alternatives.push_back(gbnf_sequence({"\"-\"", digits_between(smallest_magnitude, -low)}));
    }
    if (high >= 0) alternatives.push_back(digits_between(std::max<int64_t>(low, 0), high));
    return join_alternatives(alternatives);
}

struct NumberBound {
    int64_t value;
    bool exclusive;
};

// Unsigned decimals "I" or "I.F" whose value v is above `low` and at or below `high` (nullopt:
// up to the 16-digit limit). With v = I + f, 0 <= f < 1 and whole bounds a, b:
//   a <= v  ⇔  I >= a          a < v  ⇔  I > a, or I = a and f > 0
//   v <= b  ⇔  I < b, or I = b and f = 0          v < b  ⇔  I < b
inline std::string magnitudes_between(NumberBound low, std::optional<NumberBound> high) {
    std::vector<std::string> alternatives;
    const int64_t any_fraction_from = low.exclusive ? low.value + 1 : low.value;
    const int64_t any_fraction_to = high ? high->value - 1 : kLargestMagnitude;
    if (any_fraction_from <= any_fraction_to)
        alternatives.push_back(gbnf_sequence({digits_between(any_fraction_from, any_fraction_to), kAnyFraction}));
    if (low.exclusive)
        alternatives.push_back(gbnf_sequence({gbnf_literal(std::to_string(low.value)), kNonZeroFraction}));
    if (high && !high->exclusive)
        alternatives.push_back(gbnf_sequence({gbnf_literal(std::to_string(high->value)), kZeroFraction}));
    return join_alternatives(alternatives);
}

// JSON numbers between whole bounds (absent: unbounded up to 16 integer digits), written without
// an exponent. The bounds must leave some value and lie within ±kLargestMagnitude.
inline std::string numbers_between(std::optional<NumberBound> low, std::optional<NumberBound> high) {
    std::vector<std::string> alternatives;
    if (!high || high->value > 0 || (high->value == 0 && !high->exclusive)) {  // values >= 0
        const NumberBound from = low && low->value >= 0 ? *low : NumberBound{0, false};
        alternatives.push_back(magnitudes_between(from, high));
    }
    if (!low || low->value < 0) {  // values < 0, as "-" and a magnitude above 0
        const NumberBound from =
            high && high->value < 0 ? NumberBound{-high->value, high->exclusive} : NumberBound{0, true};
        std::optional<NumberBound> to;  // (assigned, not a ternary: GCC 12 thinks the ternary's copy uninitialized)
        if (low) to = NumberBound{-low->value, low->exclusive};
        alternatives.push_back(gbnf_sequence({"\"-\"", magnitudes_between(from, to)}));
    }
    return join_alternatives(alternatives);
}

}  // namespace chord::grammar::schema
