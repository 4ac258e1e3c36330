// SentencePiece (BPE by score) encoding of one piece of text, as llama.cpp does it: start from
// UTF-8 characters, repeatedly merge the adjacent pair whose concatenation is the highest-scoring
// token (leftmost on ties), then write each symbol as its token, or as byte tokens (<0xXX>).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "chord/symbol_merger.hpp"
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
        merged_from_.clear();
        const std::vector<MergeSymbol>& symbols = merger_.merge(text, [&](int left, int right) -> std::optional<double> {
            const std::string_view pair = merger_.pair_text(left, right);
            const TokenId id = vocab_.find(pair);
            if (id == kNoToken) return std::nullopt;
            merged_from_[pair] = {left, right};  // the latest pair with this text, as llama.cpp keeps it
            return vocab_.scores[size_t(id)];
        });
        for (int i = symbols.empty() ? -1 : 0; i != -1; i = symbols[size_t(i)].next) resegment(i, out);
    }

private:
    // A symbol that is not a token is split back into the pair it was merged from, down to bytes.
    void resegment(int symbol, std::vector<TokenId>& out) {
        const std::string_view text = merger_.text_of(symbol);
        if (const TokenId id = vocab_.find(text); id != kNoToken) {
            out.push_back(id);
            return;
        }
        const auto it = merged_from_.find(text);
        if (it == merged_from_.end()) {
            for (char c : text) out.push_back(spm_byte_token(vocab_, uint8_t(c)));
            return;
        }
        resegment(it->second.first, out);
        resegment(it->second.second, out);
    }

    const Vocabulary& vocab_;
    SymbolMerger merger_;
    std::unordered_map<std::string_view, std::pair<int, int>> merged_from_;  // views into the text
};

}  // namespace chord
