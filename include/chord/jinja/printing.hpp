// How values become text, the engine's way:
//   - print: what {{ x }} writes: strings, numbers and booleans (True/False), arrays item by item,
//     and nothing at all for none, undefined, objects and functions;
//   - to_text: the string a value converts to (`~`, |string, |upper on a non-string, ...):
//     floats as "%f" without trailing zeros (1.5, 2.0), arrays and objects Python-style,
//     ['a', 1] / ('a',) / {'k': None};
//   - repr: an item inside such an array or object: 'text' quoted, or JSON-quoted when it holds a '.
// Also the engine's ordering of values (sort, min, max, the comparison tests).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "chord/jinja/value.hpp"

namespace chord::jinja {

inline std::string int_to_string(int64_t i) { return std::to_string(i); }

// "%f" with the trailing zeros removed, one kept after the point: 0.1, 2.0, -0.0, inf, nan.
inline std::string float_to_string(double f) {
    std::string s = std::to_string(f);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.push_back('0');
    return s;
}

// A float as tojson writes it: an ostream's default, "%g" (six significant digits: 22.5, 1e+20).
inline std::string float_to_json(double f) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", f);
    return buf;
}

// A JSON string literal: ", \ and control characters escaped, every other byte as it is.
inline std::string json_quote(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    return out + "\"";
}

inline std::string repr(const Value& v, size_t depth = 0);

inline Text to_text(const Value& v, size_t depth = 0) {
    check_nesting(depth);
    switch (v.kind()) {
        case Kind::String: return v.text();
        case Kind::Int: return Text::of(int_to_string(v.int_value()));
        case Kind::Float: return Text::of(float_to_string(v.float_value()));
        case Kind::Bool: return Text::of(v.int_value() ? "True" : "False");
        case Kind::None: return Text::of("None");
        case Kind::Array:
        case Kind::Tuple: {
            const bool tuple = v.is(Kind::Tuple);
            const auto& items = v.list().items;
            std::string s = tuple ? "(" : "[";
            for (size_t i = 0; i < items.size(); ++i) {
                if (i > 0) s += ", ";
                s += repr(items[i], depth + 1);
            }
            if (tuple && items.size() == 1) s += ",";
            return Text::of(s + (tuple ? ")" : "]"));
        }
        case Kind::Object: {
            std::string s = "{";
            const auto& entries = v.dict().entries;
            for (size_t i = 0; i < entries.size(); ++i) {
                if (i > 0) s += ", ";
                s += repr(entries[i].first, depth + 1) + ": " + repr(entries[i].second, depth + 1);
            }
            return Text::of(s + "}");
        }
        default: break;
    }
    throw RuntimeError(type_name(v) + " is not a string value");
}

// The engine's debugging repr, which shows where a string, an undefined or a function is printed
// inside an array: a string part by part, a function with its bound object.
inline std::string debug_repr(const Value& v, size_t depth = 0) {
    check_nesting(depth);
    switch (v.kind()) {
        case Kind::String: {
            std::string s;
            for (size_t i = 0; i < v.text().part_count(); ++i) s += "TMPL:  " + std::string(v.text().part(i)) + "\n";
            return s;
        }
        case Kind::Undefined: return type_name(v);
        case Kind::Function: {
            const Function& f = v.function();
            return "Function<" + f.name + ">(" + (f.self ? debug_repr(*f.self, depth + 1) : "") + ")";
        }
        case Kind::Kwarg: return "KwArg";
        default: return to_text(v, depth).bytes;
    }
}

inline std::string repr(const Value& v, size_t depth) {
    if (!v.is_string()) return debug_repr(v, depth);
    if (v.str().find('\'') != std::string::npos) return json_quote(v.str());
    return "'" + v.str() + "'";
}

// Appends what {{ v }} writes.
inline void print(Text& out, const Value& v, size_t depth = 0) {
    check_nesting(depth);
    switch (v.kind()) {
        case Kind::String: out.append(v.text()); break;
        case Kind::Int:
        case Kind::Float:
        case Kind::Bool: out.append_part(to_text(v).bytes); break;
        case Kind::Array:
        case Kind::Tuple:
            for (const Value& item : v.list().items) print(out, item, depth + 1);
            break;
        default: break;
    }
}

enum class Compare : uint8_t { Eq, Ge, Gt, Lt, Ne };

template <typename T>
bool compare_as(const T& a, const T& b, Compare op) {
    switch (op) {
        case Compare::Eq: return a == b;
        case Compare::Ge: return a >= b;
        case Compare::Gt: return a > b;
        case Compare::Lt: return a < b;
        case Compare::Ne: return a != b;
    }
    return false;
}

// Numbers as numbers; a string against a string or a number as text; booleans only for (in)equality;
// anything else is "false".
inline bool compare(const Value& a, const Value& b, Compare op) {
    if (a.is_number() && b.is_number()) return compare_as(a.float_view(), b.float_view(), op);
    if ((a.is_string() && (b.is_number() || b.is_string())) || (b.is_string() && a.is_number()))
        return compare_as(to_text(a).bytes, to_text(b).bytes, op);
    if (a.is(Kind::Bool) && b.is(Kind::Bool)) {
        if (op != Compare::Eq && op != Compare::Ne) throw RuntimeError("Unsupported comparison operator for bool type");
        return compare_as(a.int_value(), b.int_value(), op);
    }
    return false;
}

}  // namespace chord::jinja
