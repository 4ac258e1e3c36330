// What each JSON Schema keyword constrains. A keyword restricts values of one JSON type only
// ("minLength" says nothing about numbers), so the converter honours a keyword where its type
// is generated, may skip annotations, and must refuse any other keyword it cannot write.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "chord/grammar/json_schema_refs.hpp"

namespace chord::grammar::schema {

enum class KeywordKind {
    Annotation,  // says nothing about which values are valid
    Applicator,  // applies to every type: type, enum, const, $ref, allOf, anyOf, oneOf, not, if
    String,
    Number,
    Object,
    Array,
    Unknown,  // ignored, as JSON Schema says of keywords it does not define
};

inline KeywordKind keyword_kind(const std::string& keyword) {
    using K = KeywordKind;
    static const std::map<std::string, KeywordKind> kinds = [] {
        const std::pair<KeywordKind, std::vector<const char*>> groups[] = {
            {K::Annotation,
             {"$schema", "$id", "id", "$comment", "$anchor", "$dynamicAnchor", "$recursiveAnchor", "$vocabulary",
              "title", "description", "default", "examples", "example", "deprecated", "readOnly", "writeOnly",
              "definitions", "$defs", "contentEncoding", "contentMediaType", "contentSchema", "discriminator",
              // OpenAPI's "nullable": true widens the type; leaving it out only offers fewer values.
              "nullable"}},
            {K::Applicator,
             {"type", "enum", "const", "$ref", "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "$dynamicRef",
              "$recursiveRef"}},
            {K::String, {"minLength", "maxLength", "pattern", "format"}},
            {K::Number, {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}},
            {K::Object,
             {"properties", "required", "additionalProperties", "patternProperties", "propertyNames", "minProperties",
              "maxProperties", "dependentRequired", "dependentSchemas", "dependencies", "unevaluatedProperties"}},
            {K::Array,
             {"items", "prefixItems", "additionalItems", "minItems", "maxItems", "uniqueItems", "contains",
              "minContains", "maxContains", "unevaluatedItems"}},
        };
        std::map<std::string, KeywordKind> out;
        for (const auto& [kind, keywords] : groups)
            for (const char* k : keywords) out.emplace(k, kind);
        return out;
    }();
    const auto found = kinds.find(keyword);
    return found == kinds.end() ? K::Unknown : found->second;
}

// OpenAPI's number formats; every other format is one of strings.
inline bool is_number_format(const std::string& format) {
    return format == "int32" || format == "int64" || format == "uint32" || format == "uint64" || format == "float" ||
           format == "double";
}

// The kind of `keyword` in `schema`, "format" counted by the type its value is for.
inline KeywordKind keyword_kind_in(const Json& schema, const std::string& keyword) {
    if (keyword == "format" && schema["format"].is_string() && is_number_format(schema["format"].get<std::string>()))
        return KeywordKind::Number;
    return keyword_kind(keyword);
}

// A keyword whose value allows everything ("additionalProperties": true, "minItems": 0,
// "properties": {}). Not "const": {} nor "contains": true, which do restrict.
inline bool is_vacuous(const std::string& keyword, const Json& value) {
    static const std::set<std::string> schema_valued = {"additionalProperties", "items",
                                                        "additionalItems",      "unevaluatedProperties",
                                                        "unevaluatedItems",     "propertyNames"};
    static const std::set<std::string> map_valued = {"properties", "patternProperties", "dependentRequired",
                                                     "dependentSchemas", "dependencies"};
    static const std::set<std::string> minimum_counts = {"minLength", "minItems", "minProperties", "minContains"};
    if (schema_valued.count(keyword) &&
        ((value.is_boolean() && value.get<bool>()) || (value.is_object() && value.empty())))
        return true;
    if (map_valued.count(keyword) && value.is_object() && value.empty()) return true;
    if (minimum_counts.count(keyword) && value.is_number() && value.get<double>() <= 0) return true;
    if (keyword == "uniqueItems" && value.is_boolean()) return !value.get<bool>();
    if (keyword == "required" && value.is_array() && value.empty()) return true;
    return false;
}

// Keywords of `schema` that restrict values, but for those in `except`.
inline std::vector<std::string> restricting_keywords(const Json& schema, const std::vector<std::string>& except = {}) {
    std::vector<std::string> out;
    for (const auto& [keyword, value] : schema.items()) {
        const KeywordKind kind = keyword_kind(keyword);
        if (kind == KeywordKind::Annotation || kind == KeywordKind::Unknown) continue;
        if ((keyword == "then" || keyword == "else") && !schema.contains("if")) continue;
        if (is_vacuous(keyword, value)) continue;
        bool excepted = false;
        for (const std::string& e : except) excepted = excepted || e == keyword;
        if (!excepted) out.push_back(keyword);
    }
    return out;
}

// Draft 4 wrote exclusive bounds as "minimum": 5, "exclusiveMinimum": true; later drafts as
// "exclusiveMinimum": 5. Rewrites the first form into the second.
inline void normalize_draft4_bounds(Json& schema) {
    for (const auto& [inclusive, exclusive] : {std::pair<const char*, const char*>{"minimum", "exclusiveMinimum"},
                                               std::pair<const char*, const char*>{"maximum", "exclusiveMaximum"}}) {
        if (!schema.contains(exclusive) || !schema[exclusive].is_boolean()) continue;
        const bool is_exclusive = schema[exclusive].get<bool>();
        if (is_exclusive && schema.contains(inclusive)) {
            schema[exclusive] = schema[inclusive];
            schema.erase(inclusive);
        } else {
            schema.erase(exclusive);
        }
    }
}

inline const std::vector<std::string>& json_type_names() {
    static const std::vector<std::string> names = {"object", "array", "string", "number", "integer", "boolean", "null"};
    return names;
}

}  // namespace chord::grammar::schema
