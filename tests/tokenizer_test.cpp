// Tokenizer behaviour beyond the conformance cases: special tokens, decoding, streaming,
// Unicode tables, and the errors a bad vocabulary gives.
#include <gtest/gtest.h>

#include "chord/gguf_writer.hpp"
#include "chord/streaming_decoder.hpp"
#include "chord/tokenizer.hpp"
#include "test_support.hpp"

namespace chord {
namespace {

Tokenizer shared_vocab(const char* name) {
    return Tokenizer::from_gguf(
        GgufFile::open((test::shared_dir() / "vocab" / (std::string("ggml-vocab-") + name + ".gguf")).string()));
}

const Tokenizer& llama_spm() {
    static const Tokenizer t = shared_vocab("llama-spm");
    return t;
}

TEST(Unicode, CategoriesAndWhitespaceComeFromTheUnicodeDatabase) {
    EXPECT_EQ(category_of('A'), CategoryClass::Letter);
    EXPECT_EQ(category_of('7'), CategoryClass::Number);
    EXPECT_EQ(category_of('!'), CategoryClass::Punctuation);
    EXPECT_EQ(category_of('~'), CategoryClass::Symbol);
    EXPECT_EQ(category_of(0x0663), CategoryClass::Number);       // ARABIC-INDIC DIGIT THREE
    EXPECT_EQ(category_of(0x0301), CategoryClass::Mark);         // COMBINING ACUTE ACCENT
    EXPECT_EQ(category_of(0x65E5), CategoryClass::Letter);       // 日 (inside a First/Last range)
    EXPECT_EQ(category_of(0x2F800), CategoryClass::Letter);      // CJK COMPATIBILITY IDEOGRAPH
    EXPECT_EQ(category_of(0x1F999), CategoryClass::Symbol);      // 🦙
    EXPECT_EQ(category_of(0x00A0), CategoryClass::Separator);    // NO-BREAK SPACE
    EXPECT_EQ(category_of(0xE000), CategoryClass::Other);        // private use
    EXPECT_EQ(category_of(0x0378), CategoryClass::Unassigned);
    EXPECT_EQ(category_of(0x10FFFF), CategoryClass::Unassigned);
    EXPECT_EQ(category_of(0x110000), CategoryClass::Unassigned);
    for (uint32_t ws : {0x09u, 0x0Au, 0x0Du, 0x20u, 0x85u, 0xA0u, 0x1680u, 0x2000u, 0x200Au, 0x2028u, 0x3000u})
        EXPECT_TRUE(is_whitespace(ws)) << std::hex << ws;
    for (uint32_t not_ws : {0x1Cu, 0x200Bu, 0x180Eu, uint32_t('a'), 0xFEFFu}) EXPECT_FALSE(is_whitespace(not_ws)) << std::hex << not_ws;
    EXPECT_STRNE(unicode_version(), "");
}

TEST(Unicode, LenientDecodingMatchesLlamaCpp) {
    EXPECT_EQ(decode_utf8_lenient("a\xC3\xA9\xF0\x9F\xA6\x99"), (std::vector<uint32_t>{'a', 0xE9, 0x1F999}));
    EXPECT_EQ(decode_utf8_lenient("\xFF" "b\xE6\x97"), (std::vector<uint32_t>{0xFFFD, 'b', 0xFFFD, 0xFFFD}));
}

TEST(Unicode, ByteToUnicodeIsABijectionOverBytes) {
    const ByteToUnicode& map = ByteToUnicode::instance();
    for (int b = 0; b < 256; ++b) {
        const std::vector<uint32_t> cps = decode_utf8_lenient(map.encode(uint8_t(b)));
        ASSERT_EQ(cps.size(), 1u);
        EXPECT_EQ(map.decode(cps[0]), b);
    }
    EXPECT_EQ(map.encode(' '), "\xC4\xA0");  // Ġ
    EXPECT_EQ(map.decode(0x4E00), -1);
}

TEST(Tokenizer, BosFollowsTheVocabularyAndCanBeSuppressed) {
    const auto with = llama_spm().encode("Hello");
    const auto without = llama_spm().encode("Hello", {false, false});
    ASSERT_EQ(with.size(), without.size() + 1);
    EXPECT_EQ(with[0], llama_spm().vocab().bos);
    EXPECT_EQ(llama_spm().encode(""), std::vector<TokenId>{llama_spm().vocab().bos});
    EXPECT_TRUE(llama_spm().encode("", {false, false}).empty());
}

TEST(Tokenizer, ControlTokensInTextAreParsedOnlyWhenAllowed) {
    const Tokenizer& t = llama_spm();
    const TokenId bos = t.vocab().bos;  // "<s>"
    const auto plain = t.encode("a<s>b", {false, false});
    EXPECT_EQ(std::count(plain.begin(), plain.end(), bos), 0);
    EXPECT_EQ(t.decode(plain), "a<s>b");
    const auto parsed = t.encode("a<s>b", {false, true});
    EXPECT_EQ(std::count(parsed.begin(), parsed.end(), bos), 1);
    // After a special token SentencePiece adds the space prefix again: "<s>b" -> <s> ▁b.
    EXPECT_EQ(parsed.back(), t.encode("b", {false, false}).back());
}

TEST(Tokenizer, Phi3StripsWhitespaceAfterItsSpecialTokens) {
    const Tokenizer t = shared_vocab("phi-3");
    const TokenId user = t.vocab().find("<|user|>");
    ASSERT_NE(user, kNoToken);
    const auto ids = t.encode("<|user|>\n  Hi", {false, true});
    ASSERT_GE(ids.size(), 2u);
    EXPECT_EQ(ids[0], user);
    EXPECT_EQ(std::vector<TokenId>(ids.begin() + 1, ids.end()), t.encode("Hi", {false, false}));
}

TEST(Tokenizer, DecodeHidesControlTokensUnlessAsked) {
    const Tokenizer& t = llama_spm();
    const auto ids = t.encode("Hello world");
    EXPECT_EQ(t.decode(ids), "Hello world");
    DecodeOptions render;
    render.render_special = true;
    // As llama.cpp: the space prefix is stripped from the first piece only, here "<s>".
    EXPECT_EQ(t.decode(ids, render), "<s> Hello world");
    EXPECT_EQ(t.token_to_piece(ids[1]), " Hello");  // pieces keep their leading space
    EXPECT_THROW(t.token_to_piece(TokenId(t.vocab().size())), Error);
    EXPECT_THROW(t.token_to_piece(-1), Error);
}

TEST(Tokenizer, EndOfGenerationTokens) {
    const Tokenizer phi3 = shared_vocab("phi-3");
    EXPECT_TRUE(phi3.vocab().is_end_of_generation(phi3.vocab().eos));
    EXPECT_TRUE(phi3.vocab().is_end_of_generation(phi3.vocab().find("<|end|>")));
    EXPECT_FALSE(phi3.vocab().is_end_of_generation(phi3.vocab().find("<|user|>")));
}

TEST(StreamingDecoder, NeverEmitsPartialCharacters) {
    const Tokenizer& t = llama_spm();
    // "🦙" is four byte tokens in this vocabulary.
    const auto ids = t.encode("🦙!", {false, false});
    StreamingDecoder decoder(t);
    std::string streamed;
    std::vector<std::string> chunks;
    for (TokenId id : ids) {
        chunks.push_back(decoder.push(id));
        streamed += chunks.back();
    }
    streamed += decoder.flush();
    EXPECT_EQ(streamed, " 🦙!");
    for (const std::string& chunk : chunks) EXPECT_TRUE(is_valid_utf8(chunk)) << chunk;
    EXPECT_TRUE(std::any_of(chunks.begin(), chunks.end(), [](const std::string& c) { return c.empty(); }));
}

// Found by the tokenizer fuzzer's long run: Falcon's vocabulary has no token for the byte 0xF2
// (nor for 27 others), so, as in llama.cpp, the BPE encoder drops it and the tokens of U+9F636
// are three continuation bytes. Streaming decoding still gives valid text.
TEST(StreamingDecoder, BytesTheVocabularyCannotHoldAreDroppedAndTheStreamStaysValid) {
    const Tokenizer t = shared_vocab("falcon");
    const std::vector<TokenId> ids = t.encode("a\xF2\x9F\x98\xB6" "b", {false, false});
    EXPECT_EQ(t.decode(ids), "a\x9F\x98\xB6" "b");  // the bytes llama.cpp keeps
    StreamingDecoder decoder(t);
    std::string streamed;
    for (TokenId id : ids) streamed += decoder.push(id);
    streamed += decoder.flush();
    EXPECT_TRUE(is_valid_utf8(streamed)) << streamed;
    EXPECT_EQ(streamed.front(), 'a');
    EXPECT_EQ(streamed.back(), 'b');
}

TEST(StreamingDecoder, InvalidAndUnfinishedBytesBecomeReplacementCharacters) {
    const Tokenizer& t = llama_spm();
    const auto byte = [&](uint8_t b) { return spm_byte_token(t.vocab(), b); };
    StreamingDecoder decoder(t);
    EXPECT_EQ(decoder.push(byte(0xFF)), "\xEF\xBF\xBD");      // can never start a character
    EXPECT_EQ(decoder.push(byte(0xE6)), "");                  // start of a 3-byte character
    EXPECT_EQ(decoder.push(byte(0x97)), "");
    EXPECT_EQ(decoder.push(byte(0xA5)), "\xE6\x97\xA5");      // 日
    EXPECT_EQ(decoder.push(byte(0xF0)), "");
    EXPECT_EQ(decoder.push(byte('a')), "\xEF\xBF\xBD" "a");   // interrupted: replaced, then 'a'
    EXPECT_EQ(decoder.push(byte(0xE6)), "");
    EXPECT_EQ(decoder.flush(), "\xEF\xBF\xBD");               // unfinished at the end
    EXPECT_EQ(decoder.flush(), "");
}

TEST(Utf8, IncompleteSequences) {
    EXPECT_TRUE(is_incomplete_utf8("\xE6"));
    EXPECT_TRUE(is_incomplete_utf8("\xE6\x97"));
    EXPECT_TRUE(is_incomplete_utf8("\xF0\x9F\xA6"));
    EXPECT_FALSE(is_incomplete_utf8("\xE6\x97\xA5"));  // complete
    EXPECT_FALSE(is_incomplete_utf8("\xE0\x80"));      // overlong: never valid
    EXPECT_FALSE(is_incomplete_utf8("\xED\xA0"));      // surrogate
    EXPECT_FALSE(is_incomplete_utf8("\xF5"));
    EXPECT_FALSE(is_incomplete_utf8("\x80"));
    EXPECT_FALSE(is_incomplete_utf8("a"));
}

// A vocabulary file built to order, for the error paths.
std::vector<uint8_t> vocab_file(const std::string& model, const std::string& pre, std::vector<std::string> tokens) {
    GgufWriter w;
    w.set("tokenizer.ggml.model", GgufValue::string(model));
    if (!pre.empty()) w.set("tokenizer.ggml.pre", GgufValue::string(pre));
    w.set("tokenizer.ggml.tokens", GgufValue::strings(tokens));
    if (model == "gpt2") w.set("tokenizer.ggml.merges", GgufValue::strings({"a b"}));
    return w.to_bytes();
}

Error tokenizer_error(const std::vector<uint8_t>& bytes) {
    try {
        Tokenizer::from_gguf(GgufFile::from_buffer(bytes));
    } catch (const Error& e) {
        return e;
    }
    ADD_FAILURE() << "expected an error";
    return Error(ErrorCode::InvalidArgument, "");
}

TEST(TokenizerErrors, UnsupportedOrBrokenVocabulariesAreClearErrors) {
    Error e = tokenizer_error(vocab_file("bert", "", {"a"}));
    EXPECT_EQ(e.code(), ErrorCode::Unsupported);
    EXPECT_NE(std::string(e.what()).find("'bert'"), std::string::npos);

    e = tokenizer_error(vocab_file("gpt2", "made-up-pre", {"a", "b", "ab"}));
    EXPECT_EQ(e.code(), ErrorCode::Unsupported);
    EXPECT_NE(std::string(e.what()).find("'made-up-pre'"), std::string::npos);

    e = tokenizer_error(vocab_file("llama", "", {"a", "b", "a"}));
    EXPECT_EQ(e.code(), ErrorCode::Malformed);
    EXPECT_NE(std::string(e.what()).find("duplicate token"), std::string::npos);

    GgufWriter no_tokens;
    no_tokens.set("tokenizer.ggml.model", GgufValue::string("llama"));
    EXPECT_EQ(tokenizer_error(no_tokens.to_bytes()).code(), ErrorCode::MissingKey);

    GgufWriter wrong_type;
    wrong_type.set("tokenizer.ggml.model", GgufValue::string("llama"));
    wrong_type.set("tokenizer.ggml.tokens", GgufValue::u32(3));
    EXPECT_EQ(tokenizer_error(wrong_type.to_bytes()).code(), ErrorCode::WrongType);
}

TEST(TokenizerErrors, MissingByteTokensFallBackToUnknown) {
    // A tiny SentencePiece vocabulary without byte tokens: unknown characters become <unk>.
    const Tokenizer t = Tokenizer::from_gguf(GgufFile::from_buffer(vocab_file("llama", "", {"<unk>", "<s>", "</s>", "\xE2\x96\x81", "a"})));
    EXPECT_EQ(t.encode("a", {false, false}), (std::vector<TokenId>{3, 4}));
    EXPECT_EQ(t.encode("z", {false, false}), (std::vector<TokenId>{3, 0}));
}

}  // namespace
}  // namespace chord
