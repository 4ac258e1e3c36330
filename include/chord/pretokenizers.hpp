// The BPE pre-tokenizers, by the name GGUF files give in `tokenizer.ggml.pre`: the regexes that
// split text into words (applied in order, each to the pieces of the previous), and the flags
// llama.cpp sets with them. The patterns are the ones the models' tokenizer.json files use, in the
// form llama.cpp runs them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "chord/error.hpp"

namespace chord {

struct PretokenizerSpec {
    std::vector<const char*> regexes;
    bool ignore_merges = false;  // a word that is itself a token is not merged from pieces
    bool add_bos = false;        // default for tokenizer.ggml.add_bos_token
    bool has_bos = true;         // false: the model has no BOS token at all
};

namespace pretokenizer_patterns {
constexpr const char* kGpt2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
constexpr const char* kLlama3 =
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr const char* kQwen2 =
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr const char* kPoro = " ?[^(\\s|.,!?…。，、।۔،)]+";
constexpr const char* kCjk = "[一-龥ࠀ-一가-퟿]+";
}  // namespace pretokenizer_patterns

struct PretokenizerEntry {
    std::vector<const char*> names;  // values of tokenizer.ggml.pre
    PretokenizerSpec spec;
};

inline const std::vector<PretokenizerEntry>& pretokenizer_table() {
    using namespace pretokenizer_patterns;
    static const std::vector<PretokenizerEntry> table = {
        {{"default"}, {{"[\\p{P}\\$\\+<=>\\^~\\|]+", kGpt2, "\\p{N}+", "[0-9][0-9][0-9]"}}},
        {{"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2"},
         {{kLlama3}, /*ignore_merges=*/true, /*add_bos=*/true}},
        {{"dbrx", "smaug-bpe"}, {{kLlama3}}},
        {{"chatglm-bpe", "glm4"}, {{kLlama3}, false, false, /*has_bos=*/false}},
        {{"deepseek-llm"},
         {{"[\r\n]",
           "\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-\u1F7Dᾀ-"
           "ᾴᾶ-ᾼ\u1FBEῂ-ῄῆ-ῌῐ-\u1FD3ῖ-\u1FDBῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤ\u2126ℨ\u212A-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-"
           "𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+",
           "\\s?[!-/:-~！-／：-～‘-‟　-。]+", "\\s+$", kCjk, "\\p{N}+"}}},
        {{"deepseek-coder"}, {{"[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", kCjk, "\\p{N}"}}},
        {{"deepseek-v3", "hunyuan-dense"},
         {{"\\p{N}{1,3}", "[一-龥぀-ゟ゠-ヿ]+",
           "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| "
           "?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+"}}},
        {{"falcon"}, {{"[\\p{P}\\$\\+<=>\\^~\\|`]+", kGpt2, "[0-9][0-9][0-9]"}}},
        {{"gpt-2", "phi-2", "mpt", "olmo", "jais", "trillion", "granite-docling", "jina-es", "jina-de", "gigachat",
          "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum", "exaone4"},
         {{kGpt2}}},
        {{"starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b", "mellum2"},
         {{"\\p{N}", kGpt2}}},
        {{"qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "stablelm2", "hunyuan", "solar-open", "megrez", "grok-2"},
         {{kQwen2}}},
        {{"poro-chat", "bloom", "gpt3-finnish"}, {{kPoro}}},
        {{"viking"}, {{kPoro, "\\p{N}"}}},
    };
    return table;
}

inline PretokenizerSpec pretokenizer_spec(std::string_view name) {
    for (const PretokenizerEntry& entry : pretokenizer_table())
        for (const char* n : entry.names)
            if (name == n) return entry.spec;
    throw Error(ErrorCode::Unsupported, "unknown pre-tokenizer '" + std::string(name) +
                                            "' (tokenizer.ggml.pre); wasm-chord does not guess a replacement");
}

}  // namespace chord
