// The methods and filters of strings: s.strip(), s|upper, ... (the engine has one table for both).
//
// upper lower title capitalize strip lstrip rstrip length startswith endswith split rsplit replace
// format int float string default slice safe tojson indent. The engine's limits are kept: split
// without a separator splits on " " (not on runs of whitespace), replace with a count and format
// with anything but "{}" are unimplemented, and join on a string is unimplemented: all errors.
#pragma once

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <string>
#include <vector>

#include "chord/jinja/globals.hpp"
#include "chord/jinja/sequence.hpp"

namespace chord::jinja {

namespace string_methods {

template <Text (*transform)(const Text&)>
Value change_case(Args& a) {
    a.expect({Kind::String});
    return a.rt.string(transform(a.at(0).text()));
}

template <bool left, bool right>
Value strip(Args& a) {
    if (left && right) {  // the engine checks strip's argument itself, lstrip's and rstrip's with expect
        if (!a.at(0).is_string()) throw RuntimeError("strip() first argument must be a string");
    } else {
        a.expect({Kind::String});
    }
    const Value chars = a.keyword_or_at("chars", 1);
    if (chars.is_undefined()) return a.rt.string(jinja::strip(a.at(0).text(), left, right));
    const std::string set = to_text(chars).bytes;
    return a.rt.string(jinja::strip(a.at(0).text(), left, right, set));
}

inline Value length(Args& a) {
    a.expect({Kind::String});
    return Value::integer(static_cast<int64_t>(a.at(0).str().size()));
}

inline Value startswith(Args& a) {
    a.expect({Kind::String, Kind::String});
    const std::string& s = a.at(0).str();
    const std::string& prefix = a.at(1).str();
    return Value::boolean(s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0);
}

inline Value endswith(Args& a) {
    a.expect({Kind::String, Kind::String});
    const std::string& s = a.at(0).str();
    const std::string& suffix = a.at(1).str();
    return Value::boolean(s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0);
}

// split(sep=" ", maxsplit=-1) and rsplit: at most maxsplit cuts, from the left or the right.
template <bool from_right>
Value split(Args& a) {
    a.expect_count(1, 3);
    if (!a.at(0).is_string())
        throw RuntimeError(std::string(from_right ? "rsplit" : "split") + "() first argument must be a string");
    const std::string& s = a.at(0).str();
    const std::string sep = a.count() > 1 ? to_text(a.at(1)).bytes : " ";
    if (sep.empty()) throw RuntimeError("empty separator");
    int64_t maxsplit = a.count() > 2 ? as_int(a.at(2)) : -1;
    std::vector<Value> items;
    if (!from_right) {
        size_t begin = 0, found;
        while (maxsplit != 0 && (found = s.find(sep, begin)) != std::string::npos) {
            items.push_back(a.rt.string(s.substr(begin, found - begin)));
            a.rt.check_items(items.size());
            begin = found + sep.size();
            --maxsplit;
        }
        items.push_back(a.rt.string(s.substr(begin)));
    } else {
        size_t end = s.size();
        while (maxsplit != 0 && end >= sep.size()) {
            const size_t found = s.rfind(sep, end - sep.size());
            if (found == std::string::npos) break;
            items.push_back(a.rt.string(s.substr(found + sep.size(), end - found - sep.size())));
            a.rt.check_items(items.size());
            end = found;
            --maxsplit;
        }
        items.push_back(a.rt.string(s.substr(0, end)));
        std::reverse(items.begin(), items.end());
    }
    return a.rt.array(std::move(items));
}

inline Value replace(Args& a) {
    a.expect({Kind::String, Kind::String, Kind::String});
    const std::string& s = a.at(0).str();
    const std::string& from = a.at(1).str();
    const std::string& to = a.at(2).str();
    if (a.count() > 3 && as_int(a.at(3)) > 0)
        throw RuntimeError("NotImplemented: String replace with count argument not implemented");
    if (from == to) return a.rt.string(s);
    std::string out;
    if (from.empty()) {  // the replacement between every two bytes and at both ends
        a.rt.charge(Runtime::cost_of_bytes(s.size() + to.size() * (s.size() + 1)));
        out = to;
        for (char c : s) {
            out += c;
            out += to;
        }
        return Value::string(std::move(out));
    }
    size_t count = 0;
    for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + from.size())) ++count;
    a.rt.charge(Runtime::cost_of_bytes(s.size() - count * from.size() + count * to.size()));
    size_t begin = 0;
    for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, begin)) {
        out.append(s, begin, p - begin);
        out += to;
        begin = p + from.size();
    }
    out.append(s, begin, std::string::npos);
    return Value::string(std::move(out));
}

// "a {} b {}".format(x, y): only empty placeholders.
inline Value format(Args& a) {
    if (!a.at(0).is_string()) throw RuntimeError("format() first argument must be a string");
    const std::string& fmt = a.at(0).str();
    Text out;
    std::string literal;
    size_t next_arg = 1;
    for (size_t i = 0; i < fmt.size(); ++i) {
        if (fmt[i] != '{') {
            literal += fmt[i];
            continue;
        }
        if (i + 1 >= fmt.size() || fmt[i + 1] != '}')
            throw RuntimeError("NotImplemented: format() only supports simple '{}' placeholders");
        ++i;
        if (!literal.empty()) out.append_part(literal);
        literal.clear();
        out.append(to_text(a.at(next_arg++)));
    }
    if (!literal.empty()) out.append_part(literal);
    return a.rt.string(std::move(out));
}

// C's strtol as std::stoi uses it: leading space, a sign, a 0x prefix in base 16 or 0; the value
// must fit an int.
inline bool parse_int(const std::string& s, int base, int64_t& out) {
    errno = 0;
    char* end = nullptr;
    const long long v = std::strtoll(s.c_str(), &end, base);
    if (end == s.c_str() || errno == ERANGE || v < INT_MIN || v > INT_MAX) return false;
    out = v;
    return true;
}

inline Value to_int(Args& a) {
    const Value& input = a.at(0);
    const Value fallback = a.keyword_or_at("default", 1);
    const Value base_arg = a.keyword_or_at("base", 2);
    const int base = base_arg.is_undefined() ? 10 : static_cast<int>(as_int(base_arg));
    if (base != 0 && (base < 2 || base > 36)) throw RuntimeError("int() base must be 0 or between 2 and 36");
    if (!input.is_string()) throw RuntimeError("int() first argument must be a string");
    int64_t v = 0;
    if (parse_int(input.str(), base, v)) return Value::integer(v);
    return Value::integer(fallback.is_undefined() ? 0 : as_int(fallback));
}

inline Value to_float(Args& a) {
    a.expect({Kind::String});
    const Value fallback = a.keyword_or_at("default", 1);
    const std::string& s = a.at(0).str();
    errno = 0;
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() && errno != ERANGE) return Value::number(v);
    return Value::number(fallback.is_undefined() ? 0.0 : as_float(fallback));
}

inline Value to_string(Args& a) {
    a.expect({Kind::String});
    return a.at(0);
}

inline Value slice_of(Args& a) {
    a.expect_count(1, 4);
    a.expect({Kind::String, Kind::Int});
    const SliceBounds b = slice_bounds(a);
    return a.rt.string(slice(a.at(0).str(), b.start, b.stop, b.step));
}

inline Value safe(Args& a) {
    a.expect({Kind::String});
    return a.at(0);
}

// s|indent(width=4, first=False, blank=False): every line but the first (with first, it too)
// prefixed by `width` spaces (or by the string `width`); empty lines only with blank. The
// engine's way of cutting lines is kept: empty leading lines vanish when first is false.
inline Value indent(Args& a) {
    a.expect_count(1, 4);
    const Value width = a.keyword_or_at("width", 1);
    const bool first = truthy(a.keyword_or_at("first", 2));
    const bool blank = truthy(a.keyword_or_at("blank", 3));
    if (!a.at(0).is_string()) throw RuntimeError("indent() first argument must be a string");
    std::string prefix = "    ";
    if (width.is(Kind::Int)) {
        if (width.int_value() < 0 || static_cast<uint64_t>(width.int_value()) > a.rt.limits.max_string_bytes)
            throw RuntimeError("indent() width out of range: " + std::to_string(width.int_value()));
        prefix.assign(static_cast<size_t>(width.int_value()), ' ');
    } else if (width.is_string()) {
        prefix = width.str();
    }
    const std::string& input = a.at(0).str();
    std::string out;
    size_t begin = 0;
    while (begin < input.size()) {
        size_t end = input.find('\n', begin);
        if (end == std::string::npos) end = input.size();
        const bool is_first = out.empty();
        if (!is_first) out += '\n';
        if (is_first ? first : (end > begin || blank)) out += prefix;
        out.append(input, begin, end - begin);
        if (out.size() > a.rt.limits.max_string_bytes) throw RuntimeError("indent(): the text grows too long");
        begin = end + 1;
    }
    if (!input.empty() && input.back() == '\n') {
        out += '\n';
        if (blank) out += prefix;
    }
    return a.rt.string(std::move(out));
}

inline Value join(Args&) { throw RuntimeError("NotImplemented: String join builtin not implemented"); }

inline constexpr Builtin kMethods[] = {
    {"default", globals::default_value},
    {"upper", change_case<jinja::upper>},
    {"lower", change_case<jinja::lower>},
    {"strip", strip<true, true>},
    {"rstrip", strip<false, true>},
    {"lstrip", strip<true, false>},
    {"title", change_case<jinja::title>},
    {"capitalize", change_case<jinja::capitalize>},
    {"length", length},
    {"startswith", startswith},
    {"endswith", endswith},
    {"split", split<false>},
    {"rsplit", split<true>},
    {"replace", replace},
    {"format", format},
    {"int", to_int},
    {"float", to_float},
    {"string", to_string},
    {"slice", slice_of},
    {"safe", safe},
    {"tojson", globals::tojson},
    {"indent", indent},
    {"join", join},
};

}  // namespace string_methods

}  // namespace chord::jinja
