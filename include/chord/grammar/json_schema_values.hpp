// What a schema's keywords say about single values: the numeric bounds (minimum, maximum, their
// exclusive forms, the OpenAPI formats int32…), turned into number rules, and whether a value of
// an enum or a const passes the keywords beside it.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chord/error.hpp"
#include "chord/grammar/json_schema_keywords.hpp"
#include "chord/grammar/json_schema_numbers.hpp"
#include "chord/unicode.hpp"

namespace chord::grammar::schema {

struct Limit {
    Json value;  // a JSON number
    bool exclusive;
};

struct NumberBounds {
    std::optional<Limit> low, high;
};

// Past the 16 digits a grammar writes, so that int64 arithmetic on a clamped bound is safe.
constexpr int64_t kClampMagnitude = 100000000000000000;  // 1e17

inline double number_of(const Json& v, const std::string& keyword) {
    if (!v.is_number()) throw Error(ErrorCode::InvalidArgument, keyword + " must be a number");
    const double d = v.get<double>();
    if (!std::isfinite(d)) throw Error(ErrorCode::InvalidArgument, keyword + " must be finite");
    return d;
}

// The tightest lower and upper bounds among the keywords of `s`.
inline NumberBounds number_bounds(const Json& s) {
    NumberBounds bounds;
    const auto offer = [](std::optional<Limit>& have, const Json& value, bool exclusive, bool is_low,
                          const char* keyword) {
        const double v = number_of(value, keyword);
        if (!have) {
            have = Limit{value, exclusive};
            return;
        }
        const double h = number_of(have->value, keyword);
        const bool tighter = is_low ? v > h : v < h;
        if (tighter || (v == h && exclusive)) have = Limit{value, exclusive};
    };
    if (s.contains("minimum")) offer(bounds.low, s["minimum"], false, true, "minimum");
    if (s.contains("exclusiveMinimum")) offer(bounds.low, s["exclusiveMinimum"], true, true, "exclusiveMinimum");
    if (s.contains("maximum")) offer(bounds.high, s["maximum"], false, false, "maximum");
    if (s.contains("exclusiveMaximum")) offer(bounds.high, s["exclusiveMaximum"], true, false, "exclusiveMaximum");
    if (s.contains("format") && s["format"].is_string()) {
        const std::string format = s["format"].get<std::string>();
        if (format == "int32") {
            offer(bounds.low, Json(int64_t(INT32_MIN)), false, true, "format");
            offer(bounds.high, Json(int64_t(INT32_MAX)), false, false, "format");
        } else if (format == "uint32" || format == "uint64") {
            offer(bounds.low, Json(0), false, true, "format");
            if (format == "uint32") offer(bounds.high, Json(uint64_t(UINT32_MAX)), false, false, "format");
        }
        // int64 and uint64's top lie past the 16-digit limit; float and double bound nothing.
    }
    return bounds;
}

// `v` rounded down (or up), within ±kClampMagnitude.
inline int64_t clamped_whole(const Json& v, bool round_up) {
    if (v.is_number_unsigned()) return int64_t(std::min<uint64_t>(v.get<uint64_t>(), uint64_t(kClampMagnitude)));
    if (v.is_number_integer()) return std::clamp<int64_t>(v.get<int64_t>(), -kClampMagnitude, kClampMagnitude);
    const double d = std::clamp(v.get<double>(), -double(kClampMagnitude), double(kClampMagnitude));
    return int64_t(round_up ? std::ceil(d) : std::floor(d));
}

inline bool is_whole(const Json& v) {
    if (v.is_number_integer() || v.is_number_unsigned()) return true;
    const double d = v.get<double>();
    return std::floor(d) == d;
}

inline std::string integer_range(const NumberBounds& bounds) {
    int64_t low = -kLargestMagnitude, high = kLargestMagnitude;
    if (bounds.low)
        low = bounds.low->exclusive ? clamped_whole(bounds.low->value, false) + 1
                                    : clamped_whole(bounds.low->value, true);
    if (bounds.high)
        high = bounds.high->exclusive ? clamped_whole(bounds.high->value, true) - 1
                                      : clamped_whole(bounds.high->value, false);
    if (low > high) throw Error(ErrorCode::InvalidArgument, "the bounds leave no integer (minimum above maximum)");
    if (low > kLargestMagnitude || high < -kLargestMagnitude)
        throw Error(ErrorCode::InvalidArgument,
                    "the bounds leave no integer of at most 16 digits, all this grammar writes");
    return integers_between(std::max(low, -kLargestMagnitude), std::min(high, kLargestMagnitude));
}

inline std::string number_range(const NumberBounds& bounds) {
    const auto whole = [](const Limit& limit) {
        if (!is_whole(limit.value))
            throw Error(ErrorCode::InvalidArgument, "a bound of " + limit.value.dump() +
                                                        " on numbers is not supported (only whole-number bounds are)");
        return NumberBound{clamped_whole(limit.value, false), limit.exclusive};
    };
    std::optional<NumberBound> low, high;
    if (bounds.low) low = whole(*bounds.low);
    if (bounds.high) high = whole(*bounds.high);
    if (low && high && (low->value > high->value || (low->value == high->value && (low->exclusive || high->exclusive))))
        throw Error(ErrorCode::InvalidArgument, "the bounds leave no number (minimum above maximum)");
    if ((low && low->value > kLargestMagnitude) || (high && high->value < -kLargestMagnitude))
        throw Error(ErrorCode::InvalidArgument,
                    "the bounds leave no number of at most 16 integer digits, all this grammar writes");
    if (low && low->value < -kLargestMagnitude) low = NumberBound{-kLargestMagnitude, false};
    if (high && high->value > kLargestMagnitude) high = NumberBound{kLargestMagnitude, false};
    return numbers_between(low, high);
}

inline bool value_has_type(const Json& value, const std::string& type) {
    if (type == "null") return value.is_null();
    if (type == "boolean") return value.is_boolean();
    if (type == "string") return value.is_string();
    if (type == "number") return value.is_number();
    if (type == "integer") return value.is_number() && is_whole(value);
    if (type == "object") return value.is_object();
    if (type == "array") return value.is_array();
    return false;
}

// Whether `value` (of an enum or a const) passes the type and the keywords beside it in `s`.
// `problem` is set when a keyword applies that this check cannot evaluate.
inline bool literal_allowed(const Json& s, const std::vector<std::string>& types, const Json& value,
                            std::string& problem) {
    bool typed = types.empty();
    for (const std::string& type : types) typed = typed || value_has_type(value, type);
    if (!typed) return false;
    for (const std::string& keyword : restricting_keywords(s, {"enum", "const", "type"})) {
        const KeywordKind kind = keyword_kind_in(s, keyword);
        const bool applies =
            (kind == KeywordKind::String && value.is_string()) || (kind == KeywordKind::Number && value.is_number()) ||
            (kind == KeywordKind::Object && value.is_object()) || (kind == KeywordKind::Array && value.is_array());
        if (!applies) continue;
        if (keyword == "minLength" || keyword == "maxLength") {
            const double length = double(decode_utf8_lenient(value.get<std::string>()).size());
            const double bound = number_of(s[keyword], keyword);
            if (keyword == "minLength" ? length < bound : length > bound) return false;
        } else if (kind == KeywordKind::Number && keyword != "multipleOf") {
            const double x = value.get<double>();
            const NumberBounds bounds = number_bounds(s);
            if (bounds.low) {
                const double low = number_of(bounds.low->value, "minimum");
                if (bounds.low->exclusive ? x <= low : x < low) return false;
            }
            if (bounds.high) {
                const double high = number_of(bounds.high->value, "maximum");
                if (bounds.high->exclusive ? x >= high : x > high) return false;
            }
        } else {
            problem = "enum/const together with \"" + keyword + "\" is not supported";
            return false;
        }
    }
    return true;
}

// The JSON text of an enum or const value, as the grammar spells it: compact.
inline std::string json_value_text(const Json& value) { return value.dump(); }

}  // namespace chord::grammar::schema
