// Text <-> tokens for a model's vocabulary, token for token as llama.cpp.
//
// Encoding first cuts the text at special tokens (control tokens only when the caller allows
// it: text typed by a user never becomes <|im_end|> by accident), then encodes each piece of
// plain text with SentencePiece or byte-level BPE. Decoding turns each token into its bytes;
// StreamingDecoder (streaming_decoder.hpp) makes those into text that is always valid UTF-8.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "chord/bpe_encoder.hpp"
#include "chord/gguf.hpp"
#include "chord/pretokenizers.hpp"
#include "chord/spm_encoder.hpp"
#include "chord/unicode.hpp"
#include "chord/vocabulary.hpp"

namespace chord {

struct EncodeOptions {
    bool add_special = true;     // BOS/EOS as the vocabulary asks for
    bool parse_special = false;  // control tokens written in the text become those tokens
};

struct DecodeOptions {
    bool render_special = false;     // write control tokens (<s>, <|im_end|>) as their text
    bool strip_space_prefix = true;  // SentencePiece: drop the space encoding added in front
};

class Tokenizer {
public:
    explicit Tokenizer(Vocabulary vocab) : vocab_(std::move(vocab)) {
        if (vocab_.kind == TokenizerKind::BytePairEncoding) {
            const PretokenizerSpec spec = pretokenizer_spec(vocab_.pre_tokenizer);
            for (const char* pattern : spec.regexes) regexes_.emplace_back(pattern);
            ignore_merges_ = spec.ignore_merges;
        }
        for (TokenId id = 0; id < TokenId(vocab_.size()); ++id)
            if (vocab_.attrs[size_t(id)] & (kAttrControl | kAttrUserDefined | kAttrUnknown)) special_tokens_.push_back(id);
        // Longest first, so that "<|im_end|>" is found before a shorter special token inside it.
        std::stable_sort(special_tokens_.begin(), special_tokens_.end(), [&](TokenId a, TokenId b) {
            return vocab_.texts[size_t(a)].size() > vocab_.texts[size_t(b)].size();
        });
        pieces_.reserve(vocab_.size());
        for (TokenId id = 0; id < TokenId(vocab_.size()); ++id) pieces_.push_back(make_piece(id));
    }

    static Tokenizer from_gguf(const GgufFile& file) { return Tokenizer(Vocabulary::from_gguf(file)); }

    const Vocabulary& vocab() const { return vocab_; }

    std::vector<TokenId> encode(std::string_view text, const EncodeOptions& options = {}) const {
        std::vector<TokenId> out;
        const bool spm = vocab_.kind == TokenizerKind::SentencePiece;
        if (options.add_special && vocab_.add_bos) out.push_back(vocab_.bos);
        bool after_special = true;  // SentencePiece prefixes a space at the start and after special tokens
        for (const Fragment& f : split_at_special_tokens(text, options.parse_special)) {
            if (f.token != kNoToken) {
                out.push_back(f.token);
                after_special = true;
                continue;
            }
            const std::string_view piece = text.substr(f.offset, f.length);
            if (spm) {
                std::string escaped = vocab_.add_space_prefix && after_special ? "\xE2\x96\x81" : "";
                for (char c : piece) escaped += c == ' ' ? std::string_view("\xE2\x96\x81") : std::string_view(&c, 1);
                SpmEncoder(vocab_).encode(escaped, out);
            } else {
                BpeEncoder(vocab_, regexes_, ignore_merges_).encode(piece, out);
            }
            after_special = false;
        }
        if (options.add_special && vocab_.add_eos) out.push_back(vocab_.eos);
        return out;
    }

    // The bytes of one token. Control and unknown tokens are empty unless `render_special`.
    std::string_view token_to_piece(TokenId id, bool render_special = false) const {
        vocab_.check_id(id);
        if (!render_special && (vocab_.attrs[size_t(id)] & (kAttrControl | kAttrUnknown))) return {};
        return pieces_[size_t(id)];
    }

    // The bytes of a token sequence (not necessarily valid UTF-8: see StreamingDecoder).
    std::string decode(const std::vector<TokenId>& ids, const DecodeOptions& options = {}) const {
        std::string out;
        bool strip = options.strip_space_prefix && vocab_.add_space_prefix;
        for (TokenId id : ids) {
            std::string_view piece = token_to_piece(id, options.render_special);
            if (strip && !piece.empty()) {
                if (piece.front() == ' ') piece.remove_prefix(1);
                strip = false;
            }
            out += piece;
        }
        return out;
    }

private:
    struct Fragment {
        TokenId token;  // kNoToken for plain text
        size_t offset, length;
    };

    // Cuts the text at occurrences of special tokens, longest tokens first, left to right.
    // Without `parse_special` only user-defined tokens are cut out (as llama.cpp and HF do).
    std::vector<Fragment> split_at_special_tokens(std::string_view text, bool parse_special) const {
        std::vector<Fragment> fragments;
        if (!text.empty()) fragments.push_back({kNoToken, 0, text.size()});
        for (TokenId special : special_tokens_) {
            const uint32_t attr = vocab_.attrs[size_t(special)];
            if (!parse_special && (attr & (kAttrControl | kAttrUnknown))) continue;
            const std::string& token_text = vocab_.texts[size_t(special)];
            std::vector<Fragment> next;
            for (const Fragment& f : fragments) {
                if (f.token != kNoToken) {
                    next.push_back(f);
                    continue;
                }
                size_t start = f.offset, length = f.length;
                while (true) {
                    const size_t match = text.substr(0, start + length).find(token_text, start);
                    if (match == std::string_view::npos) break;
                    size_t left_length = match - start;
                    if (attr & kAttrLstrip)
                        while (left_length > 0 && std::isspace(uint8_t(text[start + left_length - 1]))) --left_length;
                    if (left_length > 0) next.push_back({kNoToken, start, left_length});
                    next.push_back({special, 0, 0});
                    size_t right = match + token_text.size();
                    size_t right_length = start + length - right;
                    if (attr & kAttrRstrip)
                        while (right_length > 0 && std::isspace(uint8_t(text[right]))) ++right, --right_length;
                    start = right;
                    length = right_length;
                }
                if (length > 0) next.push_back({kNoToken, start, length});
            }
            fragments = std::move(next);
        }
        return fragments;
    }

    std::string make_piece(TokenId id) const {
        const std::string& text = vocab_.texts[size_t(id)];
        const uint32_t attr = vocab_.attrs[size_t(id)];
        if (attr & (kAttrControl | kAttrUnknown | kAttrUserDefined)) return text;
        if (attr & kAttrByte) {
            if (text.size() == 6 && text.compare(0, 3, "<0x") == 0 && std::isxdigit(uint8_t(text[3])) &&
                std::isxdigit(uint8_t(text[4])))
                return std::string(1, char(std::stoi(text.substr(3, 2), nullptr, 16)));
            return text;  // a byte token not named <0xXX>: its text is the byte
        }
        if (!(attr & kAttrNormal)) return {};  // unused and undefined tokens render as nothing
        if (vocab_.kind == TokenizerKind::SentencePiece) {
            std::string out;  // U+2581 stands for a space
            for (size_t i = 0; i < text.size(); ++i) {
                if (text.compare(i, 3, "\xE2\x96\x81") == 0) {
                    out += ' ';
                    i += 2;
                } else {
                    out += text[i];
                }
            }
            return out;
        }
        std::string out;  // each code point stands for one byte
        const ByteToUnicode& bytes = ByteToUnicode::instance();
        for (uint32_t cp : decode_utf8_lenient(text)) {
            const int b = bytes.decode(cp);
            if (b >= 0) {
                out += char(b);
            } else {
                append_utf8(out, cp);  // not a byte-level code point: keep it as it is
            }
        }
        return out;
    }

    Vocabulary vocab_;
    std::vector<PretokenizerRegex> regexes_;
    bool ignore_merges_ = false;
    std::vector<TokenId> special_tokens_;
    std::vector<std::string> pieces_;  // bytes of every token, special ones as their text
};

}  // namespace chord
