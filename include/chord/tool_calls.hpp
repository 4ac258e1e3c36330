// Tool calls in a model's reply, turned into OpenAI's `tool_calls`.
//
// Chat models that call tools write the call as text in the format their family was trained on;
// the chat template (tokenizer.chat_template) teaches it, so the template tells which one to read:
//
//   hermes       <tool_call>{"name": "f", "arguments": {...}}</tool_call>    tool_calls/hermes_calls.hpp
//   llama3-json  {"name": "f", "parameters": {...}}                           tool_calls/llama3_calls.hpp
//   mistral      [TOOL_CALLS][{...}]  or  [TOOL_CALLS]f[ARGS]{...}            tool_calls/mistral_calls.hpp
//   qwen3-coder  <tool_call><function=f><parameter=k>v</parameter>…          tool_calls/qwen_xml_calls.hpp
//
// Every format also splits the reasoning block at the start of the reply into reasoning_content
// (<think>…</think>; [THINK]…[/THINK] for Mistral), "none" included.
//
// Model output is untrusted: nothing here throws for it. A call that does not parse stays in the
// content as the model wrote it. Arguments are the model's JSON object re-serialised compactly, keys
// in the model's order. A call without an id from the model gets "call_<i>", i its index in the
// reply's tool_calls ("call_0", "call_1", …), so the same reply always gives the same ids.
//
// Streaming: content may be shown as it comes, except a tool-call marker, which must not appear
// and then be taken back. Per step:
//   ReasoningSplit split = split_reasoning_so_far(text, format);   // stream split.reasoning
//   size_t shown_now = tool_call_safe_prefix(split.content, format);  // split.content[0, shown_now) is content
// and at the end parse_tool_calls(text, format), whose content starts with everything shown. The
// special tokens (<|python_tag|>, [TOOL_CALLS], [THINK]) must be decoded as text for any of this.
#pragma once

#include <cstddef>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

#include "chord/tool_calls/detect_format.hpp"
#include "chord/tool_calls/hermes_calls.hpp"
#include "chord/tool_calls/llama3_calls.hpp"
#include "chord/tool_calls/mistral_calls.hpp"
#include "chord/tool_calls/qwen_xml_calls.hpp"
#include "chord/tool_calls/reply_text.hpp"
#include "chord/tool_calls/reply_types.hpp"

namespace chord {

using tool_calls::ReasoningSplit;

namespace tool_calls {

// One row per ToolCallFormat, in the enum's order.
struct FormatTraits {
    ToolCallFormat format;
    const char* name;
    ReasoningTags reasoning;
    void (*parse_calls)(std::string_view content, ReplyBuilder& reply);
    size_t (*safe_prefix)(std::string_view content);
};

inline void content_only(std::string_view content, ReplyBuilder& reply) { reply.add_text(content); }
inline size_t all_safe(std::string_view content) { return content.size(); }

constexpr ReasoningTags kThinkTags{"<think>", "</think>"};

inline constexpr FormatTraits kFormatTraits[] = {
    {ToolCallFormat::None, "none", kThinkTags, content_only, all_safe},
    {ToolCallFormat::Hermes, "hermes", kThinkTags, hermes::parse_calls, hermes::safe_prefix},
    {ToolCallFormat::Llama3Json, "llama3-json", kThinkTags, llama3::parse_calls, llama3::safe_prefix},
    {ToolCallFormat::Mistral, "mistral", {"[THINK]", "[/THINK]"}, mistral::parse_calls, mistral::safe_prefix},
    {ToolCallFormat::QwenXml, "qwen3-coder", kThinkTags, qwen_xml::parse_calls, qwen_xml::safe_prefix},
};

constexpr bool traits_in_enum_order() {
    for (size_t i = 0; i < std::size(kFormatTraits); ++i) {
        if (static_cast<size_t>(kFormatTraits[i].format) != i) return false;
    }
    return true;
}
static_assert(traits_in_enum_order(), "kFormatTraits must list the formats in ToolCallFormat's order");

inline const FormatTraits& format_traits(ToolCallFormat format) {
    const auto index = static_cast<size_t>(format);
    return index < std::size(kFormatTraits) ? kFormatTraits[index] : kFormatTraits[0];
}

}  // namespace tool_calls

// The format a chat template (Jinja source) asks its model to use; None when it has no tool
// calls, or tool calls in a format not implemented here.
inline ToolCallFormat detect_tool_call_format(std::string_view chat_template) {
    return tool_calls::detect_format(chat_template);
}

// "none", "hermes", "llama3-json", "mistral", "qwen3-coder".
inline const char* tool_call_format_name(ToolCallFormat format) { return tool_calls::format_traits(format).name; }

inline std::optional<ToolCallFormat> tool_call_format_from_name(std::string_view name) {
    for (const tool_calls::FormatTraits& traits : tool_calls::kFormatTraits) {
        if (name == traits.name) return traits.format;
    }
    return std::nullopt;
}

using tool_calls::StringParameters;

// A complete reply split into its content, reasoning and calls. `string_parameters`: see
// StringParameters (tool_calls/reply_text.hpp; string_parameters() reads them from the tools).
inline ParsedReply parse_tool_calls(std::string_view reply, ToolCallFormat format,
                                    const StringParameters* string_parameters = nullptr) {
    const tool_calls::FormatTraits& traits = tool_calls::format_traits(format);
    const ReasoningSplit split = tool_calls::split_reasoning(reply, traits.reasoning, /*reply_complete=*/true);
    tool_calls::ReplyBuilder builder(string_parameters);
    traits.parse_calls(split.content, builder);
    ParsedReply parsed = std::move(builder).finish();
    parsed.reasoning_content = std::string(split.reasoning);
    return parsed;
}

// A reply still streaming: its reasoning so far, and the content after it (empty while the
// reasoning has not ended). See the top of this file.
inline ReasoningSplit split_reasoning_so_far(std::string_view reply_so_far, ToolCallFormat format) {
    return tool_calls::split_reasoning(reply_so_far, tool_calls::format_traits(format).reasoning,
                                       /*reply_complete=*/false);
}

// How many bytes of content_so_far (a reply without its reasoning block) can be shown as content
// now: the text before anything that is, or may still become, the start of a tool-call marker, and
// before the whitespace in front of it (the final content drops that in front of a call).
inline size_t tool_call_safe_prefix(std::string_view content_so_far, ToolCallFormat format) {
    return tool_calls::format_traits(format).safe_prefix(content_so_far);
}

}  // namespace chord
