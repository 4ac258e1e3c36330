// Byte-level BPE encoding of one piece of text, as llama.cpp does it: split into words with the
// pre-tokenizer's regexes, write each word's bytes as GPT-2's printable code points, then merge
// adjacent symbols by the rank of their pair in the merge list (lowest first, leftmost on ties).
#pragma once

#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include "chord/pretokenizer_regex.hpp"
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
    struct Symbol {
        int prev, next;
        size_t offset, n;  // bytes of the word; n == 0 once merged into its left neighbour
    };
    struct Bigram {
        int left, right;
        int rank;
        size_t size;
    };
    struct LowerPriority {  // lowest rank first, then the leftmost
        bool operator()(const Bigram& a, const Bigram& b) const {
            return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
        }
    };

    void encode_word(const std::string& word, std::vector<TokenId>& out) {
        if (ignore_merges_) {
            if (const TokenId id = vocab_.find(word); id != kNoToken) {
                out.push_back(id);
                return;
            }
        }
        word_ = &word;
        symbols_.clear();
        queue_ = {};
        for (size_t offset = 0; offset < word.size();) {
            static const uint8_t length_by_high_bits[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
            const size_t n = std::min<size_t>(length_by_high_bits[uint8_t(word[offset]) >> 4], word.size() - offset);
            const int index = int(symbols_.size());
            symbols_.push_back({index - 1, offset + n == word.size() ? -1 : index + 1, offset, n});
            offset += n;
        }
        for (int i = 1; i < int(symbols_.size()); ++i) try_add_bigram(i - 1, i);

        while (!queue_.empty()) {
            const Bigram bigram = queue_.top();
            queue_.pop();
            Symbol& left = symbols_[size_t(bigram.left)];
            Symbol& right = symbols_[size_t(bigram.right)];
            // Stale entry: a side changed since it was queued (the two are no longer adjacent
            // with the queued lengths).
            if (left.n == 0 || right.n == 0 || left.next != bigram.right || left.n + right.n != bigram.size) continue;
            left.n += right.n;
            right.n = 0;
            left.next = right.next;
            if (right.next >= 0) symbols_[size_t(right.next)].prev = bigram.left;
            try_add_bigram(left.prev, bigram.left);
            try_add_bigram(bigram.left, left.next);
        }

        for (const Symbol& s : symbols_) {
            if (s.n == 0) continue;
            const std::string_view text = view(s);
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

    std::string_view view(const Symbol& s) const { return std::string_view(*word_).substr(s.offset, s.n); }

    void try_add_bigram(int left, int right) {
        if (left == -1 || right == -1) return;
        const int rank = vocab_.merge_rank(view(symbols_[size_t(left)]), view(symbols_[size_t(right)]));
        if (rank < 0) return;
        queue_.push({left, right, rank, symbols_[size_t(left)].n + symbols_[size_t(right)].n});
    }

    const Vocabulary& vocab_;
    const std::vector<PretokenizerRegex>& regexes_;
    bool ignore_merges_;
    const std::string* word_ = nullptr;
    std::vector<Symbol> symbols_;
    std::priority_queue<Bigram, std::vector<Bigram>, LowerPriority> queue_;
};

}  // namespace chord
