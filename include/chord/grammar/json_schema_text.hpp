// A JSON Schema given as JSON text (the C ABI, the CLI, the JS options) to GBNF: the one place that
// parses it, keeping the properties in their written order (the order the document is written in).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "chord/error.hpp"
#include "chord/grammar/json_schema_gbnf.hpp"

namespace chord::grammar {

inline std::string json_schema_text_to_gbnf(std::string_view text) {
    const nlohmann::ordered_json schema = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (schema.is_discarded()) throw Error(ErrorCode::InvalidArgument, "json schema: not valid JSON");
    return json_schema_to_gbnf(schema);
}

}  // namespace chord::grammar
