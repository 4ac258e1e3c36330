// JSON inside model output: find where a value ends (a call is followed by more text, so the
// parser cannot be given "the rest"), parse it without exceptions, and write it back compactly.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "chord/tool_calls/reply_text.hpp"
#include "chord/tool_calls/reply_types.hpp"

namespace chord::tool_calls {

using Json = nlohmann::ordered_json;  // keeps the model's key order in the arguments

// Deeper nesting is treated as malformed: dump() recurses, and model output is untrusted.
constexpr size_t kMaxJsonDepth = 256;

// One past the end of the JSON value that starts at text[start], found by its brackets and
// quotes alone (the value is validated by parse_json_value). npos when it is unterminated.
inline size_t json_value_end(std::string_view text, size_t start) {
    if (start >= text.size()) return std::string_view::npos;
    size_t depth = 0;
    bool in_string = false;
    for (size_t i = start; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') {
                in_string = false;
                if (depth == 0) return i + 1;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > kMaxJsonDepth) return std::string_view::npos;
        } else if (c == '}' || c == ']') {
            if (depth == 0) return i;  // a scalar ends at its container's bracket
            if (--depth == 0) return i + 1;
        } else if (depth == 0 && (c == ',' || c == ';' || c == ')' || is_space(c))) {
            return i;  // a number or literal ends at a delimiter
        }
    }
    if (depth == 0 && !in_string) return text.size();  // a number or literal at the very end
    return std::string_view::npos;
}

struct JsonAt {
    Json value;
    size_t end = 0;  // one past the value in the text
};

// The JSON value that starts at text[start], or nothing when it is unterminated or invalid.
inline std::optional<JsonAt> parse_json_value(std::string_view text, size_t start) {
    const size_t end = json_value_end(text, start);
    if (end == std::string_view::npos || end == start) return std::nullopt;
    Json value = Json::parse(text.substr(start, end - start), nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) return std::nullopt;
    return JsonAt{std::move(value), end};
}

// The one JSON value that fills text (whitespace around it allowed), or nothing.
inline std::optional<Json> parse_json_text(std::string_view text) {
    std::optional<JsonAt> parsed = parse_json_value(text, skip_spaces(text, 0));
    if (!parsed || skip_spaces(text, parsed->end) != text.size()) return std::nullopt;
    return std::move(parsed->value);
}

// Compact text; invalid UTF-8 in a string becomes U+FFFD instead of throwing.
inline std::string compact_json(const Json& value) {
    return value.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

// The arguments of a call as OpenAI sends them: a JSON object as text. Models write an object or,
// now and then, the object already as a JSON string. Anything else is not a call.
inline std::optional<std::string> arguments_text(const Json& arguments) {
    if (arguments.is_object()) return compact_json(arguments);
    if (!arguments.is_string()) return std::nullopt;
    const Json inner = Json::parse(arguments.get_ref<const std::string&>(), nullptr, false);
    if (!inner.is_object()) return std::nullopt;
    return compact_json(inner);
}

// A call written as one JSON object: {"name": ..., <arguments key>: {...}, "id"?: ...}, with the
// first of argument_keys that is present (none at all means no arguments: "{}").
inline std::optional<ToolCall> call_from_json(const Json& object, std::initializer_list<const char*> argument_keys) {
    if (!object.is_object()) return std::nullopt;
    const auto name = object.find("name");
    if (name == object.end() || !name->is_string() || name->get_ref<const std::string&>().empty()) return std::nullopt;
    ToolCall call;
    call.name = name->get<std::string>();
    call.arguments = "{}";
    for (const char* key : argument_keys) {
        const auto found = object.find(key);
        if (found == object.end()) continue;
        std::optional<std::string> arguments = arguments_text(*found);
        if (!arguments) return std::nullopt;
        call.arguments = std::move(*arguments);
        break;
    }
    const auto id = object.find("id");
    if (id != object.end() && id->is_string()) call.id = id->get<std::string>();
    return call;
}

}  // namespace chord::tool_calls
