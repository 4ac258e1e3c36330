// SentencePiece (BPE by score) encoding of one piece of text, as llama.cpp does it: start from
// UTF-8 characters, repeatedly merge the adjacent pair whose concatenation is the highest-scoring
// token (leftmost on ties), then write each symbol as its token, or as byte tokens (<0xXX>).
#pragma once

#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "chord/vocabulary.hpp"

namespace chord {

// The token of a raw byte: "<0xXX>", else the byte itself as a one-character token, else UNK.
inline TokenId spm_byte_token(const Vocabulary& vocab, uint8_t byte) {
    static const char hex[] = "0123456789ABCDEF";
    const char name[] = {'<', '0', 'x', hex[byte >> 4], hex[byte & 15], '>'};
    TokenId id = vocab.find(std::string_view(name, sizeof name));
    if (id == kNoToken) id = vocab.find(std::string_view(reinterpret_cast<const char*>(&byte), 1));
    if (id == kNoToken) id = vocab.unk;
    if (id == kNoToken)
        throw Error(ErrorCode::InvalidArgument, "byte " + std::to_string(byte) + " has no token in this vocabulary");
    return id;
}

class SpmEncoder {
public:
    explicit SpmEncoder(const Vocabulary& vocab) : vocab_(vocab) {}

    // `text` has its spaces already replaced by U+2581.
    void encode(std::string_view text, std::vector<TokenId>& out) {
        symbols_.clear();
        merged_from_.clear();
        queue_ = {};
        for (size_t offset = 0; offset < text.size();) {
            static const uint8_t length_by_high_bits[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
            const size_t n = std::min<size_t>(length_by_high_bits[uint8_t(text[offset]) >> 4], text.size() - offset);
            const int index = int(symbols_.size());
            symbols_.push_back({index - 1, offset + n == text.size() ? -1 : index + 1, text.data() + offset, n});
            offset += n;
        }
        for (int i = 1; i < int(symbols_.size()); ++i) try_add_bigram(i - 1, i);

        while (!queue_.empty()) {
            const Bigram bigram = queue_.top();
            queue_.pop();
            Symbol& left = symbols_[size_t(bigram.left)];
            Symbol& right = symbols_[size_t(bigram.right)];
            // Stale entry: one side was merged into something else since it was queued.
            if (left.n == 0 || right.n == 0 || left.n + right.n != bigram.size) continue;
            left.n += right.n;
            right.n = 0;
            left.next = right.next;
            if (right.next >= 0) symbols_[size_t(right.next)].prev = bigram.left;
            try_add_bigram(left.prev, bigram.left);
            try_add_bigram(bigram.left, left.next);
        }
        for (int i = symbols_.empty() ? -1 : 0; i != -1; i = symbols_[size_t(i)].next) resegment(symbols_[size_t(i)], out);
    }

private:
    struct Symbol {
        int prev, next;
        const char* text;
        size_t n;  // bytes; 0 once merged into its left neighbour
    };
    struct Bigram {
        int left, right;
        float score;
        size_t size;
    };
    struct LowerPriority {  // highest score first, then the leftmost
        bool operator()(const Bigram& a, const Bigram& b) const {
            return a.score < b.score || (a.score == b.score && a.left > b.left);
        }
    };

    void try_add_bigram(int left, int right) {
        if (left == -1 || right == -1) return;
        const std::string_view text(symbols_[size_t(left)].text, symbols_[size_t(left)].n + symbols_[size_t(right)].n);
        const TokenId id = vocab_.find(text);
        if (id == kNoToken) return;
        queue_.push({left, right, vocab_.scores[size_t(id)], text.size()});
        merged_from_[text] = {left, right};
    }

    // A symbol that is not a token is split back into the pair it was merged from, down to bytes.
    void resegment(const Symbol& symbol, std::vector<TokenId>& out) {
        const std::string_view text(symbol.text, symbol.n);
        if (const TokenId id = vocab_.find(text); id != kNoToken) {
            out.push_back(id);
            return;
        }
        const auto it = merged_from_.find(text);
        if (it == merged_from_.end()) {
            for (char c : text) out.push_back(spm_byte_token(vocab_, uint8_t(c)));
            return;
        }
        resegment(symbols_[size_t(it->second.first)], out);
        resegment(symbols_[size_t(it->second.second)], out);
    }

    const Vocabulary& vocab_;
    std::vector<Symbol> symbols_;
    std::priority_queue<Bigram, std::vector<Bigram>, LowerPriority> queue_;
    std::unordered_map<std::string_view, std::pair<int, int>> merged_from_;  // views into the text
};

}  // namespace chord
