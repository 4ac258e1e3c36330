// Generation options from JSON text, through the rules of generate_options_reader.hpp: for
// native callers, the tests and the fuzzer (the wasm module reads JS objects directly).
#pragma once

#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "chord/generate_options_reader.hpp"

namespace chord {

struct JsonAdapter {
    using Value = nlohmann::ordered_json;  // a JSON Schema's properties keep their order

    ValueKind kind(const Value& v) const {
        if (v.is_null()) return ValueKind::Null;
        if (v.is_boolean()) return ValueKind::Boolean;
        if (v.is_number()) return ValueKind::Number;
        if (v.is_string()) return ValueKind::String;
        if (v.is_array()) return ValueKind::Array;
        if (v.is_object()) return ValueKind::Object;
        return ValueKind::Other;
    }
    double number(const Value& v) const { return v.get<double>(); }
    bool boolean(const Value& v) const { return v.get<bool>(); }
    std::string string(const Value& v) const { return v.get<std::string>(); }
    std::vector<Value> elements(const Value& v) const { return std::vector<Value>(v.begin(), v.end()); }
    std::vector<std::pair<std::string, Value>> members(const Value& v) const {
        std::vector<std::pair<std::string, Value>> out;
        for (const auto& [key, value] : v.items()) out.emplace_back(key, value);
        return out;
    }
    std::string json_text(const Value& v) const { return v.dump(); }
};

inline GenerateOptions generate_options_from_json(std::string_view text) {
    const nlohmann::ordered_json json = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) throw Error(ErrorCode::InvalidArgument, "generation options are not valid JSON");
    return read_generate_options(JsonAdapter{}, json);
}

}  // namespace chord
