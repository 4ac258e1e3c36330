// libFuzzer target: the GGUF reader, and what reads a model's metadata after it (the model
// configuration, the vocabulary and tokenizer), on any bytes. Each input either opens or is
// refused with a chord::Error; whatever opens is read to the end: every metadata value (arrays
// element by element), every tensor's bytes dequantized (those of up to a million elements).
#include <cstddef>
#include <cstdint>

#include "chord/gguf.hpp"
#include "chord/model_config.hpp"
#include "chord/tokenizer.hpp"

namespace {

void read_value(const chord::MetaValue& value) {
    switch (value.type()) {
        case chord::MetaType::String: (void)value.as_string().size(); break;
        case chord::MetaType::Array:
            for (const chord::MetaValue element : value.as_array()) read_value(element);
            break;
        default: break;
    }
}

template <typename Read>
void refusable(Read read) {
    try {
        read();
    } catch (const chord::Error&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const chord::GgufFile file = chord::GgufFile::from_memory(data, size);
        for (const chord::MetaEntry& entry : file.metadata()) refusable([&] { read_value(entry.value); });
        for (const chord::TensorInfo& info : file.tensors()) {
            if (info.n_elements > (1u << 20)) continue;
            refusable([&] { (void)file.tensor(info).to_floats(); });
        }
        refusable([&] { (void)chord::ModelConfig::from_gguf(file); });
        refusable([&] {
            const chord::Tokenizer tokenizer = chord::Tokenizer::from_gguf(file);
            const std::vector<chord::TokenId> ids = tokenizer.encode("Hello world! 123 <s> \xC3\xA9");
            (void)tokenizer.decode(ids);
        });
    } catch (const chord::Error&) {
        // refused, as it should be: a typed error
    }
    return 0;
}
