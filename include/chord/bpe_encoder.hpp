// Byte-level BPE encoding of one piece of text, as llama.cpp does it: split into words with the
// pre-tokenizer's regexes, write each word's bytes as GPT-2's printable code points, then merge
// adjacent symbols by the rank of their pair in the merge list (lowest first, leftmost on ties).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chord/pretokenizer_regex.hpp"
#include "chord/symbol_merger.hpp"
#include "chord/unicode.hpp"
#include "chord/vocabulary.hpp"

namespace chord {

class BpeEncoder {
public:
    BpeEncoder(const Vocabulary& vocab, const std::vector<PretokenizerRegex>& regexes, bool ignore_merges)
        : vocab_(vocab), regexes_(regexes), ignore_merges_(ignore_merges) {}

    void encode(std::string_view text, std::vector<TokenId>& out) {
        const std::vector<uint32_t> cps = decode_utf8_lenient(text);
        std::vector<RegexChar> described(cps.size());
        for (size_t i = 0; i < cps.size(); ++i) described[i] = describe_for_regex(cps[i]);
        const ByteToUnicode& bytes = ByteToUnicode::instance();
        size_t start = 0;
        for (size_t length : split_with_regexes(described, regexes_)) {
            std::string utf8, word;
            for (size_t i = start; i < start + length; ++i) append_utf8(utf8, cps[i]);
            for (char c : utf8) word += bytes.encode(uint8_t(c));
            encode_word(word, out);
            start += length;
        }
    }

private:
    void encode_word(const std::string& word, std::vector<TokenId>& out) {
        if (ignore_merges_) {
            if (const TokenId id = vocab_.find(word); id != kNoToken) {
                out.push_back(id);
                return;
            }
        }
        const std::vector<MergeSymbol>& symbols = merger_.merge(word, [&](int left, int right) -> std::optional<double> {
            const int rank = vocab_.merge_rank(merger_.text_of(left), merger_.text_of(right));
            if (rank < 0) return std::nullopt;
            return -double(rank);  // the lowest rank merges first
        });
        for (const MergeSymbol& s : symbols) {
            if (s.n == 0) continue;
            const std::string_view text = merger_.text_of(s);
            if (const TokenId id = vocab_.find(text); id != kNoToken) {
                out.push_back(id);
                continue;
            }
            // Not a token: fall back to one token per byte where the vocabulary has one
            // (llama.cpp drops the bytes it has none for).
            for (char c : text)
                if (const TokenId id = vocab_.find(std::string_view(&c, 1)); id != kNoToken) out.push_back(id);
        }
    }

    const Vocabulary& vocab_;
    const std::vector<PretokenizerRegex>& regexes_;
    bool ignore_merges_;
    SymbolMerger merger_;
};

}  // namespace chord
