// A template string: its bytes and the parts it was joined from.
//
// llama.cpp's engine keeps every string as a list of parts: a concatenation, the output of a block
// or of a macro keeps the pieces it was built from. Almost nothing can tell, but `capitalize` and
// `title` work on each part separately, and a function's repr shows the parts, so the parts are
// kept here too (as the end offset of each one). A string has zero parts (an empty result), one
// (a literal, an input string, most builtins' results) or several.
//
// Character classes are the C locale's, byte by byte, as the engine's: only ASCII letters change
// case, and "whitespace" is space, \t, \n, \v, \f and \r.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chord::jinja {

inline bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
inline bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
inline bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
inline char to_upper(char c) { return is_lower(c) ? static_cast<char>(c - 'a' + 'A') : c; }
inline char to_lower(char c) { return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

struct Text {
    std::string bytes;
    std::vector<size_t> ends;  // end offset of each part in `bytes`, ascending

    // A string of one part.
    static Text of(std::string s) {
        Text t;
        t.ends.push_back(s.size());
        t.bytes = std::move(s);
        return t;
    }

    size_t part_count() const { return ends.size(); }
    size_t part_begin(size_t i) const { return i == 0 ? 0 : ends[i - 1]; }
    std::string_view part(size_t i) const {
        return std::string_view(bytes).substr(part_begin(i), ends[i] - part_begin(i));
    }

    void append(const Text& other) {
        const size_t base = bytes.size();
        bytes += other.bytes;
        for (size_t end : other.ends) ends.push_back(base + end);
    }
    void append_part(std::string_view s) {
        bytes.append(s.data(), s.size());
        ends.push_back(bytes.size());
    }

    // Where the text stands now, and going back there: a loop drops what an interrupted statement
    // had written.
    struct Mark {
        size_t bytes;
        size_t parts;
    };
    Mark mark() const { return {bytes.size(), ends.size()}; }
    void rewind(Mark m) {
        bytes.resize(m.bytes);
        ends.resize(m.parts);
    }
};

// --- part-wise transformations, as the engine applies them ---

template <typename Fn>
Text map_parts(const Text& in, Fn fn) {  // fn(std::string& part) changes one part in place
    Text out;
    for (size_t i = 0; i < in.part_count(); ++i) {
        std::string part(in.part(i));
        fn(part);
        out.append_part(part);
    }
    return out;
}

inline Text upper(const Text& t) {
    return map_parts(t, [](std::string& s) {
        for (char& c : s) c = to_upper(c);
    });
}

inline Text lower(const Text& t) {
    return map_parts(t, [](std::string& s) {
        for (char& c : s) c = to_lower(c);
    });
}

// The first byte of each part upper case, the rest lower case.
inline Text capitalize(const Text& t) {
    return map_parts(t, [](std::string& s) {
        for (size_t i = 0; i < s.size(); ++i) s[i] = i == 0 ? to_upper(s[i]) : to_lower(s[i]);
    });
}

// Each word upper case first, lower case after; a part starts a new word.
inline Text title(const Text& t) {
    return map_parts(t, [](std::string& s) {
        bool word_start = true;
        for (char& c : s) {
            if (is_space(c)) {
                word_start = true;
            } else {
                c = word_start ? to_upper(c) : to_lower(c);
                word_start = false;
            }
        }
    });
}

// Strips whitespace, or the bytes of `chars`, from the left and/or right end. Parts that become
// empty at an end are dropped, as the engine drops them.
inline Text strip(const Text& t, bool left, bool right, std::optional<std::string_view> chars = std::nullopt) {
    auto strippable = [&](char c) { return chars ? chars->find(c) != std::string_view::npos : is_space(c); };
    std::vector<std::string> parts;
    for (size_t i = 0; i < t.part_count(); ++i) parts.emplace_back(t.part(i));
    size_t first = 0, last = parts.size();  // parts kept: [first, last)
    if (left) {
        for (; first < last; ++first) {
            std::string& p = parts[first];
            size_t n = 0;
            while (n < p.size() && strippable(p[n])) ++n;
            p.erase(0, n);
            if (!p.empty()) break;
        }
    }
    if (right) {
        for (; last > first; --last) {
            std::string& p = parts[last - 1];
            size_t n = p.size();
            while (n > 0 && strippable(p[n - 1])) --n;
            p.resize(n);
            if (!p.empty()) break;
        }
    }
    Text out;
    for (size_t i = first; i < last; ++i) out.append_part(parts[i]);
    return out;
}

// No lower-case (upper-case) ASCII letter anywhere: the engine's `is upper` (`is lower`).
inline bool has_no_lower(std::string_view s) {
    for (char c : s)
        if (is_lower(c)) return false;
    return true;
}
inline bool has_no_upper(std::string_view s) {
    for (char c : s)
        if (is_upper(c)) return false;
    return true;
}

}  // namespace chord::jinja
