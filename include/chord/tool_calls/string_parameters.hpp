// Which of the tools' parameters are strings (StringParameters, reply_text.hpp): what a format that
// writes values raw needs from the tools' schemas to read a call as llama.cpp reads it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "chord/error.hpp"
#include "chord/grammar/json_schema_refs.hpp"
#include "chord/tool_calls/json_text.hpp"
#include "chord/tool_calls/reply_text.hpp"

namespace chord::tool_calls {

// Whether a schema accepts strings only: "type": "string", or an enum or const of strings.
inline bool accepts_strings_only(const Json& schema) {
    if (!schema.is_object()) return false;
    if (schema.contains("const")) return schema["const"].is_string();
    if (schema.contains("enum") && schema["enum"].is_array() && !schema["enum"].empty()) {
        for (const auto& value : schema["enum"])
            if (!value.is_string()) return false;
        return true;
    }
    return schema.contains("type") && schema["type"] == "string";
}

// The parameters whose schema (after its local $refs) accepts strings only. Tools of another
// shape add nothing (the template and the grammar report them).
inline StringParameters string_parameters(const Json& tools) {
    StringParameters out;
    if (!tools.is_array()) return out;
    for (const Json& tool : tools) {
        const Json* function = tool.is_object() && tool.contains("function") ? &tool["function"] : nullptr;
        if (!function || !function->is_object() || !function->contains("name") || !(*function)["name"].is_string()) continue;
        const Json& params = function->value("parameters", Json::object());
        if (!params.is_object() || !params.contains("properties") || !params["properties"].is_object()) continue;
        for (const auto& [key, property] : params["properties"].items()) {
            const Json* schema = &property;
            try {
                for (int hops = 0; schema->is_object() && schema->contains("$ref") && hops < 64; ++hops)
                    schema = &grammar::schema::resolve_ref(params, (*schema)["$ref"].get<std::string>());
            } catch (const std::exception&) {
                continue;  // a $ref that leads nowhere: not known to be a string
            }
            if (accepts_strings_only(*schema)) out.insert({(*function)["name"].get<std::string>(), key});
        }
    }
    return out;
}

}  // namespace chord::tool_calls
