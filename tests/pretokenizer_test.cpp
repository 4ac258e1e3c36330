// The pre-tokenizer regex engine: examples, errors, and a differential test against the way
// llama.cpp runs the same patterns (std::regex over text whose non-ASCII code points are replaced
// by one stand-in byte per category class), on random text, for every pre-tokenizer we support.
#include <gtest/gtest.h>

#include <random>
#include <regex>

#include "chord/pretokenizer_regex.hpp"
#include "chord/pretokenizers.hpp"

namespace chord {
namespace {

std::vector<std::string> split(const std::string& text, const std::vector<const char*>& patterns) {
    std::vector<PretokenizerRegex> regexes;
    for (const char* p : patterns) regexes.emplace_back(p);
    const std::vector<uint32_t> cps = decode_utf8_lenient(text);
    std::vector<RegexChar> described;
    for (uint32_t cp : cps) described.push_back(describe_for_regex(cp));
    std::vector<std::string> words;
    size_t start = 0;
    for (size_t n : split_with_regexes(described, regexes)) {
        std::string w;
        for (size_t i = start; i < start + n; ++i) append_utf8(w, cps[i]);
        words.push_back(w);
        start += n;
    }
    return words;
}

using Words = std::vector<std::string>;

TEST(PretokenizerRegex, Gpt2Words) {
    const auto& gpt2 = pretokenizer_spec("gpt-2").regexes;
    EXPECT_EQ(split("Hello world's  test!!", gpt2), (Words{"Hello", " world", "'s", " ", " test", "!!"}));
    EXPECT_EQ(split("  trailing   ", gpt2), (Words{" ", " trailing", "   "}));
    EXPECT_EQ(split("x\t\ny", gpt2), (Words{"x", "\t", "\n", "y"}));  // a lone \t is not matched: a gap
    EXPECT_EQ(split("naïve café 123", gpt2), (Words{"naïve", " café", " 123"}));
    EXPECT_TRUE(split("", gpt2).empty());
}

TEST(PretokenizerRegex, Llama3SplitsDigitsInThreesAndKeepsNewlines) {
    const auto& llama3 = pretokenizer_spec("llama-bpe").regexes;
    EXPECT_EQ(split("1234567 I'M here\n\n  ok", llama3),
              (Words{"123", "456", "7", " I", "'M", " here", "\n\n", " ", " ok"}));
}

TEST(PretokenizerRegex, SequenceOfRegexesSplitsPiecesFurther) {
    const auto& deepseek = pretokenizer_spec("deepseek-coder").regexes;
    EXPECT_EQ(split("ab 12\ncd", deepseek), (Words{"ab", " ", "1", "2", "\n", "cd"}));
}

// The deepseek-llm letter class has endpoints that Unicode normalization would change (KELVIN
// SIGN U+212A becomes 'K', turning K-ℭ into a range over most of Unicode): keep them exact.
TEST(PretokenizerRegex, DeepseekLlmLetterClassKeepsItsExactEndpoints) {
    const auto& deepseek = pretokenizer_spec("deepseek-llm").regexes;
    EXPECT_EQ(split("ab[cd", deepseek), (Words{"ab", "[", "cd"}));  // '[' is no letter
    const PretokenizerRegex letters(deepseek[1]);
    const auto whole_match = [&](std::vector<uint32_t> cps) {
        std::vector<RegexChar> text;
        for (uint32_t cp : cps) text.push_back(describe_for_regex(cp));
        return letters.match_at(text.data(), 0, text.size()) == long(text.size());
    };
    EXPECT_TRUE(whole_match({0x03B1, 0x212A, 0x2126, 0x1FD3, 0x1FDB, 0x1F7D, 0x1FBE}));
    EXPECT_FALSE(whole_match({0x03B1, 0x2127}));  // INVERTED OHM SIGN is a symbol
}

TEST(PretokenizerRegex, UnsupportedSyntaxIsAClearError) {
    for (const char* bad : {"(a|b)c", "a*?", "\\p{Han}", "[abc", "\\q", "a{3,1}", "", "a||b", "(?=x)"}) {
        try {
            PretokenizerRegex r(bad);
            ADD_FAILURE() << "accepted: " << bad;
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::Unsupported) << bad;
            EXPECT_NE(std::string(e.what()).find("pre-tokenizer pattern"), std::string::npos);
        }
    }
}

TEST(PretokenizerRegex, UnknownPretokenizerNameIsAnError) {
    try {
        pretokenizer_spec("no-such-pre");
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Unsupported);
        EXPECT_NE(std::string(e.what()).find("'no-such-pre'"), std::string::npos);
    }
}

// --- llama.cpp's mechanism, rebuilt here as the reference -------------------------------------

char collapsed_byte(uint32_t cp) {
    if (cp < 0x80) return char(cp);
    if (is_whitespace(cp)) return 0x0B;
    switch (category_of(cp)) {
        case CategoryClass::Number: return char(0xD1);
        case CategoryClass::Letter: return char(0xD2);
        case CategoryClass::Punctuation: return char(0xD3);
        case CategoryClass::Mark: return char(0xD4);
        case CategoryClass::Symbol: return char(0xD5);
        default: return char(0xD0);
    }
}

// \p{X} -> the stand-in byte plus the ASCII members of X, as llama.cpp rewrites its patterns.
std::string collapse_pattern(const std::string& pattern) {
    static const std::pair<const char*, const char*> categories[] = {
        {"\\p{N}", "\xD1\x30-\x39"},
        {"\\p{L}", "\xD2\x41-\x5A\x61-\x7A"},
        {"\\p{P}", "\xD3\x21-\x23\x25-\x2A\x2C-\x2F\x3A-\x3B\x3F-\x40\\\x5B-\\\x5D\x5F\\\x7B\\\x7D"},
        {"\\p{M}", "\xD4"},
        {"\\p{S}", "\xD5\\\x24\\\x2B\x3C-\x3E\x5E\x60\\\x7C"},
    };
    std::string out;
    bool inside = false;
    for (size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '[' && (i == 0 || pattern[i - 1] != '\\')) inside = true;
        if (pattern[i] == ']' && inside && pattern[i - 1] != '\\') inside = false;
        bool replaced = false;
        for (const auto& [name, members] : categories)
            if (pattern.compare(i, 5, name) == 0) {
                out += inside ? std::string(members) : "[" + std::string(members) + "]";
                i += 4;
                replaced = true;
                break;
            }
        if (!replaced) out += pattern[i];
    }
    return out;
}

template <typename Char>
std::vector<size_t> std_regex_split(const std::basic_string<Char>& text, const std::basic_regex<Char>& regex,
                                    const std::vector<size_t>& pieces) {
    std::vector<size_t> out;
    size_t start = 0;
    for (size_t length : pieces) {
        std::regex_iterator<const Char*> it(text.data() + start, text.data() + start + length, regex), end;
        long previous_end = 0;
        for (; it != end; ++it) {
            if (it->position() > previous_end) out.push_back(size_t(it->position() - previous_end));
            out.push_back(size_t(it->length()));
            previous_end = long(it->position() + it->length());
        }
        if (previous_end < long(length)) out.push_back(length - size_t(previous_end));
        start += length;
    }
    return out;
}

std::vector<size_t> reference_split(const std::vector<uint32_t>& cps, const std::vector<const char*>& patterns) {
    std::string collapsed;
    std::wstring wide;
    for (uint32_t cp : cps) {
        collapsed += collapsed_byte(cp);
        wide += wchar_t(cp >= 0x80 && is_whitespace(cp) ? 0x0B : cp);
    }
    std::vector<size_t> pieces{cps.size()};
    for (const char* pattern : patterns) {
        const std::string p(pattern);
        if (p.find("\\p{") != std::string::npos) {
            const std::regex regex(collapse_pattern(p), std::regex::ECMAScript | std::regex::nosubs);
            pieces = std_regex_split(collapsed, regex, pieces);
        } else {
            std::wstring wp;
            for (uint32_t cp : decode_utf8_lenient(p)) wp += wchar_t(cp);
            const std::wregex regex(wp, std::regex::ECMAScript | std::regex::nosubs);
            pieces = std_regex_split(wide, regex, pieces);
        }
    }
    return pieces;
}

std::vector<uint32_t> random_text(std::mt19937& rng) {
    // Characters from every class the patterns care about, with runs so that quantifiers work.
    static const std::vector<uint32_t> alphabet = {
        'a', 'b', 'Z', 's', 't', 'e', 'r', 'l', 'd', 'M', '0', '7', '9', ' ', ' ', ' ', '\t', '\n', '\r', '\'', '!',
        '.', ',', '$', '+', '<', '^', '~', '|', '`', '(', '-', '_', 0x00E9, 0x0416, 0x65E5, 0x672C, 0x0663, 0x2163,
        0x0301, 0x20AC, 0x1F999, 0x00A0, 0x3000, 0x3001, 0x2014, 0xFF01, 0x00B5, 0x0085, 0x200B, 0xAC00, 0x0800};
    std::vector<uint32_t> cps;
    const size_t length = 1 + rng() % 24;
    while (cps.size() < length) {
        const uint32_t c = alphabet[rng() % alphabet.size()];
        for (size_t k = 1 + rng() % 3; k > 0; --k) cps.push_back(c);
    }
    return cps;
}

TEST(PretokenizerRegex, EveryPretokenizerSplitsLikeLlamaCppStdRegex) {
    std::mt19937 rng(2024);
    size_t compared = 0;
    for (const PretokenizerEntry& entry : pretokenizer_table()) {
        SCOPED_TRACE(entry.names[0]);
        std::vector<PretokenizerRegex> regexes;
        for (const char* p : entry.spec.regexes) regexes.emplace_back(p);
        for (int trial = 0; trial < 400; ++trial) {
            const std::vector<uint32_t> cps = random_text(rng);
            std::vector<RegexChar> described;
            for (uint32_t cp : cps) described.push_back(describe_for_regex(cp));
            const std::vector<size_t> ours = split_with_regexes(described, regexes);
            const std::vector<size_t> reference = reference_split(cps, entry.spec.regexes);
            std::string text;
            for (uint32_t cp : cps) append_utf8(text, cp);
            ASSERT_EQ(ours, reference) << "text: '" << text << "'";
            ++compared;
        }
    }
    std::printf("[ measured ] %zu random texts split identically to std::regex over %zu pre-tokenizers\n", compared,
                pretokenizer_table().size());
}

}  // namespace
}  // namespace chord
