// The merge loop shared by SentencePiece and BPE encoding: the text starts as one symbol per
// UTF-8 character in a linked list, and a priority queue of adjacent pairs decides which pair
// merges next (highest priority first, leftmost on ties). The encoders differ only in which
// pairs may merge and with what priority.
#pragma once

#include <algorithm>
#include <optional>
#include <queue>
#include <string_view>
#include <vector>

namespace chord {

struct MergeSymbol {
    int prev, next;    // neighbours in the chain, -1 at the ends
    size_t offset, n;  // bytes of the text; n == 0 once merged into its left neighbour
};

class SymbolMerger {
public:
    // `priority(left, right)` gives the priority of merging two adjacent symbols, or nullopt if
    // they cannot merge. Returns the symbols; follow `next` from 0 (or skip n == 0) to read them.
    template <typename Priority>
    const std::vector<MergeSymbol>& merge(std::string_view text, Priority priority) {
        text_ = text;
        symbols_.clear();
        queue_ = {};
        for (size_t offset = 0; offset < text.size();) {
            // A character cut off at the end of the text is a symbol of its own.
            static const uint8_t length_by_high_bits[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
            const size_t n = std::min<size_t>(length_by_high_bits[uint8_t(text[offset]) >> 4], text.size() - offset);
            const int index = int(symbols_.size());
            symbols_.push_back({index - 1, offset + n == text.size() ? -1 : index + 1, offset, n});
            offset += n;
        }
        const auto consider = [&](int left, int right) {
            if (left == -1 || right == -1) return;
            if (const std::optional<double> p = priority(left, right))
                queue_.push({left, right, symbols_[size_t(left)].n + symbols_[size_t(right)].n, *p});
        };
        for (int i = 1; i < int(symbols_.size()); ++i) consider(i - 1, i);

        while (!queue_.empty()) {
            const Candidate c = queue_.top();
            queue_.pop();
            MergeSymbol& left = symbols_[size_t(c.left)];
            MergeSymbol& right = symbols_[size_t(c.right)];
            // Stale: a side has merged since the pair was queued (symbols only grow, so equal
            // lengths mean the same two symbols).
            if (left.n == 0 || right.n == 0 || left.n + right.n != c.size) continue;
            left.n += right.n;
            right.n = 0;
            left.next = right.next;
            if (right.next >= 0) symbols_[size_t(right.next)].prev = c.left;
            consider(left.prev, c.left);
            consider(c.left, left.next);
        }
        return symbols_;
    }

    std::string_view text_of(const MergeSymbol& s) const { return text_.substr(s.offset, s.n); }
    std::string_view text_of(int index) const { return text_of(symbols_[size_t(index)]); }
    // The text the pair (left, right) would have merged.
    std::string_view pair_text(int left, int right) const {
        return text_.substr(symbols_[size_t(left)].offset, symbols_[size_t(left)].n + symbols_[size_t(right)].n);
    }

private:
    struct Candidate {
        int left, right;
        size_t size;  // bytes of the merged pair when queued
        double priority;
    };
    struct LowerPriority {
        bool operator()(const Candidate& a, const Candidate& b) const {
            return a.priority < b.priority || (a.priority == b.priority && a.left > b.left);
        }
    };

    std::string_view text_;
    std::vector<MergeSymbol> symbols_;
    std::priority_queue<Candidate, std::vector<Candidate>, LowerPriority> queue_;
};

}  // namespace chord
