// UTF-8 validation, one sequence at a time (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace chord {

// Length (1..4) of the valid UTF-8 sequence at the start of `s`, or 0 if it is invalid or cut off.
inline size_t utf8_sequence_length(std::string_view s) {
    if (s.empty()) return 0;
    const auto byte = [&](size_t i) { return uint8_t(s[i]); };
    const uint8_t b0 = byte(0);
    if (b0 < 0x80) return 1;
    size_t length;
    uint8_t low = 0x80, high = 0xBF;  // allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        length = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        length = 3;
        if (b0 == 0xE0) low = 0xA0;   // overlong
        if (b0 == 0xED) high = 0x9F;  // surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        length = 4;
        if (b0 == 0xF0) low = 0x90;   // overlong
        if (b0 == 0xF4) high = 0x8F;  // > U+10FFFF
    } else {
        return 0;
    }
    if (s.size() < length) return 0;
    if (byte(1) < low || byte(1) > high) return 0;
    for (size_t i = 2; i < length; ++i)
        if ((byte(i) & 0xC0) != 0x80) return 0;
    return length;
}

// True if `s` is the start of a valid sequence that more bytes could complete: what a
// streaming decoder must hold back instead of emitting.
inline bool is_incomplete_utf8(std::string_view s) {
    if (s.empty()) return false;
    const auto b0 = uint8_t(s[0]);
    const size_t needed = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 1;
    if (s.size() >= needed) return false;
    // Complete it with the smallest continuation bytes the first byte allows, and check that.
    std::string probe(s);
    if (probe.size() == 1) probe += b0 == 0xE0 ? '\xA0' : b0 == 0xF0 ? '\x90' : '\x80';
    while (probe.size() < needed) probe += '\x80';
    return utf8_sequence_length(probe) == needed;
}

// Offset of the first byte of `s` that does not begin a valid sequence, or npos if `s` is valid.
inline size_t invalid_utf8_offset(std::string_view s) {
    for (size_t at = 0; at < s.size();) {
        const size_t n = utf8_sequence_length(s.substr(at));
        if (n == 0) return at;
        at += n;
    }
    return std::string_view::npos;
}

inline bool is_valid_utf8(std::string_view s) { return invalid_utf8_offset(s) == std::string_view::npos; }

// Two lowercase hex digits: a byte in an error message.
inline std::string hex_byte(uint8_t byte) {
    static const char hex[] = "0123456789abcdef";
    return {hex[byte >> 4], hex[byte & 15]};
}

// `s` for an error message: valid characters kept, invalid bytes and control characters written
// as \xNN, so that a message about a corrupt string is itself valid text.
inline std::string printable_utf8(std::string_view s) {
    std::string out;
    for (size_t at = 0; at < s.size();) {
        const size_t n = utf8_sequence_length(s.substr(at));
        const auto byte = uint8_t(s[at]);
        if (n == 0 || byte < 0x20 || byte == 0x7F) {
            out += "\\x" + hex_byte(byte);
            at += 1;
        } else {
            out.append(s.substr(at, n));
            at += n;
        }
    }
    return out;
}

// "byte 0xff at offset 3": why `s` is not valid UTF-8 (call only when it is not).
inline std::string describe_invalid_utf8(std::string_view s) {
    const size_t at = invalid_utf8_offset(s);
    if (at == std::string_view::npos) return "valid";
    return "byte 0x" + hex_byte(uint8_t(s[at])) + " at offset " + std::to_string(at);
}

}  // namespace chord
