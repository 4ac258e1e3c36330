// tojson: a value as JSON text, formatted as llama.cpp's engine formats it.
//
// Like Python's json.dumps for the common cases: {"a": 1, "b": [1, 2]} by default; with indent=n,
// one item per line indented by n spaces per level and "," between items; separators=(item, key)
// replace ", " / ": ". The engine's own details are kept: floats as "%g" (22.5, 1e+20, 3 for 3.0),
// undefined and functions as null, object keys converted to strings (1 -> "1", None -> "None"),
// and non-ASCII bytes written as they are unless ensure_ascii, which then escapes each UTF-8
// sequence as \uXXXX (surrogate pairs above U+FFFF, \ufffd for a byte that does not decode).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "chord/jinja/printing.hpp"

namespace chord::jinja {

struct JsonFormat {
    int indent = -1;  // < 0: one line; otherwise newlines, and `indent` spaces per level
    std::string item_sep = ", ";
    std::string key_sep = ": ";
};

namespace detail {

inline void write_json(std::string& out, const Value& v, size_t level, const JsonFormat& f, size_t max_bytes) {
    check_nesting(level);
    if (out.size() > max_bytes) throw RuntimeError("tojson: the text exceeds " + std::to_string(max_bytes) + " bytes");
    const std::string newline = f.indent >= 0 ? "\n" : "";
    auto indentation = [&](size_t lvl) {
        if (f.indent <= 0) return std::string();
        const uint64_t n = static_cast<uint64_t>(lvl) * static_cast<uint64_t>(f.indent);
        if (n > max_bytes) throw RuntimeError("tojson: the text exceeds " + std::to_string(max_bytes) + " bytes");
        return std::string(static_cast<size_t>(n), ' ');
    };
    switch (v.kind()) {
        case Kind::Bool: out += v.int_value() ? "true" : "false"; return;
        case Kind::Int: out += int_to_string(v.int_value()); return;
        case Kind::Float: out += float_to_json(v.float_value()); return;
        case Kind::String: out += json_quote(v.str()); return;
        case Kind::Array:
        case Kind::Tuple: {
            const auto& items = v.list().items;
            out += "[";
            if (!items.empty()) {
                out += newline;
                for (size_t i = 0; i < items.size(); ++i) {
                    out += indentation(level + 1);
                    write_json(out, items[i], level + 1, f, max_bytes);
                    if (i + 1 < items.size()) out += f.item_sep;
                    out += newline;
                }
                out += indentation(level);
            }
            out += "]";
            return;
        }
        case Kind::Object: {
            const auto& entries = v.dict().entries;
            out += "{";
            if (!entries.empty()) {
                out += newline;
                for (size_t i = 0; i < entries.size(); ++i) {
                    out += indentation(level + 1);
                    out += json_quote(to_text(entries[i].first).bytes);
                    out += f.key_sep;
                    write_json(out, entries[i].second, level + 1, f, max_bytes);
                    if (i + 1 < entries.size()) out += f.item_sep;
                    out += newline;
                }
                out += indentation(level);
            }
            out += "}";
            return;
        }
        default: out += "null"; return;  // none, undefined, function, keyword argument
    }
}

inline void append_u16_escape(std::string& out, uint32_t unit) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(unit));
    out += buf;
}

// Length of the UTF-8 sequence at s[i] and its code point, or 0 when it does not decode. Checks
// only the lead and continuation bytes (no overlong or surrogate checks), as the engine does.
inline size_t decode_utf8(const std::string& s, size_t i, uint32_t& cp) {
    const auto byte = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(s[k])); };
    const uint32_t b0 = byte(i);
    size_t n = 0;
    if ((b0 & 0xE0) == 0xC0) {
        n = 2;
        cp = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
        n = 3;
        cp = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
        n = 4;
        cp = b0 & 0x07;
    } else {
        return 0;  // a continuation byte, or 0xF8 and above
    }
    if (i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    return n;
}

}  // namespace detail

inline std::string to_json(const Value& v, const JsonFormat& format, size_t max_bytes) {
    std::string out;
    detail::write_json(out, v, 0, format, max_bytes);
    return out;
}

// Escapes every non-ASCII character inside the string literals of a JSON text.
inline std::string json_ensure_ascii(const std::string& json) {
    std::string out;
    out.reserve(json.size());
    bool in_string = false, escaped = false;
    for (size_t i = 0; i < json.size();) {
        const char c = json[i];
        if (!in_string || escaped || c == '\\' || c == '"' || static_cast<unsigned char>(c) < 0x80) {
            out += c;
            if (!in_string) {
                in_string = c == '"';
            } else if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
            ++i;
            continue;
        }
        uint32_t cp = 0;
        const size_t n = detail::decode_utf8(json, i, cp);
        if (n == 0) {
            out += "\\ufffd";
            ++i;
            continue;
        }
        if (cp <= 0xFFFF) {
            detail::append_u16_escape(out, cp);
        } else {
            cp -= 0x10000;
            detail::append_u16_escape(out, 0xD800 + ((cp >> 10) & 0x3FF));
            detail::append_u16_escape(out, 0xDC00 + (cp & 0x3FF));
        }
        i += n;
    }
    return out;
}

}  // namespace chord::jinja
