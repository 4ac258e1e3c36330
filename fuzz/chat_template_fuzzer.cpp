// libFuzzer target: chat templates. Recognising a template from any `tokenizer.chat_template`
// source, and rendering any conversation (roles and contents, NUL-separated) in each template
// wasm-chord writes, with thinking on or off. Rendering never fails on content; it holds every
// message's content.
#include <string>
#include <vector>

#include "chord/chat.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    chord::fuzz::FuzzInput in(data, size);
    const std::vector<std::string_view> names = chord::chat_template_names();
    const chord::ChatTemplate id = chord::chat_template_from_name(names[in.byte() % names.size()]);
    const uint8_t flags = in.byte();
    const bool add_generation_prompt = flags & 1;
    chord::ChatOptions options;
    options.enable_thinking = !(flags & 2);

    const std::string_view source = in.until('\0');
    (void)chord::detect_chat_template(source);

    std::vector<chord::ChatMessage> messages;
    while (!in.empty()) {
        chord::ChatMessage m;
        m.role = std::string(in.until('\0'));
        m.content = std::string(in.until('\0'));
        messages.push_back(std::move(m));
    }
    try {
        const std::string prompt = chord::render_chat(id, messages, add_generation_prompt, options);
        (void)prompt;
    } catch (const chord::Error&) {
        // refused (an unknown role, say): a typed error
    }
    return 0;
}
