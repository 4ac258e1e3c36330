// Unicode for the tokenizers: code points from UTF-8 and back, the category class and White_Space
// property of each code point (tables generated at build time from the Unicode Character
// Database), and GPT-2's byte <-> printable code point mapping.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace chord {

// The general category, by major class (Lu/Ll/Lt/Lm/Lo are all Letter, ...).
enum class CategoryClass : uint8_t { Unassigned, Letter, Mark, Number, Punctuation, Symbol, Separator, Other };

namespace unicode_data {
struct CategoryRange {
    uint32_t first, last;
    CategoryClass category;
};
struct CodepointRange {
    uint32_t first, last;
};
constexpr CategoryClass kL = CategoryClass::Letter, kM = CategoryClass::Mark, kN = CategoryClass::Number,
                        kP = CategoryClass::Punctuation, kS = CategoryClass::Symbol, kZ = CategoryClass::Separator,
                        kC = CategoryClass::Other;
#include "chord/unicode_tables.inc"  // generated into the build tree
}  // namespace unicode_data

inline const char* unicode_version() { return unicode_data::kUnicodeVersion; }

namespace detail {
template <typename Range, size_t N>
const Range* find_range(const Range (&ranges)[N], uint32_t cp) {
    const Range* it = std::upper_bound(std::begin(ranges), std::end(ranges), cp,
                                       [](uint32_t c, const Range& r) { return c < r.first; });
    if (it == std::begin(ranges)) return nullptr;
    --it;
    return cp <= it->last ? it : nullptr;
}
}  // namespace detail

inline CategoryClass category_of(uint32_t cp) {
    if (cp < 0x80) {  // hot path: ASCII by table lookup of the same data
        static const std::array<CategoryClass, 128> ascii = [] {
            std::array<CategoryClass, 128> t{};
            for (uint32_t c = 0; c < 128; ++c) {
                const auto* r = detail::find_range(unicode_data::kCategoryRanges, c);
                t[c] = r ? r->category : CategoryClass::Unassigned;
            }
            return t;
        }();
        return ascii[cp];
    }
    const auto* r = detail::find_range(unicode_data::kCategoryRanges, cp);
    return r ? r->category : CategoryClass::Unassigned;
}

inline bool is_whitespace(uint32_t cp) {
    if (cp < 0x80) return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20;
    return detail::find_range(unicode_data::kWhitespaceRanges, cp) != nullptr;
}

constexpr uint32_t kReplacementCharacter = 0xFFFD;

// Decodes UTF-8 the way llama.cpp's tokenizers do: a malformed sequence becomes U+FFFD for its
// first byte and decoding resumes at the next byte. (Overlong forms are not rejected, as there.)
inline std::vector<uint32_t> decode_utf8_lenient(std::string_view s) {
    std::vector<uint32_t> out;
    out.reserve(s.size());
    size_t i = 0;
    const auto byte = [&](size_t k) { return uint8_t(s[k]); };
    const auto continuation = [&](size_t k) { return k < s.size() && (byte(k) & 0xC0) == 0x80; };
    while (i < s.size()) {
        const uint8_t b = byte(i);
        if (b < 0x80) {
            out.push_back(b);
            i += 1;
        } else if ((b & 0xE0) == 0xC0 && continuation(i + 1)) {
            out.push_back(uint32_t(b & 0x1F) << 6 | (byte(i + 1) & 0x3F));
            i += 2;
        } else if ((b & 0xF0) == 0xE0 && continuation(i + 1) && continuation(i + 2)) {
            out.push_back(uint32_t(b & 0x0F) << 12 | uint32_t(byte(i + 1) & 0x3F) << 6 | (byte(i + 2) & 0x3F));
            i += 3;
        } else if ((b & 0xF8) == 0xF0 && continuation(i + 1) && continuation(i + 2) && continuation(i + 3)) {
            out.push_back(uint32_t(b & 0x07) << 18 | uint32_t(byte(i + 1) & 0x3F) << 12 |
                          uint32_t(byte(i + 2) & 0x3F) << 6 | (byte(i + 3) & 0x3F));
            i += 4;
        } else {
            out.push_back(kReplacementCharacter);
            i += 1;
        }
    }
    return out;
}

inline void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += char(cp);
    } else if (cp < 0x800) {
        out += char(0xC0 | (cp >> 6));
        out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += char(0xE0 | (cp >> 12));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    } else {
        out += char(0xF0 | ((cp >> 18) & 0x07));
        out += char(0x80 | ((cp >> 12) & 0x3F));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    }
}

// GPT-2's byte-level BPE writes every byte as a printable code point: the printable Latin-1
// bytes as themselves, the other 68 bytes as U+0100 onwards, in byte order.
class ByteToUnicode {
public:
    ByteToUnicode() {
        byte_of_.fill(-1);
        uint32_t next = 256;
        for (uint32_t b = 0; b < 256; ++b) {
            const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            const uint32_t cp = printable ? b : next++;
            byte_of_[cp] = int16_t(b);
            append_utf8(encoded_[b], cp);
        }
    }
    // The UTF-8 of the code point standing for `byte`.
    const std::string& encode(uint8_t byte) const { return encoded_[byte]; }
    // The byte a code point stands for, or -1 if it stands for none.
    int decode(uint32_t cp) const { return cp < byte_of_.size() ? byte_of_[cp] : -1; }

    static const ByteToUnicode& instance() {
        static const ByteToUnicode table;
        return table;
    }

private:
    std::array<std::string, 256> encoded_;
    std::array<int16_t, 256 + 68> byte_of_;  // code points 0..0x143 -> byte, or -1
};

}  // namespace chord
