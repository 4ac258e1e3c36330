// Mistral tool calls, after text or none:
//
//   [TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "Paris"}, "id": "a1b2c3d4e"}]   Nemo
//   [TOOL_CALLS]get_weather[ARGS]{"city": "Paris"}                                             Devstral, Ministral 3
//   [TOOL_CALLS]get_weather[CALL_ID]a1b2c3d4e[ARGS]{"city": "Paris"}                           Small 3.2
//
// Several calls repeat [TOOL_CALLS] (or chain name[ARGS]{...} directly). Reasoning models of the
// family (Magistral, Ministral 3 Reasoning) think in [THINK]...[/THINK], split off before this.
// Nothing closes the calls, so a malformed call keeps the rest of the reply as content.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chord/tool_calls/json_text.hpp"
#include "chord/tool_calls/reply_text.hpp"
#include "chord/tool_calls/reply_types.hpp"

namespace chord::tool_calls::mistral {

constexpr std::string_view kToolCalls = "[TOOL_CALLS]";
constexpr std::string_view kArgs = "[ARGS]";
constexpr std::string_view kCallId = "[CALL_ID]";

// [{"name", "arguments", "id"?}, ...] at text[start]: all its calls, or none when any is malformed.
inline std::vector<ToolCall> parse_call_array(std::string_view text, size_t start, size_t& end) {
    std::optional<JsonAt> array = parse_json_value(text, start);
    if (!array || !array->value.is_array()) return {};
    std::vector<ToolCall> calls;
    for (const Json& element : array->value) {
        std::optional<ToolCall> call = call_from_json(element, {"arguments"});
        if (!call) return {};
        calls.push_back(std::move(*call));
    }
    end = array->end;
    return calls;
}

// Where the name of a call "name[ARGS]" or "name[CALL_ID]" that starts at text[start] ends, or npos.
inline size_t named_call_name_end(std::string_view text, size_t start) {
    const size_t bracket = text.find('[', start);
    if (bracket == std::string_view::npos || !is_function_name(text.substr(start, bracket - start))) {
        return std::string_view::npos;
    }
    if (!starts_with_at(text, bracket, kArgs) && !starts_with_at(text, bracket, kCallId)) return std::string_view::npos;
    return bracket;
}

// name[CALL_ID]id[ARGS]{...} at text[start] (the id part optional). end is set past it.
inline std::optional<ToolCall> parse_named_call(std::string_view text, size_t start, size_t& end) {
    const size_t name_end = named_call_name_end(text, start);
    if (name_end == std::string_view::npos) return std::nullopt;
    ToolCall call;
    call.name = std::string(text.substr(start, name_end - start));
    size_t pos = name_end;
    if (starts_with_at(text, pos, kCallId)) {
        const size_t id_start = pos + kCallId.size();
        pos = text.find(kArgs, id_start);
        if (pos == std::string_view::npos) return std::nullopt;
        call.id = std::string(trim(text.substr(id_start, pos - id_start)));
    }
    if (!starts_with_at(text, pos, kArgs)) return std::nullopt;
    std::optional<JsonAt> arguments = parse_json_value(text, skip_spaces(text, pos + kArgs.size()));
    if (!arguments) return std::nullopt;
    std::optional<std::string> arguments_json = arguments_text(arguments->value);
    if (!arguments_json) return std::nullopt;
    call.arguments = std::move(*arguments_json);
    end = arguments->end;
    return call;
}

// The calls after one [TOOL_CALLS] marker, from text[start]; end is set past the last one.
inline std::vector<ToolCall> parse_calls_after_marker(std::string_view text, size_t start, size_t& end) {
    if (start < text.size() && text[start] == '[') return parse_call_array(text, start, end);
    std::vector<ToolCall> calls;
    size_t pos = start;
    while (std::optional<ToolCall> call = parse_named_call(text, pos, end)) {
        calls.push_back(std::move(*call));
        pos = skip_spaces(text, end);
    }
    return calls;
}

inline void parse_calls(std::string_view text, ReplyBuilder& reply) {
    size_t marker = text.find(kToolCalls);
    if (marker == std::string_view::npos) {
        reply.add_text(text);
        return;
    }
    reply.add_text(text.substr(0, marker));
    size_t end = marker;
    while (starts_with_at(text, marker, kToolCalls)) {
        std::vector<ToolCall> calls = parse_calls_after_marker(text, skip_spaces(text, marker + kToolCalls.size()), end);
        if (calls.empty()) {
            reply.add_text(text.substr(marker));  // malformed: kept as the model wrote it
            return;
        }
        for (ToolCall& call : calls) reply.add_call(std::move(call));
        marker = skip_spaces(text, end);
    }
    reply.add_text(text.substr(end));
}

inline size_t safe_prefix(std::string_view text) { return text_before_markers(text, {kToolCalls}); }

}  // namespace chord::tool_calls::mistral
