// Hermes 2 Pro / Hermes 3 / Qwen 2.5 / Qwen3 / Granite 4 tool calls:
//
//   Let me look.<tool_call>
//   {"name": "get_weather", "arguments": {"city": "Paris"}}
//   </tool_call>
//
// one block per call, text before, between or after. Hermes 2 Pro also writes
// <function=get_weather>{"city": "Paris"}</function> and <function name="get_weather">{...}</function>,
// which llama.cpp's Hermes parser takes too. A block without its closing tag runs to the end of
// the reply (a model may stop right after the JSON).
#pragma once

#include <optional>
#include <string_view>

#include "chord/tool_calls/json_text.hpp"
#include "chord/tool_calls/reply_text.hpp"
#include "chord/tool_calls/reply_types.hpp"

namespace chord::tool_calls::hermes {

constexpr std::string_view kToolCallOpen = "<tool_call>";
constexpr std::string_view kToolCallClose = "</tool_call>";
constexpr std::string_view kFunctionEqualsOpen = "<function=";       // <function=NAME>
constexpr std::string_view kFunctionNameOpen = "<function name=\"";  // <function name="NAME">
constexpr std::string_view kFunctionClose = "</function>";

// The text of a block: from after its opening to its closing tag (or the end), and where it ends.
struct Block {
    std::string_view inside;
    size_t end = 0;
};

inline Block block_until(std::string_view text, size_t inside_start, std::string_view close) {
    const size_t close_at = text.find(close, inside_start);
    if (close_at == std::string_view::npos) return {text.substr(inside_start), text.size()};
    return {text.substr(inside_start, close_at - inside_start), close_at + close.size()};
}

// <function=NAME>{args}</function> or <function name="NAME">{args}</function>, at text[start].
inline std::optional<ToolCall> parse_function_block(std::string_view text, size_t start, size_t& end) {
    const bool quoted = starts_with_at(text, start, kFunctionNameOpen);
    const size_t name_start = start + (quoted ? kFunctionNameOpen.size() : kFunctionEqualsOpen.size());
    const std::string_view name_end_mark = quoted ? "\">" : ">";
    const size_t name_end = text.find(name_end_mark, name_start);
    if (name_end == std::string_view::npos) {
        end = text.size();
        return std::nullopt;
    }
    const Block block = block_until(text, name_end + name_end_mark.size(), kFunctionClose);
    end = block.end;
    const std::string_view name = text.substr(name_start, name_end - name_start);
    const std::optional<Json> arguments = parse_json_text(block.inside);
    if (!is_function_name(name) || !arguments || !arguments->is_object()) return std::nullopt;
    return ToolCall{{}, std::string(name), compact_json(*arguments)};
}

// The call whose marker is at text[start]; end is set past its block either way.
inline std::optional<ToolCall> parse_call_at(std::string_view text, size_t start, size_t& end) {
    if (!starts_with_at(text, start, kToolCallOpen)) return parse_function_block(text, start, end);
    const Block block = block_until(text, start + kToolCallOpen.size(), kToolCallClose);
    end = block.end;
    const std::optional<Json> object = parse_json_text(block.inside);
    if (!object) return std::nullopt;
    return call_from_json(*object, {"arguments", "parameters"});
}

inline void parse_calls(std::string_view text, ReplyBuilder& reply) {
    read_calls_at_markers(text, {kToolCallOpen, kFunctionEqualsOpen, kFunctionNameOpen}, parse_call_at, reply);
}

inline size_t safe_prefix(std::string_view text) {
    return text_before_markers(text, {kToolCallOpen, kFunctionEqualsOpen, kFunctionNameOpen});
}

}  // namespace chord::tool_calls::hermes
