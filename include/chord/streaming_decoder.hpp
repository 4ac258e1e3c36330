// Tokens -> text while generating: a token may end in the middle of a UTF-8 character (byte
// tokens, or BPE tokens that split one), so bytes are held back until their character is
// complete. Output is always valid UTF-8: bytes that can never form a character become U+FFFD.
#pragma once

#include <string>
#include <string_view>

#include "chord/tokenizer.hpp"
#include "chord/utf8.hpp"

namespace chord {

class StreamingDecoder {
public:
    explicit StreamingDecoder(const Tokenizer& tokenizer, bool render_special = false)
        : tokenizer_(tokenizer), render_special_(render_special) {}

    // The text that `id` completes (possibly empty).
    std::string push(TokenId id) {
        pending_ += tokenizer_.token_to_piece(id, render_special_);
        return take_complete();
    }

    // Whatever is still held back, as U+FFFD: call once the generation ends.
    std::string flush() {
        std::string out = take_complete();
        if (!pending_.empty()) out += kReplacement;
        pending_.clear();
        return out;
    }

    void reset() { pending_.clear(); }

private:
    static constexpr const char* kReplacement = "\xEF\xBF\xBD";

    std::string take_complete() {
        std::string out;
        std::string_view rest = pending_;
        while (!rest.empty()) {
            const size_t n = utf8_sequence_length(rest);
            if (n > 0) {
                out.append(rest.data(), n);
                rest.remove_prefix(n);
            } else if (is_incomplete_utf8(rest)) {
                break;  // wait for the next token
            } else {
                out += kReplacement;
                rest.remove_prefix(1);
            }
        }
        pending_ = std::string(rest);
        return out;
    }

    const Tokenizer& tokenizer_;
    bool render_special_;
    std::string pending_;
};

}  // namespace chord
