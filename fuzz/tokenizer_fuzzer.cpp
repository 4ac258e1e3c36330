// libFuzzer target: the tokenizers of real vocabularies (SentencePiece and byte-level BPE with
// their pre-tokenizers) on any text, and streaming decoding of any token ids. The vocabularies
// are the GGUF files named by CHORD_FUZZ_VOCABS (colon-separated; scripts/fuzz.sh sets it).
// Checks: encoding gives ids inside the vocabulary; decoding the tokens of valid UTF-8 text gives
// valid UTF-8 (unless a BPE vocabulary has no token for one of its bytes: those are dropped, as
// llama.cpp drops them, which can leave a character's continuation bytes); streaming decoding
// gives valid UTF-8 whatever the ids.
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "chord/gguf.hpp"
#include "chord/streaming_decoder.hpp"
#include "chord/tokenizer.hpp"
#include "chord/utf8.hpp"
#include "fuzz_input.hpp"

namespace {

std::vector<std::unique_ptr<chord::Tokenizer>>& tokenizers() {
    static std::vector<std::unique_ptr<chord::Tokenizer>> all;
    return all;
}

// Whether the BPE encoder keeps every byte of `text`: each has a byte-level token.
bool every_byte_has_a_token(const chord::Tokenizer& tokenizer, std::string_view text) {
    if (tokenizer.vocab().kind != chord::TokenizerKind::BytePairEncoding) return true;
    for (char c : text)
        if (tokenizer.vocab().find(chord::ByteToUnicode::instance().encode(uint8_t(c))) == chord::kNoToken) return false;
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    const char* paths = std::getenv("CHORD_FUZZ_VOCABS");
    if (!paths) {
        __builtin_printf("set CHORD_FUZZ_VOCABS to vocabulary GGUF files, colon-separated\n");
        std::exit(2);
    }
    std::string list = paths;
    for (size_t start = 0; start <= list.size();) {
        const size_t end = std::min(list.find(':', start), list.size());
        if (end > start)
            tokenizers().push_back(std::make_unique<chord::Tokenizer>(
                chord::Tokenizer::from_gguf(chord::GgufFile::open(list.substr(start, end - start)))));
        start = end + 1;
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using chord::fuzz::violated;
    chord::fuzz::FuzzInput in(data, size);
    const chord::Tokenizer& tokenizer = *tokenizers()[in.byte() % tokenizers().size()];
    const uint8_t flags = in.byte();
    const size_t n_vocab = tokenizer.vocab().size();

    chord::EncodeOptions encode;
    encode.add_special = flags & 1;
    encode.parse_special = flags & 2;
    chord::DecodeOptions decode;
    decode.render_special = flags & 4;

    std::vector<chord::TokenId> ids;
    bool valid_text = false;  // decoding gives back the text's bytes: valid UTF-8 only if it was
    if (flags & 8) {  // the input's bytes as token ids
        while (!in.empty()) ids.push_back(chord::TokenId(in.value<uint16_t>() % n_vocab));
    } else {
        const std::string_view text = in.rest();
        valid_text = chord::is_valid_utf8(text) && every_byte_has_a_token(tokenizer, text);
        try {
            ids = tokenizer.encode(text, encode);
        } catch (const chord::Error&) {
            return 0;
        }
        for (chord::TokenId id : ids)
            if (id < 0 || size_t(id) >= n_vocab) violated("encode gave an id outside the vocabulary");
    }

    const std::string whole = tokenizer.decode(ids, decode);
    if (valid_text && !chord::is_valid_utf8(whole)) violated("decoding valid text's tokens gave invalid UTF-8");
    chord::StreamingDecoder streaming(tokenizer, decode.render_special);
    std::string pieces;
    for (chord::TokenId id : ids) {
        const std::string piece = streaming.push(id);
        if (!chord::is_valid_utf8(piece)) violated("streaming decode gave invalid UTF-8");
        pieces += piece;
    }
    pieces += streaming.flush();
    if (!chord::is_valid_utf8(pieces)) violated("streaming decode's flush gave invalid UTF-8");
    return 0;
}
