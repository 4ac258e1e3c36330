// "allOf" as one schema, so that it can be written as one grammar rule.
//
// The parts are combined keyword by keyword: `type`s and `enum`s intersected, `properties` joined
// (a name in two parts must satisfy both), `required` united, bounds tightened. A `$ref` among the
// parts is replaced by what it points to, and an `anyOf`/`oneOf` is distributed over the rest:
// allOf[A, anyOf[B, C]] = anyOf[allOf[A, B], allOf[A, C]], each branch that allows no value dropped.
// The same serves a `$ref` or an `anyOf` written beside other keywords, which JSON Schema reads as
// an allOf of the two. Parts that cannot be combined exactly (two different patterns) are an
// Error(InvalidArgument).
#pragma once

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "chord/error.hpp"
#include "chord/grammar/json_schema_keywords.hpp"
#include "chord/grammar/json_schema_refs.hpp"

namespace chord::grammar::schema {

// The parts of an allOf admit no common value: a branch of a distributed anyOf may be dropped.
class UnsatisfiableSchema : public Error {
public:
    explicit UnsatisfiableSchema(const std::string& why) : Error(ErrorCode::InvalidArgument, why) {}
};

class SchemaMerger {
public:
    explicit SchemaMerger(const Json& document) : document_(document) {}

    // `schema` without allOf or $ref at its top: one plain schema, or an anyOf of plain schemas.
    Json merge(const Json& schema) const {
        merges_ = 0;
        return merge_parts({schema}, 0);
    }

private:
    static constexpr int kMaxDepth = 64;             // of $ref and allOf inside one another
    static constexpr size_t kMaxAlternatives = 256;  // that distributing anyOf may produce
    static constexpr int kMaxMerges = 10000;         // merge_parts calls for one merge()

    // Appends `part`, its $ref target and its allOf items to `out` as parts without either.
    void flatten(const Json& part, std::vector<Json>& out, int depth) const {
        if (depth > kMaxDepth)
            throw Error(ErrorCode::InvalidArgument, "$ref and allOf nest too deeply (a $ref cycle?)");
        if (part.is_boolean()) {
            if (!part.get<bool>()) throw UnsatisfiableSchema("an allOf part is false");
            return;
        }
        if (!part.is_object()) throw Error(ErrorCode::InvalidArgument, "a schema must be an object or a boolean");
        Json rest = part;
        normalize_draft4_bounds(rest);
        if (rest.contains("$ref")) {
            if (!rest["$ref"].is_string()) throw Error(ErrorCode::InvalidArgument, "$ref must be a string");
            const std::string ref = rest["$ref"].get<std::string>();
            rest.erase("$ref");
            flatten(resolve_ref(document_, ref), out, depth + 1);
        }
        if (rest.contains("allOf")) {
            if (!rest["allOf"].is_array()) throw Error(ErrorCode::InvalidArgument, "allOf must be an array");
            const Json items = rest["allOf"];
            rest.erase("allOf");
            for (const Json& item : items) flatten(item, out, depth + 1);
        }
        out.push_back(std::move(rest));
    }

    Json merge_parts(const std::vector<Json>& parts, int depth) const {
        // Distributing anyOf over a $ref back to itself branches at every level: bound the work.
        if (++merges_ > kMaxMerges)
            throw Error(ErrorCode::InvalidArgument, "allOf, anyOf and $ref expand beyond " +
                                                        std::to_string(kMaxMerges) + " combinations (a $ref cycle?)");
        std::vector<Json> plain;
        for (const Json& part : parts) flatten(part, plain, depth);
        for (size_t i = 0; i < plain.size(); ++i) {
            for (const char* key : {"anyOf", "oneOf"}) {
                if (!plain[i].contains(key)) continue;
                if (!plain[i][key].is_array() || plain[i][key].empty())
                    throw Error(ErrorCode::InvalidArgument, std::string(key) + " must be a non-empty array");
                return distribute(plain, i, key, depth);
            }
        }
        return combine(plain);
    }

    // anyOf over the branches: the parts with plain[at][key] replaced by each of its alternatives.
    Json distribute(const std::vector<Json>& plain, size_t at, const char* key, int depth) const {
        Json without = plain[at];
        without.erase(key);
        Json alternatives = Json::array();
        std::optional<std::string> first_failure;
        for (const Json& alternative : plain[at][key]) {
            std::vector<Json> branch = plain;
            branch[at] = without;
            branch.push_back(alternative);
            try {
                Json merged = merge_parts(branch, depth + 1);
                if (merged.contains("anyOf") && merged.size() == 1) {
                    for (Json& inner : merged["anyOf"]) alternatives.push_back(std::move(inner));
                } else {
                    alternatives.push_back(std::move(merged));
                }
            } catch (const UnsatisfiableSchema& e) {
                if (!first_failure) first_failure = e.what();
            }
            if (alternatives.size() > kMaxAlternatives)
                throw Error(ErrorCode::InvalidArgument, "allOf with anyOf expands to more than " +
                                                            std::to_string(kMaxAlternatives) + " alternatives");
        }
        if (alternatives.empty()) throw UnsatisfiableSchema(*first_failure);
        if (alternatives.size() == 1) return alternatives[0];
        return Json{{"anyOf", alternatives}};
    }

    static std::vector<std::string> type_list(const Json& type) {
        std::vector<std::string> out;
        if (type.is_string())
            out.push_back(type.get<std::string>());
        else if (type.is_array())
            for (const Json& t : type)
                if (t.is_string()) out.push_back(t.get<std::string>());
        return out;
    }

    // The types both allow ("integer" is a "number").
    static Json intersect_types(const Json& a, const Json& b) {
        const std::vector<std::string> left = type_list(a), right = type_list(b);
        const auto has = [](const std::vector<std::string>& v, const std::string& t) {
            return std::find(v.begin(), v.end(), t) != v.end();
        };
        Json out = Json::array();
        for (const std::string& t : json_type_names()) {
            const bool in_left = has(left, t) || (t == "integer" && has(left, "number"));
            const bool in_right = has(right, t) || (t == "integer" && has(right, "number"));
            if (in_left && in_right && !(t == "integer" && out.size() > 0 && out.back() == "number")) out.push_back(t);
        }
        if (out.empty()) throw UnsatisfiableSchema("the allOf parts have no type in common");
        return out.size() == 1 ? out[0] : out;
    }

    static void tighten(Json& have, const Json& value, bool keep_larger, const std::string& key) {
        if (!have.is_number() || !value.is_number()) throw Error(ErrorCode::InvalidArgument, key + " must be a number");
        const bool value_is_larger = value.get<double>() > have.get<double>();
        if (value_is_larger == keep_larger && value.get<double>() != have.get<double>()) have = value;
    }

    Json combine(const std::vector<Json>& parts) const {
        static const std::set<std::string> keep_larger = {"minimum",  "exclusiveMinimum", "minLength",
                                                          "minItems", "minProperties",    "minContains"};
        static const std::set<std::string> keep_smaller = {"maximum",  "exclusiveMaximum", "maxLength",
                                                           "maxItems", "maxProperties",    "maxContains"};
        Json out = Json::object();
        std::vector<const Json*> with_additional;  // parts that say which other properties they allow
        for (const Json& part : parts) {
            for (const auto& [key, value] : part.items()) {
                const KeywordKind kind = keyword_kind(key);
                if (kind == KeywordKind::Annotation || kind == KeywordKind::Unknown) continue;
                if (key == "additionalProperties") {
                    with_additional.push_back(&part);
                    continue;
                }
                if (!out.contains(key)) {
                    out[key] = value;
                    continue;
                }
                Json& have = out[key];
                if (key == "type") {
                    have = intersect_types(have, value);
                } else if (key == "enum") {
                    Json common = Json::array();
                    for (const Json& v : have)
                        if (value.is_array() && std::find(value.begin(), value.end(), v) != value.end())
                            common.push_back(v);
                    if (common.empty()) throw UnsatisfiableSchema("the allOf parts have no enum value in common");
                    have = common;
                } else if (key == "const") {
                    if (have != value) throw UnsatisfiableSchema("the allOf parts have different consts");
                } else if (key == "properties") {
                    for (const auto& [name, schema] : value.items())
                        have[name] = have.contains(name) ? Json{{"allOf", Json::array({have[name], schema})}} : schema;
                } else if (key == "required") {
                    for (const Json& name : value)
                        if (std::find(have.begin(), have.end(), name) == have.end()) have.push_back(name);
                } else if (keep_larger.count(key) || keep_smaller.count(key)) {
                    tighten(have, value, keep_larger.count(key) != 0, key);
                } else if (key == "uniqueItems") {
                    have = have.is_boolean() && value.is_boolean() && (have.get<bool>() || value.get<bool>());
                } else if (key == "items" && !have.is_array() && !value.is_array()) {
                    have = Json{{"allOf", Json::array({have, value})}};
                } else if (have != value) {
                    throw Error(ErrorCode::InvalidArgument,
                                "allOf parts with different \"" + key + "\" cannot be combined");
                }
            }
        }
        if (out.contains("const") && out.contains("enum")) {
            const Json& values = out["enum"];
            if (std::find(values.begin(), values.end(), out["const"]) == values.end())
                throw UnsatisfiableSchema("the allOf const is not among its enum values");
            out.erase("enum");
        }
        apply_additional_properties(out, with_additional);
        return out;
    }

    // A part's additionalProperties speaks of the names it does not declare itself: false drops
    // those names from the merged properties, a schema adds itself to their schemas.
    static void apply_additional_properties(Json& out, const std::vector<const Json*>& parts) {
        bool any_false = false, any_true = false;
        Json schemas = Json::array();
        for (const Json* part : parts) {
            const Json& additional = (*part)["additionalProperties"];
            if (is_vacuous("additionalProperties", additional)) {
                any_true = true;
                continue;
            }
            const bool is_false = additional.is_boolean();
            any_false = any_false || is_false;
            if (!is_false) schemas.push_back(additional);
            if (!out.contains("properties")) continue;
            const Json declared = part->contains("properties") ? (*part)["properties"] : Json::object();
            Json kept = Json::object();
            for (const auto& [name, schema] : out["properties"].items()) {
                if (declared.contains(name)) {
                    kept[name] = schema;
                } else if (!is_false) {
                    kept[name] = Json{{"allOf", Json::array({schema, additional})}};
                } else if (out.contains("required") &&
                           std::find(out["required"].begin(), out["required"].end(), name) != out["required"].end()) {
                    throw UnsatisfiableSchema("property \"" + name +
                                              "\" is required by one allOf part and not allowed by another");
                }
            }
            out["properties"] = kept;
        }
        if (any_false)
            out["additionalProperties"] = false;
        else if (schemas.size() == 1)
            out["additionalProperties"] = schemas[0];
        else if (schemas.size() > 1)
            out["additionalProperties"] = Json{{"allOf", schemas}};
        else if (any_true)
            out["additionalProperties"] = true;
    }

    const Json& document_;
    mutable int merges_ = 0;
};

}  // namespace chord::grammar::schema
