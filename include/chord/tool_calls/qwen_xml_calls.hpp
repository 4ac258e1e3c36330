// Qwen3-Coder XML tool calls (Qwen3-Coder, Qwen3.5, Nemotron 3 Nano, Step 3.5 Flash):
//
//   <tool_call>
//   <function=get_weather>
//   <parameter=city>
//   Paris
//   </parameter>
//   </function>
//   </tool_call>
//
// Some models leave out the opening <tool_call>. A value is raw text between its tags (one newline
// after the opening and one before the closing tag belong to the layout). The format does not say
// whether 1 is a number or a string: a parameter the tool declares as a string stays text, as
// llama.cpp decides by the schema (the caller names them: StringParameters); any other value that
// reads as JSON other than a string (42, true, null, {...}, [...]) becomes that JSON, anything
// else a string.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "chord/tool_calls/json_text.hpp"
#include "chord/tool_calls/reply_text.hpp"
#include "chord/tool_calls/reply_types.hpp"

namespace chord::tool_calls::qwen_xml {

constexpr std::string_view kToolCallOpen = "<tool_call>";
constexpr std::string_view kToolCallClose = "</tool_call>";
constexpr std::string_view kFunctionOpen = "<function=";
constexpr std::string_view kFunctionClose = "</function>";
constexpr std::string_view kParameterOpen = "<parameter=";
constexpr std::string_view kParameterClose = "</parameter>";

inline Json parameter_value(std::string_view raw, bool declared_string) {
    if (!raw.empty() && raw.front() == '\n') raw.remove_prefix(1);
    if (!raw.empty() && raw.back() == '\n') raw.remove_suffix(1);
    if (declared_string) return Json(std::string(raw));
    std::optional<Json> json = parse_json_text(raw);
    if (json && !json->is_string()) return std::move(*json);
    return Json(std::string(raw));
}

// The text after "<tag=" up to '>' (a function or parameter name), or nothing.
inline std::optional<std::string_view> tag_name(std::string_view text, size_t name_start, size_t& after) {
    const size_t close = text.find('>', name_start);
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view name = text.substr(name_start, close - name_start);
    if (!is_function_name(name)) return std::nullopt;
    after = close + 1;
    return name;
}

// <function=NAME><parameter=KEY>VALUE</parameter>...</function> at text[start]; end is set past it.
inline std::optional<ToolCall> parse_function(std::string_view text, size_t start, size_t& end, const ReplyBuilder& reply) {
    if (!starts_with_at(text, start, kFunctionOpen)) return std::nullopt;
    size_t pos = 0;
    const std::optional<std::string_view> name = tag_name(text, start + kFunctionOpen.size(), pos);
    if (!name) return std::nullopt;
    Json arguments = Json::object();
    for (pos = skip_spaces(text, pos); !starts_with_at(text, pos, kFunctionClose); pos = skip_spaces(text, pos)) {
        if (!starts_with_at(text, pos, kParameterOpen)) return std::nullopt;
        size_t value_start = 0;
        const std::optional<std::string_view> key = tag_name(text, pos + kParameterOpen.size(), value_start);
        const size_t value_end = text.find(kParameterClose, value_start);
        if (!key || value_end == std::string_view::npos) return std::nullopt;
        arguments[std::string(*key)] =
            parameter_value(text.substr(value_start, value_end - value_start), reply.is_string_parameter(*name, *key));
        pos = value_end + kParameterClose.size();
    }
    end = pos + kFunctionClose.size();
    return ToolCall{{}, std::string(*name), compact_json(arguments)};
}

// The call whose marker (<tool_call> or <function=) is at text[start]; end is set past it either
// way: past </tool_call> (or the whole text) when it is malformed.
inline std::optional<ToolCall> parse_call_at(std::string_view text, size_t start, size_t& end, const ReplyBuilder& reply) {
    const size_t block_close = text.find(kToolCallClose, start);
    end = block_close == std::string_view::npos ? text.size() : block_close + kToolCallClose.size();
    size_t pos = start;
    if (starts_with_at(text, pos, kToolCallOpen)) pos = skip_spaces(text, pos + kToolCallOpen.size());
    size_t function_end = pos;
    std::optional<ToolCall> call = parse_function(text, pos, function_end, reply);
    if (!call) return std::nullopt;
    const size_t after = skip_spaces(text, function_end);
    end = starts_with_at(text, after, kToolCallClose) ? after + kToolCallClose.size() : function_end;
    return call;
}

inline void parse_calls(std::string_view text, ReplyBuilder& reply) {
    read_calls_at_markers(
        text, {kToolCallOpen, kFunctionOpen},
        [&](std::string_view t, size_t start, size_t& end) { return parse_call_at(t, start, end, reply); }, reply);
}

inline size_t safe_prefix(std::string_view text) { return text_before_markers(text, {kToolCallOpen, kFunctionOpen}); }

}  // namespace chord::tool_calls::qwen_xml
