// libFuzzer target: the Jinja interpreter on any `tokenizer.chat_template` source (a model file is
// untrusted). Parsing and rendering with a conversation, tools and the usual variables either
// succeed or throw chord::Error; never a crash, a hang or unbounded memory (tighter Limits than the
// defaults keep each input fast).
#include <ctime>
#include <string>

#include "chord/jinja/template.hpp"

namespace {

const nlohmann::ordered_json& context() {
    static const nlohmann::ordered_json c = nlohmann::ordered_json::parse(R"({
      "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is the weather in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [{"id": "call_1", "type": "function",
          "function": {"name": "get_weather", "arguments": {"location": "Paris"}}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "{\"temperature\": 22}"},
        {"role": "user", "content": [{"type": "text", "text": "Thanks!"}]}
      ],
      "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather",
        "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}}],
      "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "enable_thinking": false
    })");
    return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    chord::jinja::Limits limits;
    limits.max_steps = 200'000;
    limits.max_string_bytes = 1u << 20;
    limits.max_total_bytes = 16u << 20;
    limits.max_items = 100'000;
    try {
        const chord::jinja::Template t(std::string(reinterpret_cast<const char*>(data), size), limits);
        (void)t.render(context(), std::time_t(1767323045));
    } catch (const chord::Error&) {
        // refused with a typed error: fine
    }
    return 0;
}
