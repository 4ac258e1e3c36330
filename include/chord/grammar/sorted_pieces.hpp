// The vocabulary's token texts sorted bytewise, each with the length of the prefix it shares with
// the one before: a trie laid out flat. Walking the tokens in this order, a grammar mask reuses the
// states of the shared prefix and skips at once every token under a prefix the grammar rejects.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "chord/tokenizer.hpp"

namespace chord::grammar {

struct SortedPieces {
    // Tokens that spell text (no end-of-generation, control or empty tokens, none with a NUL byte:
    // llama.cpp's grammar never allows those), sorted by their bytes.
    std::vector<TokenId> order;
    std::vector<uint32_t> shared_prefix;  // (order.size()) bytes in common with the previous token
    std::vector<std::string> pieces;      // (n_vocab) each token's bytes, empty for tokens not in `order`
    std::vector<TokenId> end_of_generation;
    size_t longest = 0;                   // bytes of the longest piece
    size_t n_vocab = 0;

    explicit SortedPieces(const Tokenizer& tokenizer) {
        const Vocabulary& vocab = tokenizer.vocab();
        n_vocab = vocab.size();
        pieces.resize(n_vocab);
        for (TokenId id = 0; id < TokenId(n_vocab); ++id) {
            if (vocab.is_end_of_generation(id)) {
                end_of_generation.push_back(id);
                continue;
            }
            const std::string_view piece = tokenizer.token_to_piece(id);
            if (piece.empty() || piece.find('\0') != std::string_view::npos) continue;
            pieces[size_t(id)] = std::string(piece);
            order.push_back(id);
            longest = std::max(longest, piece.size());
        }
        std::sort(order.begin(), order.end(), [&](TokenId a, TokenId b) {
            return pieces[size_t(a)] != pieces[size_t(b)] ? pieces[size_t(a)] < pieces[size_t(b)] : a < b;
        });
        shared_prefix.resize(order.size(), 0);
        for (size_t k = 1; k < order.size(); ++k) {
            const std::string& a = pieces[size_t(order[k - 1])];
            const std::string& b = pieces[size_t(order[k])];
            uint32_t n = 0;
            while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
            shared_prefix[k] = n;
        }
    }

    bool spells_text(TokenId id) const { return size_t(id) < n_vocab && !pieces[size_t(id)].empty(); }
};

}  // namespace chord::grammar
