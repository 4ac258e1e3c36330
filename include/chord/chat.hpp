// Chat templates: a conversation turned into the prompt text a model was trained on.
//
// A GGUF file carries its model's template as Jinja source (`tokenizer.chat_template`). wasm-chord
// does not run Jinja. Like llama.cpp's built-in templates (src/llama-chat.cpp), it recognises the
// template's family from distinctive markers in that source and writes the family's format in
// C++. The text is byte for byte what llama.cpp's llm_chat_apply_template writes, quirks included,
// so a model gets the same prompt here as under llama.cpp.
//
// What the caller must know:
//   - The text does not start with the BOS token. The tokenizer adds BOS when the vocabulary asks
//     for it (tokenizer.ggml.add_bos_token), as llama.cpp does. Later BOS tokens that a format
//     puts inside the history ("llama2-sys-bos") are in the text.
//   - The text spells out control tokens ("<|im_start|>", "[INST]", "</s>"): tokenize it with
//     parse_special = true, or they become plain text.
//   - Only the roles "system", "user" and "assistant" are accepted.
//
// One addition to llama.cpp's built-in formats: "qwen3", llama.cpp's "chatml" with the thinking
// switch of Qwen3's template (ChatOptions::enable_thinking). llama.cpp's built-in templates have no
// such switch (only its Jinja path does); with thinking on, the default, "qwen3" writes exactly what
// llama.cpp's "chatml" writes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chord/error.hpp"
#include "chord/gguf.hpp"

namespace chord {

struct ChatMessage {
    std::string role;  // "system", "user" or "assistant"
    std::string content;
};

// One value per format llama.cpp writes, and wasm-chord's qwen3; the comment is the format's name.
enum class ChatTemplate : uint8_t {
    ChatML,           // "chatml": <|im_start|>role\n...<|im_end|>\n (Qwen, OpenHermes, ...)
    Llama2,           // "llama2": [INST] ... [/INST], system text plainly before the first user text
    Llama2Sys,        // "llama2-sys": the system text as <<SYS>>\n...\n<</SYS>>\n\n in the first turn
    Llama2SysBos,     // "llama2-sys-bos": as llama2-sys, with <s> before every later [INST]
    Llama2SysStrip,   // "llama2-sys-strip": as llama2-sys, every message stripped (Meta's own template)
    MistralV1,        // "mistral-v1": " [INST] ... [/INST] answer</s>" (Mistral 7B v0.1/v0.2, Mixtral 8x7B)
    MistralV3,        // "mistral-v3": "[INST] ...[/INST] answer</s>" (Mistral 7B v0.3, Mixtral 8x22B)
    MistralV3Tekken,  // "mistral-v3-tekken": as v3 without the spaces (Mistral Nemo)
    MistralV7,        // "mistral-v7": [SYSTEM_PROMPT] ...[/SYSTEM_PROMPT][INST] ...[/INST] (Mistral Large 2411)
    MistralV7Tekken,  // "mistral-v7-tekken": as v7 without the spaces (Mistral Small 3.1)
    Phi3,             // "phi3": <|role|>\n...<|end|>\n
    Phi4,             // "phi4": <|im_start|>role<|im_sep|>...<|im_end|>
    Llama3,           // "llama3": <|start_header_id|>role<|end_header_id|>\n\n...<|eot_id|>
    Gemma,            // "gemma": <start_of_turn>user\n...<end_of_turn>\n; no system role
    Deepseek,         // "deepseek": ### Instruction:\n...\n### Response:\n...\n<|EOT|>\n (DeepSeek Coder)
    Qwen3,            // wasm-chord's "qwen3": "chatml" with Qwen3's enable_thinking switch (llama.cpp says "chatml")
};

// What a template may read besides the messages: the variables of the same names in a Jinja
// template. A template without the switch ignores it, as a Jinja template ignores a variable it
// does not read.
struct ChatOptions {
    // Qwen3's switch. False ends the generation prompt with an empty thinking block, as Qwen3's
    // template does for enable_thinking=false, so that the model answers without thinking first.
    bool enable_thinking = true;
};

namespace chat_detail {

// How one role's message is written: prefix + content + suffix.
struct RoleFormat {
    const char* prefix;
    const char* suffix;
    bool trim = false;  // strip whitespace around the content first, as llama.cpp does for this format
};

struct TurnFormat {
    RoleFormat system;
    RoleFormat user;
    RoleFormat assistant;
    const char* generation_prompt;  // written when add_generation_prompt; "" where llama.cpp writes nothing
    // Only for the [INST] layout: what opens the first turn and every turn after an answer, and
    // whether the opening is written even for an empty conversation (llama.cpp's llama2 writes it
    // before looking at the messages; its mistral formats write it with the first message).
    const char* first_turn_open = "";
    const char* next_turn_open = "";
    bool open_empty_conversation = false;

    const RoleFormat& for_role(std::string_view role) const {
        return role == "system" ? system : role == "user" ? user : assistant;
    }
};

inline std::string_view trim_whitespace(std::string_view s) {
    // The set C's isspace() has in the "C" locale, which llama.cpp's trim() uses.
    constexpr std::string_view kSpace = " \t\n\v\f\r";
    const size_t begin = s.find_first_not_of(kSpace);
    if (begin == std::string_view::npos) return {};
    return s.substr(begin, s.find_last_not_of(kSpace) - begin + 1);
}

inline std::string_view content_of(const RoleFormat& role, const ChatMessage& m) {
    return role.trim ? trim_whitespace(m.content) : std::string_view(m.content);
}

// A layout is how the messages are put in sequence; the format says what surrounds each one.
// The generation prompt is added after the layout, by render_chat.
using Layout = void (*)(const TurnFormat&, const std::vector<ChatMessage>&, std::string& out);

// Every message in order, each wrapped in its role's prefix and suffix.
inline void lay_out_in_order(const TurnFormat& format, const std::vector<ChatMessage>& messages, std::string& out) {
    for (const ChatMessage& m : messages) {
        const RoleFormat& role = format.for_role(m.role);
        out.append(role.prefix).append(content_of(role, m)).append(role.suffix);
    }
}

// Llama 2 and Mistral v1/v3: "[INST]" opens a turn that holds the system and user text, and the
// assistant's answer closes it. There is no closing of the last turn: the prompt ends at [/INST].
inline void lay_out_inst_turns(const TurnFormat& format, const std::vector<ChatMessage>& messages, std::string& out) {
    if (messages.empty() && format.open_empty_conversation) out.append(format.first_turn_open);
    bool inside_turn = false;
    bool first_turn = true;
    for (const ChatMessage& m : messages) {
        if (!inside_turn) {
            out.append(first_turn ? format.first_turn_open : format.next_turn_open);
            inside_turn = true;
            first_turn = false;
        }
        const RoleFormat& role = format.for_role(m.role);
        out.append(role.prefix).append(content_of(role, m)).append(role.suffix);
        if (m.role == "assistant") inside_turn = false;
    }
}

// Gemma has no system role: llama.cpp keeps the system text and writes it at the start of the next
// user turn, followed by a blank line. System text with no user turn after it is dropped.
inline void lay_out_system_in_user_turn(const TurnFormat& format, const std::vector<ChatMessage>& messages,
                                        std::string& out) {
    std::string pending_system;
    for (const ChatMessage& m : messages) {
        const RoleFormat& role = format.for_role(m.role);
        if (m.role == "system") {
            pending_system.append(content_of(role, m));
            continue;
        }
        out.append(role.prefix);
        if (m.role == "user" && !pending_system.empty()) {
            out.append(pending_system).append("\n\n");
            pending_system.clear();
        }
        out.append(content_of(role, m)).append(role.suffix);
    }
}

struct ChatTemplateEntry {
    ChatTemplate id;
    const char* name;  // llama.cpp's name, accepted by chat_template_from_name
    Layout layout;
    TurnFormat format;
    // Written after the generation prompt when ChatOptions::enable_thinking is false; nullptr for a
    // template without a thinking switch.
    const char* thinking_off = nullptr;
};

// The formats, transcribed from llama.cpp's llm_chat_apply_template. Roles are
// {prefix, suffix, trim}; then the generation prompt; then, for [INST] layouts, the turn openings.
inline const std::vector<ChatTemplateEntry>& chat_template_table() {
    constexpr bool kTrim = true;
    static const std::vector<ChatTemplateEntry> table = {
        {ChatTemplate::ChatML, "chatml", lay_out_in_order,
         {{"<|im_start|>system\n", "<|im_end|>\n"},
          {"<|im_start|>user\n", "<|im_end|>\n"},
          {"<|im_start|>assistant\n", "<|im_end|>\n"},
          "<|im_start|>assistant\n"}},
        // Qwen3's template: {%- if enable_thinking is defined and enable_thinking is false %}
        // {{- '<think>\n\n</think>\n\n' }} right after the generation prompt.
        {ChatTemplate::Qwen3, "qwen3", lay_out_in_order,
         {{"<|im_start|>system\n", "<|im_end|>\n"},
          {"<|im_start|>user\n", "<|im_end|>\n"},
          {"<|im_start|>assistant\n", "<|im_end|>\n"},
          "<|im_start|>assistant\n"},
         "<think>\n\n</think>\n\n"},
        // Without <<SYS>> support the system text still goes into the first turn, on its own line.
        {ChatTemplate::Llama2, "llama2", lay_out_inst_turns,
         {{"", "\n"}, {"", " [/INST]"}, {"", "</s>"}, "", "[INST] ", "[INST] ", true}},
        {ChatTemplate::Llama2Sys, "llama2-sys", lay_out_inst_turns,
         {{"<<SYS>>\n", "\n<</SYS>>\n\n"}, {"", " [/INST]"}, {"", "</s>"}, "", "[INST] ", "[INST] ", true}},
        // The first BOS is the tokenizer's; the ones inside the history are text.
        {ChatTemplate::Llama2SysBos, "llama2-sys-bos", lay_out_inst_turns,
         {{"<<SYS>>\n", "\n<</SYS>>\n\n"}, {"", " [/INST]"}, {"", "</s>"}, "", "[INST] ", "<s>[INST] ", true}},
        {ChatTemplate::Llama2SysStrip, "llama2-sys-strip", lay_out_inst_turns,
         {{"<<SYS>>\n", "\n<</SYS>>\n\n", kTrim},
          {"", " [/INST]", kTrim},
          {"", "</s>", kTrim},
          "",
          "[INST] ",
          "[INST] ",
          true}},
        {ChatTemplate::MistralV1, "mistral-v1", lay_out_inst_turns,
         {{"", "\n\n"}, {"", " [/INST]"}, {" ", "</s>"}, "", " [INST] ", " [INST] "}},
        {ChatTemplate::MistralV3, "mistral-v3", lay_out_inst_turns,
         {{"", "\n\n"}, {"", "[/INST]"}, {" ", "</s>", kTrim}, "", "[INST] ", "[INST] "}},
        {ChatTemplate::MistralV3Tekken, "mistral-v3-tekken", lay_out_inst_turns,
         {{"", "\n\n"}, {"", "[/INST]"}, {"", "</s>"}, "", "[INST]", "[INST]"}},
        {ChatTemplate::MistralV7, "mistral-v7", lay_out_in_order,
         {{"[SYSTEM_PROMPT] ", "[/SYSTEM_PROMPT]"}, {"[INST] ", "[/INST]"}, {" ", "</s>"}, ""}},
        {ChatTemplate::MistralV7Tekken, "mistral-v7-tekken", lay_out_in_order,
         {{"[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]"}, {"[INST]", "[/INST]"}, {"", "</s>"}, ""}},
        {ChatTemplate::Phi3, "phi3", lay_out_in_order,
         {{"<|system|>\n", "<|end|>\n"}, {"<|user|>\n", "<|end|>\n"}, {"<|assistant|>\n", "<|end|>\n"},
          "<|assistant|>\n"}},
        {ChatTemplate::Phi4, "phi4", lay_out_in_order,
         {{"<|im_start|>system<|im_sep|>", "<|im_end|>"},
          {"<|im_start|>user<|im_sep|>", "<|im_end|>"},
          {"<|im_start|>assistant<|im_sep|>", "<|im_end|>"},
          "<|im_start|>assistant<|im_sep|>"}},
        {ChatTemplate::Llama3, "llama3", lay_out_in_order,
         {{"<|start_header_id|>system<|end_header_id|>\n\n", "<|eot_id|>", kTrim},
          {"<|start_header_id|>user<|end_header_id|>\n\n", "<|eot_id|>", kTrim},
          {"<|start_header_id|>assistant<|end_header_id|>\n\n", "<|eot_id|>", kTrim},
          "<|start_header_id|>assistant<|end_header_id|>\n\n"}},
        // Gemma calls the assistant "model"; the system markers are unused (see the layout).
        {ChatTemplate::Gemma, "gemma", lay_out_system_in_user_turn,
         {{"", "", kTrim},
          {"<start_of_turn>user\n", "<end_of_turn>\n", kTrim},
          {"<start_of_turn>model\n", "<end_of_turn>\n", kTrim},
          "<start_of_turn>model\n"}},
        {ChatTemplate::Deepseek, "deepseek", lay_out_in_order,
         {{"", ""}, {"### Instruction:\n", "\n"}, {"### Response:\n", "\n<|EOT|>\n"}, "### Response:\n"}},
    };
    return table;
}

inline const ChatTemplateEntry* find_chat_template(std::string_view name) {
    for (const ChatTemplateEntry& e : chat_template_table())
        if (name == e.name) return &e;
    return nullptr;
}

inline const ChatTemplateEntry& chat_template_entry(ChatTemplate id) {
    for (const ChatTemplateEntry& e : chat_template_table())
        if (e.id == id) return e;
    throw Error(ErrorCode::InvalidArgument, "unknown chat template id " + std::to_string(int(id)));
}

inline std::string known_names() {
    std::string names;
    for (const ChatTemplateEntry& e : chat_template_table()) names += (names.empty() ? "" : ", ") + std::string(e.name);
    return names;
}

// Markers in a template's Jinja source that identify its family, tried in order, first match wins:
// the order of llama.cpp's llm_chat_detect_template, whose if/else chain this flattens. Families
// wasm-chord does not write are listed too, so that their templates are reported as what they are
// rather than caught by a later, looser rule. Rules after the last family wasm-chord writes
// (llama3) are left out: they could only say "unsupported".
//
// Differences: llama.cpp also sends any source that starts with "mistral" down the [INST] rules,
// which catches legacy template *names*; here names go through chat_template_from_name. And the
// "qwen3" rule is wasm-chord's: llama.cpp calls those sources "chatml".
struct FamilyMarkers {
    std::vector<const char*> all_of;  // every one must occur in the source
    const char* family;               // llama.cpp's name for the template
};

inline const std::vector<FamilyMarkers>& family_markers_table() {
    static const std::vector<FamilyMarkers> table = {
        {{"<|im_start|>", "<|im_sep|>"}, "phi4"},
        {{"<|im_start|>", "<end_of_utterance>"}, "smolvlm"},  // <|im_start|> as BOS, but not ChatML
        // ChatML with Qwen3's thinking switch, found by its Jinja source text: {%- if enable_thinking
        // is defined and enable_thinking is false %}{{- '<think>\n\n</think>\n\n' }} (Qwen3, Qwen3.5).
        {{"<|im_start|>", "enable_thinking is defined and enable_thinking is false", "'<think>\\n\\n</think>\\n\\n'"},
         "qwen3"},
        {{"<|im_start|>"}, "chatml"},
        // Every source with [INST] ends in this group. Mistral's official templates first:
        // https://github.com/mistralai/cookbook/blob/main/concept-deep-dive/tokenization/chat_templates.md
        {{"[INST]", "[SYSTEM_PROMPT]"}, "mistral-v7"},
        {{"' [INST] ' + system_message"}, "mistral-v1"},
        {{"[AVAILABLE_TOOLS]", " [INST]"}, "mistral-v1"},
        {{"[AVAILABLE_TOOLS]", "\"[INST]\""}, "mistral-v3-tekken"},
        {{"[AVAILABLE_TOOLS]", "[INST]"}, "mistral-v3"},
        // ... then Llama 2 and its variants: https://huggingface.co/blog/llama2#how-to-prompt-llama-2
        {{"[INST]", "content.strip()"}, "llama2-sys-strip"},
        {{"bos_token + '[INST]"}, "llama2-sys-bos"},
        {{"[INST]", "<<SYS>>"}, "llama2-sys"},
        {{"[INST]"}, "llama2"},
        {{"<|assistant|>", "<|end|>"}, "phi3"},
        {{"[gMASK]<sop>"}, "chatglm4"},
        {{"<|assistant|>", "<|user|>", "<|tool_declare|>"}, "exaone-moe"},
        {{"<|assistant|>", "<|user|>", "</s>"}, "falcon3"},
        {{"<|assistant|>", "<|user|>"}, "glmedge"},
        {{"<|{{ item['role'] }}|>", "<|begin_of_image|>"}, "glmedge"},
        {{"<|user|>", "<|endoftext|>"}, "zephyr"},
        {{"bos_token + message['role']"}, "monarch"},
        {{"<start_of_turn>"}, "gemma"},
        {{"'\\n\\nAssistant: ' + eos_token"}, "orion"},
        {{"GPT4 Correct "}, "openchat"},
        {{"USER: ", "ASSISTANT: ", "SYSTEM: "}, "vicuna-orca"},
        {{"USER: ", "ASSISTANT: "}, "vicuna"},
        {{"### Instruction:", "<|EOT|>"}, "deepseek"},
        {{"<|START_OF_TURN_TOKEN|>", "<|USER_TOKEN|>"}, "command-r"},
        {{"<|start_header_id|>", "<|end_header_id|>"}, "llama3"},
    };
    return table;
}

// llama.cpp's name for the family the source belongs to, or nullptr when no marker matches.
inline const char* detect_family(std::string_view jinja_source) {
    for (const FamilyMarkers& rule : family_markers_table()) {
        const auto found = [&](const char* marker) { return jinja_source.find(marker) != std::string_view::npos; };
        if (std::all_of(rule.all_of.begin(), rule.all_of.end(), found)) return rule.family;
    }
    return nullptr;
}

}  // namespace chat_detail

inline const char* chat_template_name(ChatTemplate id) { return chat_detail::chat_template_entry(id).name; }

// The names chat_template_from_name accepts, in table order.
inline std::vector<std::string_view> chat_template_names() {
    std::vector<std::string_view> names;
    for (const chat_detail::ChatTemplateEntry& e : chat_detail::chat_template_table()) names.push_back(e.name);
    return names;
}

inline ChatTemplate chat_template_from_name(std::string_view name) {
    if (const chat_detail::ChatTemplateEntry* e = chat_detail::find_chat_template(name)) return e->id;
    throw Error(ErrorCode::Unsupported, "unknown chat template '" + std::string(name) +
                                            "'; known templates: " + chat_detail::known_names());
}

// The template a `tokenizer.chat_template` source is written for, or nullopt when it is not one
// wasm-chord recognises and writes. A source that is exactly a template name also counts, as in
// llama.cpp.
inline std::optional<ChatTemplate> detect_chat_template(std::string_view jinja_source) {
    if (const chat_detail::ChatTemplateEntry* e = chat_detail::find_chat_template(jinja_source)) return e->id;
    const char* family = chat_detail::detect_family(jinja_source);
    if (!family) return std::nullopt;
    const chat_detail::ChatTemplateEntry* e = chat_detail::find_chat_template(family);
    if (!e) return std::nullopt;  // recognised, but a family wasm-chord does not write
    return e->id;
}

// What to do when a model file has no chat template: name a built-in format.
inline Error no_chat_template_error() {
    return Error(ErrorCode::Unsupported, "the model has no chat template (no 'tokenizer.chat_template' metadata); "
                                         "pass a chat template name explicitly (one of: " + chat_detail::known_names() + ")");
}

// The template to use for a model: the explicit name when given, else the one its metadata's
// Jinja source is recognised as. Never a guess: anything else is an Unsupported error.
inline ChatTemplate chat_template_for(const GgufFile& gguf, std::optional<std::string_view> explicit_name) {
    if (explicit_name) return chat_template_from_name(*explicit_name);
    const std::string advice =
        "; pass a chat template name explicitly (one of: " + chat_detail::known_names() + ")";
    const MetaValue* source = gguf.find("tokenizer.chat_template");
    if (!source) throw no_chat_template_error();
    const std::string_view jinja = source->as_string();
    if (const std::optional<ChatTemplate> detected = detect_chat_template(jinja)) return *detected;
    if (const char* family = chat_detail::detect_family(jinja))
        throw Error(ErrorCode::Unsupported, "the model's chat template is llama.cpp's '" + std::string(family) +
                                                "' format, which wasm-chord does not support" + advice);
    throw Error(ErrorCode::Unsupported,
                "the model's chat template ('tokenizer.chat_template') is not one wasm-chord recognises" + advice);
}

// Whether the template reads ChatOptions::enable_thinking.
inline bool chat_template_has_thinking_switch(ChatTemplate id) {
    return chat_detail::chat_template_entry(id).thinking_off != nullptr;
}

// The prompt text for the conversation, as llama.cpp writes it for this template. With
// add_generation_prompt the text ends where the assistant's answer begins (formats whose user turn
// already ends there, like [INST] ... [/INST], add nothing).
inline std::string render_chat(ChatTemplate id, const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                               const ChatOptions& options = {}) {
    for (size_t i = 0; i < messages.size(); ++i) {
        const std::string& role = messages[i].role;
        if (role != "system" && role != "user" && role != "assistant")
            throw Error(ErrorCode::InvalidArgument, "chat message " + std::to_string(i) + " has role '" + role +
                                                        "'; expected 'system', 'user' or 'assistant'");
    }
    const chat_detail::ChatTemplateEntry& entry = chat_detail::chat_template_entry(id);
    std::string out;
    entry.layout(entry.format, messages, out);
    if (add_generation_prompt) {
        out.append(entry.format.generation_prompt);
        if (!options.enable_thinking && entry.thinking_off) out.append(entry.thinking_off);
    }
    return out;
}

}  // namespace chord
