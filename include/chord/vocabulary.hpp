// The vocabulary of a model, read from the `tokenizer.ggml.*` metadata of a GGUF file: token
// texts, scores and types, BPE merges, the special token ids and the tokenizer flags, with the
// defaults llama.cpp applies where the file is silent.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "chord/error.hpp"
#include "chord/gguf.hpp"
#include "chord/pretokenizers.hpp"
#include "chord/utf8.hpp"

namespace chord {

using TokenId = int32_t;
constexpr TokenId kNoToken = -1;

// Token attributes, from `tokenizer.ggml.token_type` (llama.cpp's llama_token_attr bits).
enum TokenAttr : uint32_t {
    kAttrUndefined = 0,
    kAttrUnknown = 1 << 0,
    kAttrUnused = 1 << 1,
    kAttrNormal = 1 << 2,
    kAttrControl = 1 << 3,
    kAttrUserDefined = 1 << 4,
    kAttrByte = 1 << 5,
    kAttrLstrip = 1 << 7,  // strip spaces before this special token when splitting text
    kAttrRstrip = 1 << 8,  // ... and after it
};

enum class TokenizerKind { SentencePiece, BytePairEncoding };

struct Vocabulary {
    TokenizerKind kind = TokenizerKind::SentencePiece;
    std::string pre_tokenizer;  // `tokenizer.ggml.pre` ("default" when absent)

    std::vector<std::string> texts;
    std::vector<float> scores;
    std::vector<uint32_t> attrs;
    std::unordered_map<std::string_view, TokenId> ids;  // views into `texts`
    size_t max_token_bytes = 0;

    // BPE merges: "left\x01right" -> rank (its index in `tokenizer.ggml.merges`).
    std::vector<std::string> merge_keys;
    std::unordered_map<std::string_view, int> merge_ranks;  // views into `merge_keys`

    TokenId bos = kNoToken, eos = kNoToken, eot = kNoToken, eom = kNoToken, unk = kNoToken, sep = kNoToken,
            pad = kNoToken;
    std::vector<TokenId> end_of_generation;  // tokens that end a generation (EOS, EOT, <|im_end|>, …)

    bool add_bos = false;
    bool add_eos = false;
    bool add_space_prefix = false;  // SentencePiece: prefix the text with a space

    Vocabulary() = default;
    // The maps hold views into the strings: moving keeps them valid, copying would not.
    Vocabulary(const Vocabulary&) = delete;
    Vocabulary& operator=(const Vocabulary&) = delete;
    Vocabulary(Vocabulary&&) = default;
    Vocabulary& operator=(Vocabulary&&) = default;

    size_t size() const { return texts.size(); }

    TokenId find(std::string_view text) const {
        const auto it = ids.find(text);
        return it == ids.end() ? kNoToken : it->second;
    }

    int merge_rank(std::string_view left, std::string_view right) const {
        std::string key;
        key.reserve(left.size() + right.size() + 1);
        key.append(left).append(1, '\x01').append(right);
        const auto it = merge_ranks.find(key);
        return it == merge_ranks.end() ? -1 : it->second;
    }

    bool is_end_of_generation(TokenId id) const {
        return std::find(end_of_generation.begin(), end_of_generation.end(), id) != end_of_generation.end();
    }

    void check_id(TokenId id) const {
        if (id < 0 || size_t(id) >= size())
            throw Error(ErrorCode::InvalidArgument,
                        "token id " + std::to_string(id) + " is outside the vocabulary of " + std::to_string(size()));
    }

    static Vocabulary from_gguf(const GgufFile& file) {
        Vocabulary v;
        v.read_kind(file);
        v.read_tokens(file);
        if (v.kind == TokenizerKind::BytePairEncoding) v.read_merges(file);
        v.read_special_ids(file);
        v.read_flags(file);
        v.find_end_of_generation_tokens();
        v.apply_model_quirks(file);
        return v;
    }

private:
    void read_kind(const GgufFile& file) {
        const std::string model(file.get("tokenizer.ggml.model").as_text());
        if (model == "llama") {
            kind = TokenizerKind::SentencePiece;
            bos = 1, eos = 2, unk = 0;  // llama.cpp's defaults for SentencePiece vocabularies
            add_bos = true;
            add_space_prefix = true;
        } else if (model == "gpt2") {
            kind = TokenizerKind::BytePairEncoding;
            bos = 11, eos = 11;  // llama.cpp's defaults for BPE vocabularies
        } else {
            throw Error(ErrorCode::Unsupported, "tokenizer model '" + model +
                                                    "' is not supported (supported: 'llama' SentencePiece, 'gpt2' BPE)");
        }
        const MetaValue* pre = file.find("tokenizer.ggml.pre");
        pre_tokenizer = pre ? std::string(pre->as_text()) : "default";
        if (kind == TokenizerKind::BytePairEncoding) {
            const PretokenizerSpec spec = pretokenizer_spec(pre_tokenizer);  // an unknown name fails here
            add_bos = spec.add_bos;
            if (!spec.has_bos) bos = kNoToken;
        }
    }

    void read_tokens(const GgufFile& file) {
        const MetaArray tokens = file.get("tokenizer.ggml.tokens").as_array();
        if (tokens.size() == 0 || tokens.size() > uint64_t(INT32_MAX))
            throw Error(ErrorCode::Malformed, "tokenizer.ggml.tokens has " + std::to_string(tokens.size()) + " entries");
        const size_t n = size_t(tokens.size());
        texts.reserve(n);
        for (MetaValue t : tokens) {
            std::string text(t.as_string());
            if (!is_valid_utf8(text))  // tokens are text: the tokenizers, and every message that names one, need UTF-8
                throw Error(ErrorCode::Malformed, "token " + std::to_string(texts.size()) +
                                                      " in tokenizer.ggml.tokens is not valid UTF-8 (" +
                                                      describe_invalid_utf8(text) + " of '" + printable_utf8(text) + "')");
            if (text.empty()) text = "[EMPTY_" + std::to_string(texts.size()) + "]";  // as llama.cpp names them
            max_token_bytes = std::max(max_token_bytes, text.size());
            texts.push_back(std::move(text));
        }
        ids.reserve(n);
        for (size_t i = 0; i < n; ++i)  // only now: the strings no longer move
            if (const auto [it, added] = ids.emplace(texts[i], TokenId(i)); !added)
                throw Error(ErrorCode::Malformed, "duplicate token in vocabulary: '" + texts[i] + "' has ids " +
                                                      std::to_string(it->second) + " and " + std::to_string(i));
        scores.assign(n, 0.0f);
        if (const MetaValue* s = file.find("tokenizer.ggml.scores")) {
            const std::vector<float> values = s->as_array().numbers<float>();
            if (values.size() < n) throw Error(ErrorCode::Malformed, "tokenizer.ggml.scores has fewer entries than tokens");
            std::copy(values.begin(), values.begin() + std::ptrdiff_t(n), scores.begin());
        }
        attrs.assign(n, kAttrNormal);
        if (const MetaValue* t = file.find("tokenizer.ggml.token_type")) {
            const std::vector<int64_t> types = t->as_array().numbers<int64_t>();
            if (types.size() < n)
                throw Error(ErrorCode::Malformed, "tokenizer.ggml.token_type has fewer entries than tokens");
            static const uint32_t by_type[] = {kAttrUndefined, kAttrNormal, kAttrUnknown, kAttrControl,
                                               kAttrUserDefined, kAttrUnused, kAttrByte};
            for (size_t i = 0; i < n; ++i) attrs[i] = types[i] >= 0 && types[i] <= 6 ? by_type[types[i]] : kAttrUndefined;
        }
    }

    void read_merges(const GgufFile& file) {
        const MetaValue* merges = file.find("tokenizer.ggml.merges");
        if (!merges) throw Error(ErrorCode::MissingKey, "BPE vocabulary without tokenizer.ggml.merges");
        const MetaArray list = merges->as_array();
        merge_keys.reserve(size_t(list.size()));  // no reallocation: the map views these strings
        for (MetaValue m : list) {
            const std::string_view merge = m.as_string();
            if (!is_valid_utf8(merge))
                throw Error(ErrorCode::Malformed, "merge " + std::to_string(merge_keys.size()) +
                                                      " in tokenizer.ggml.merges is not valid UTF-8 (" +
                                                      describe_invalid_utf8(merge) + " of '" + printable_utf8(merge) + "')");
            // Split at the first space after the first byte, as llama.cpp does.
            const size_t space = merge.size() > 1 ? merge.find(' ', 1) : std::string_view::npos;
            std::string key = "\x01";
            if (space != std::string_view::npos)
                key = std::string(merge.substr(0, space)).append(1, '\x01').append(merge.substr(space + 1));
            merge_keys.push_back(std::move(key));
        }
        merge_ranks.reserve(merge_keys.size());
        for (size_t rank = 0; rank < merge_keys.size(); ++rank)
            merge_ranks.emplace(merge_keys[rank], int(rank));  // the first occurrence keeps its rank
    }

    void read_special_ids(const GgufFile& file) {
        const auto read = [&](const char* key, TokenId& id) {
            if (id >= 0 && size_t(id) >= size()) id = kNoToken;  // a default outside this vocabulary
            const MetaValue* v = file.find(key);
            if (!v) return;
            const uint64_t value = v->as_u64();
            if (value < size()) id = TokenId(value);  // llama.cpp ignores an out-of-range id
        };
        read("tokenizer.ggml.bos_token_id", bos);
        read("tokenizer.ggml.eos_token_id", eos);
        read("tokenizer.ggml.eot_token_id", eot);
        read("tokenizer.ggml.eom_token_id", eom);
        read("tokenizer.ggml.unknown_token_id", unk);
        read("tokenizer.ggml.seperator_token_id", sep);  // sic: the GGUF key is spelled this way
        read("tokenizer.ggml.padding_token_id", pad);
    }

    void read_flags(const GgufFile& file) {
        const auto flag = [&](const char* key, bool& value) {
            if (const MetaValue* v = file.find(key)) value = v->as_bool();
        };
        flag("tokenizer.ggml.add_space_prefix", add_space_prefix);
        flag("tokenizer.ggml.add_bos_token", add_bos);
        flag("tokenizer.ggml.add_eos_token", add_eos);
        if (add_bos && bos == kNoToken)
            throw Error(ErrorCode::Malformed, "tokenizer.ggml.add_bos_token is true, but there is no BOS token");
        if (add_eos && eos == kNoToken)
            throw Error(ErrorCode::Malformed, "tokenizer.ggml.add_eos_token is true, but there is no EOS token");
    }

    // Files often lack eot_token_id; llama.cpp recognises the usual end-of-turn tokens by text
    // and marks them as control tokens.
    void find_end_of_generation_tokens() {
        static const char* const end_of_turn[] = {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
                                                  "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>",
                                                  "<｜end▁of▁sentence｜>", "<end_of_utterance>"};
        static const char* const ends_generation[] = {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
                                                      "<|endoftext|>", "<|eom_id|>", "<EOT>", "_<EOT>",
                                                      "<|end_of_text|>", "<end_of_utterance>"};
        if (eot == kNoToken)
            for (const char* text : end_of_turn)
                if (TokenId id = find(text); id != kNoToken) {
                    eot = id;
                    attrs[size_t(id)] |= kAttrControl;
                    break;
                }
        for (const char* text : ends_generation)
            if (TokenId id = find(text); id != kNoToken) {
                add_end_of_generation(id);
                attrs[size_t(id)] |= kAttrControl;
            }
        add_end_of_generation(eos);
        add_end_of_generation(eot);
        add_end_of_generation(eom);
    }

    void add_end_of_generation(TokenId id) {
        if (id != kNoToken && !is_end_of_generation(id)) end_of_generation.push_back(id);
    }

    // Per-model token attributes llama.cpp sets by name (the GGUF has no field for them).
    void apply_model_quirks(const GgufFile& file) {
        std::string name;
        if (const MetaValue* v = file.find("general.name")) name = std::string(v->as_string());
        std::transform(name.begin(), name.end(), name.begin(), [](char c) { return char(std::tolower(c)); });
        if (name.find("phi-3") != std::string::npos || name.find("phi3") != std::string::npos) {
            // Phi-3 strips the whitespace after its special tokens.
            for (size_t id = 0; id < size(); ++id)
                if (attrs[id] & (kAttrControl | kAttrUserDefined | kAttrUnknown)) attrs[id] |= kAttrRstrip;
            for (const char* text : {"</s>"})
                if (TokenId id = find(text); id != kNoToken) attrs[size_t(id)] |= kAttrRstrip;
            for (const char* text : {"<unk>", "<s>", "<|endoftext|>"})
                if (TokenId id = find(text); id != kNoToken) attrs[size_t(id)] &= ~uint32_t(kAttrRstrip);
        }
    }
};

}  // namespace chord
