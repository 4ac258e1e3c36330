// Llama 3.1 / 3.2 / 3.3 JSON tool calls: the whole reply is the call,
//
//   {"name": "get_weather", "parameters": {"city": "Paris"}}
//
// ("arguments" also accepted, "type": "function" may come first), several separated by ";" or
// whitespace in some models. It may follow <|python_tag|>, which may also come after text; after
// that tag Llama 3.1 writes its built-in tools as brave_search.call(query="...").
//
// A JSON object is a call only at the start of the reply and only with a name and a parameters
// (or arguments) key, so a reply that is JSON for the user stays content.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

#include "chord/tool_calls/json_text.hpp"
#include "chord/tool_calls/reply_text.hpp"
#include "chord/tool_calls/reply_types.hpp"

namespace chord::tool_calls::llama3 {

constexpr std::string_view kPythonTag = "<|python_tag|>";
constexpr std::string_view kBuiltinCall = ".call(";

inline std::optional<ToolCall> call_from_object(const Json& object) {
    if (!object.is_object() || (!object.contains("parameters") && !object.contains("arguments"))) return std::nullopt;
    return call_from_json(object, {"parameters", "arguments"});
}

// Calls written back to back from text[pos]; pos moves past the last one. False when there is none.
inline bool parse_json_calls(std::string_view text, size_t& pos, ReplyBuilder& reply) {
    bool found = false;
    size_t at = pos;
    while (at < text.size() && text[at] == '{') {
        std::optional<JsonAt> object = parse_json_value(text, at);
        std::optional<ToolCall> call = object ? call_from_object(object->value) : std::nullopt;
        if (!call) break;
        reply.add_call(std::move(*call));
        found = true;
        pos = object->end;
        at = skip_spaces(text, pos);
        if (at < text.size() && text[at] == ';') at = skip_spaces(text, at + 1);
    }
    return found;
}

inline bool is_identifier_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

inline size_t identifier_end(std::string_view text, size_t pos) {
    while (pos < text.size() && is_identifier_char(text[pos])) ++pos;
    return pos;
}

// A built-in tool call at text[start]: name.call(key=<JSON value>, ...). end is set past it.
inline std::optional<ToolCall> parse_builtin_call(std::string_view text, size_t start, size_t& end) {
    const size_t name_end = identifier_end(text, start);
    if (name_end == start || !starts_with_at(text, name_end, kBuiltinCall)) return std::nullopt;
    Json arguments = Json::object();
    size_t pos = skip_spaces(text, name_end + kBuiltinCall.size());
    while (pos < text.size() && text[pos] != ')') {
        const size_t key_end = identifier_end(text, pos);
        const size_t equals = skip_spaces(text, key_end);
        if (key_end == pos || equals >= text.size() || text[equals] != '=') return std::nullopt;
        std::optional<JsonAt> value = parse_json_value(text, skip_spaces(text, equals + 1));
        if (!value) return std::nullopt;
        arguments[std::string(text.substr(pos, key_end - pos))] = std::move(value->value);
        pos = skip_spaces(text, value->end);
        if (pos < text.size() && text[pos] == ',') pos = skip_spaces(text, pos + 1);
        else if (pos >= text.size() || text[pos] != ')') return std::nullopt;
    }
    if (pos >= text.size()) return std::nullopt;
    end = pos + 1;
    return ToolCall{{}, std::string(text.substr(start, name_end - start)), compact_json(arguments)};
}

inline void parse_calls(std::string_view text, ReplyBuilder& reply) {
    size_t pos = skip_spaces(text, 0);
    if (parse_json_calls(text, pos, reply)) {
        reply.add_text(text.substr(pos));
        return;
    }
    const size_t tag = text.find(kPythonTag);
    if (tag == std::string_view::npos) {
        reply.add_text(text);
        return;
    }
    reply.add_text(text.substr(0, tag));
    pos = skip_spaces(text, tag + kPythonTag.size());
    if (!parse_json_calls(text, pos, reply)) {
        size_t end = pos;
        std::optional<ToolCall> call = parse_builtin_call(text, pos, end);
        if (!call) {
            reply.add_text(text.substr(tag));  // malformed: kept as the model wrote it
            return;
        }
        reply.add_call(std::move(*call));
        pos = end;
    }
    reply.add_text(text.substr(pos));
}

// Whether text (starting with '{') is, or may still grow into, the start of a call object:
// '{', spaces, then "name" or "type".
inline bool may_open_call_object(std::string_view text) {
    const size_t quote = skip_spaces(text, 1);
    if (quote == text.size()) return true;
    if (text[quote] != '"') return false;
    const std::string_view key = text.substr(quote + 1);
    for (std::string_view call_key : {std::string_view("name\""), std::string_view("type\"")}) {
        const size_t common = std::min(key.size(), call_key.size());
        if (key.substr(0, common) == call_key.substr(0, common)) return true;
    }
    return false;
}

inline size_t safe_prefix(std::string_view text) {
    const size_t start = skip_spaces(text, 0);
    if (start < text.size() && text[start] == '{' && may_open_call_object(text.substr(start))) return 0;
    return text_before_markers(text, {kPythonTag});
}

}  // namespace chord::tool_calls::llama3
