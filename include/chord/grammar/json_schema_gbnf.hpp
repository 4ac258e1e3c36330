// JSON Schema → GBNF: the grammar behind OpenAI's response_format {type: "json_schema"} and
// {type: "json_object"}, in the shapes llama.cpp's converter gives (its users expect them).
//
// Honoured: type (and lists of types), enum, const, anyOf, oneOf (as anyOf), allOf (merged),
// local $ref; strings by minLength/maxLength, pattern, format date, time, date-time, uuid;
// integers and numbers by (exclusive) minimum/maximum; objects by properties (in the schema's
// order, the optional ones may be left out), required, additionalProperties (absent means none
// when properties are declared, as in llama.cpp); arrays by items, prefixItems, minItems, maxItems.
// A keyword that restricts values and cannot be written is an Error(InvalidArgument) naming where
// it is, never dropped, with one exception: "uniqueItems": true, which no grammar can check (it
// would have to remember every item); it is listed in JsonSchemaGrammar::unenforced and in a
// comment at the top of the grammar. An empty schema at the top means any object (a response is
// an object), deeper it means any value.
#pragma once

#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chord/error.hpp"
#include "chord/grammar/json_schema_chars.hpp"
#include "chord/grammar/json_schema_keywords.hpp"
#include "chord/grammar/json_schema_merge.hpp"
#include "chord/grammar/json_schema_numbers.hpp"
#include "chord/grammar/json_schema_objects.hpp"
#include "chord/grammar/json_schema_pattern.hpp"
#include "chord/grammar/json_schema_primitives.hpp"
#include "chord/grammar/json_schema_refs.hpp"
#include "chord/grammar/json_schema_rules.hpp"
#include "chord/grammar/json_schema_values.hpp"

namespace chord::grammar {

struct JsonSchemaGrammar {
    std::string gbnf;                     // root rule "root"
    std::vector<std::string> unenforced;  // "uniqueItems at /properties/tags": for the caller to check
};

namespace schema {

class JsonSchemaConverter {
public:
    explicit JsonSchemaConverter(const Json& document)
        : document_(document), rules_(primitive_rule_names()), merger_(document) {}

    JsonSchemaGrammar convert() {
        refs_["#"] = {"root", 0, true};
        return grammar_with_root(expression(document_, "", "", /*top_level=*/true));
    }

    // For grammars that put JSON values inside other text (tool calls): rules for the schemas at
    // `ref`s of the document ("#/$defs/x"), rules of the caller's own, then the grammar under the
    // caller's root.
    std::string rule_for_ref(const std::string& ref) { return ref_rule(Json(ref), ref.substr(1)); }
    std::string add_rule(const std::string& wanted, const std::string& body) { return rules_.add(wanted, body); }
    std::string primitive_rule(const std::string& name) { return primitive(name); }  // "space", "string", …
    JsonSchemaGrammar grammar_with_root(const std::string& root_body) {
        rules_.define("root", root_body);
        std::vector<std::string> header;
        for (const std::string& note : unenforced_) header.push_back(note + ": not enforced by this grammar");
        return {rules_.text(header), unenforced_};
    }

private:
    struct RefState {
        std::string rule;
        int depth;  // objects and arrays around the $ref where its rule was begun
        bool in_progress;
    };

    // Inside an object's or an array's value: a $ref back to a rule begun outside is recursion
    // through a bracket, which a grammar can follow.
    struct NestedValue {
        explicit NestedValue(int& depth) : depth_(depth) { ++depth_; }
        ~NestedValue() { --depth_; }
        int& depth_;
    };

    [[noreturn]] static void fail(const std::string& at, const std::string& why) {
        throw Error(ErrorCode::InvalidArgument, "json schema at " + (at.empty() ? std::string("/") : at) + ": " + why);
    }
    static Error in_context(const std::string& at, const Error& e) {
        return e.with_context("json schema at " + (at.empty() ? std::string("/") : at) + ": ");
    }

    static std::string join_name(const std::string& path, const std::string& part) {
        return join_rule_name(path, part);
    }
    static bool is_rule_name(const std::string& expr) {
        return !expr.empty() && is_gbnf_atom(expr) && expr[0] != '"' && expr[0] != '[' && expr[0] != '(';
    }

    std::string primitive(const std::string& name) { return use_primitive(rules_, name); }

    // A rule name for `schema`: the rule it already is, or a new one named from `path`.
    std::string rule_for(const Json& schema, const std::string& path, const std::string& at) {
        const std::string expr = expression(schema, path, at);
        return is_rule_name(expr) ? expr : rules_.add(path, expr);
    }

    // The GBNF expression for the values `schema` accepts.
    std::string expression(const Json& schema, const std::string& path, const std::string& at, bool top_level = false) {
        if (schema.is_boolean()) {
            if (!schema.get<bool>()) fail(at, "the schema false accepts no value");
            return primitive(top_level ? "object" : "value");
        }
        if (!schema.is_object()) fail(at, "a schema must be an object or a boolean");
        Json s = schema;
        normalize_draft4_bounds(s);
        for (const char* keyword : {"not", "$dynamicRef", "$recursiveRef"})
            if (s.contains(keyword)) fail(at, std::string("\"") + keyword + "\" is not supported");
        const auto restricts = [&](const char* keyword) {
            return s.contains(keyword) && s[keyword] != Json(true) && s[keyword] != Json::object();
        };
        if (s.contains("if") && (restricts("then") || restricts("else")))
            fail(at, "\"if\"/\"then\"/\"else\" is not supported");
        if (s.contains("$ref")) {
            if (restricting_keywords(s, {"$ref"}).empty()) return ref_rule(s["$ref"], at);
            return merged_expression(s, path, at, top_level);
        }
        if (s.contains("allOf")) return merged_expression(s, path, at, top_level);
        if (s.contains("anyOf") || s.contains("oneOf")) {
            const char* key = s.contains("anyOf") ? "anyOf" : "oneOf";
            if (restricting_keywords(s, {key}).empty()) return union_expression(s[key], path, at + "/" + key);
            return merged_expression(s, path, at, top_level);
        }
        // Listed values are checked against the declared type only: {"enum": [1, "ab"], "minLength": 2}
        // allows 1, as minLength speaks of strings alone.
        if (s.contains("enum") || s.contains("const"))
            return literal_expression(s, s.contains("type") ? type_list(s, at) : std::vector<std::string>{}, at);
        std::vector<std::string> types = type_list(s, at);
        if (types.empty()) return primitive(top_level ? "object" : "value");
        const bool has_number = std::find(types.begin(), types.end(), "number") != types.end();
        std::vector<std::string> alternatives;
        for (const std::string& type : types)
            if (!(type == "integer" && has_number)) alternatives.push_back(typed_expression(s, type, path, at));
        return join_alternatives(alternatives);
    }

    std::string merged_expression(const Json& s, const std::string& path, const std::string& at, bool top_level) {
        Json merged;
        try {
            merged = merger_.merge(s);
        } catch (const Error& e) {
            throw in_context(at, e);
        }
        return expression(merged, path, at, top_level);
    }

    std::string union_expression(const Json& alternatives, const std::string& path, const std::string& at) {
        if (!alternatives.is_array() || alternatives.empty()) fail(at, "must be a non-empty array");
        std::vector<std::string> rules;
        for (size_t i = 0; i < alternatives.size(); ++i) {
            const std::string name =
                path.empty() ? "alternative-" + std::to_string(i) : join_name(path, std::to_string(i));
            rules.push_back(rule_for(alternatives[i], name, at + "/" + std::to_string(i)));
        }
        return join_alternatives(rules);
    }

    std::string ref_rule(const Json& ref_value, const std::string& at) {
        if (!ref_value.is_string()) fail(at, "$ref must be a string");
        const std::string ref = ref_value.get<std::string>();
        const auto found = refs_.find(ref);
        if (found != refs_.end()) {
            if (found->second.in_progress && found->second.depth == nesting_)
                fail(at, "$ref \"" + ref + "\" comes back to itself before any object or array: its values never end");
            return found->second.rule;
        }
        const Json* target = nullptr;
        std::string name;
        try {
            target = &resolve_ref(document_, ref);
            name = rules_.reserve(ref_rule_name(ref));
        } catch (const Error& e) {
            throw in_context(at, e);
        }
        refs_[ref] = {name, nesting_, true};
        const std::string body = expression(*target, name, ref.substr(1));
        rules_.define(name, body);
        refs_[ref].in_progress = false;
        return name;
    }

    // The types `s` allows: its "type", else those its keywords speak of ({"minLength": 1} is for
    // strings, as llama.cpp reads it); empty for any value.
    static std::vector<std::string> type_list(const Json& s, const std::string& at) {
        std::vector<std::string> types;
        const auto add = [&](const std::string& type) {
            if (std::find(types.begin(), types.end(), type) == types.end()) types.push_back(type);
        };
        if (s.contains("type")) {
            const Json& type = s["type"];
            const Json listed = type.is_array() ? type : Json::array({type});
            for (const Json& t : listed) {
                const auto& names = json_type_names();
                if (!t.is_string() || std::find(names.begin(), names.end(), t.get<std::string>()) == names.end())
                    fail(at, "unknown type " + t.dump());
                add(t.get<std::string>());
            }
            if (types.empty()) fail(at, "\"type\": [] allows no value");
            return types;
        }
        for (const std::string& keyword : restricting_keywords(s)) {
            switch (keyword_kind_in(s, keyword)) {
                case KeywordKind::Object: add("object"); break;
                case KeywordKind::Array: add("array"); break;
                case KeywordKind::String: add("string"); break;
                case KeywordKind::Number: add("number"); break;
                default: break;
            }
        }
        return types;
    }

    // enum/const: the listed values that the rest of the schema allows, each as its JSON text.
    std::string literal_expression(const Json& s, const std::vector<std::string>& types, const std::string& at) {
        Json candidates = Json::array();
        if (s.contains("enum")) {
            if (!s["enum"].is_array()) fail(at, "enum must be an array");
            candidates = s["enum"];
        }
        if (s.contains("const")) {
            const bool listed =
                !s.contains("enum") || std::find(candidates.begin(), candidates.end(), s["const"]) != candidates.end();
            candidates = listed ? Json::array({s["const"]}) : Json::array();
        }
        std::vector<std::string> literals;
        for (const Json& value : candidates) {
            std::string problem;
            const bool allowed = literal_allowed(s, types, value, problem);
            if (!problem.empty()) fail(at, problem);
            const std::string literal = gbnf_literal(json_value_text(value));
            if (allowed && std::find(literals.begin(), literals.end(), literal) == literals.end())
                literals.push_back(literal);
        }
        if (literals.empty()) fail(at, "no value of enum/const satisfies the rest of the schema");
        return join_alternatives(literals);
    }

    std::string typed_expression(const Json& s, const std::string& type, const std::string& path,
                                 const std::string& at) {
        if (type == "null" || type == "boolean") return primitive(type);
        if (type == "string") return string_expression(s, path, at);
        if (type == "object") return object_expression(s, path, at);
        if (type == "array") return array_expression(s, path, at);
        return number_expression(s, type == "integer", at);
    }

    // Fails for each keyword of `kind` in `s` outside `supported`.
    static void check_supported(const Json& s, KeywordKind kind, const std::vector<std::string>& supported,
                                const std::string& at) {
        for (const std::string& keyword : restricting_keywords(s, supported))
            if (keyword_kind_in(s, keyword) == kind) fail(at, "\"" + keyword + "\" is not supported");
    }

    static std::optional<uint64_t> count_keyword(const Json& s, const char* keyword, const std::string& at) {
        if (!s.contains(keyword)) return std::nullopt;
        const Json& v = s[keyword];
        if (!v.is_number() || v.get<double>() < 0 || std::floor(v.get<double>()) != v.get<double>())
            fail(at, std::string(keyword) + " must be a whole number >= 0");
        // Far past any count a grammar can repeat (GbnfRules::repeat refuses those), and safe to cast.
        constexpr double kLargestCount = 1e15;
        return uint64_t(std::min(v.get<double>(), kLargestCount));
    }

    std::string string_expression(const Json& s, const std::string& path, const std::string& at) {
        check_supported(s, KeywordKind::String, {"minLength", "maxLength", "pattern", "format"}, at);
        const std::optional<uint64_t> min_length = count_keyword(s, "minLength", at);
        const std::optional<uint64_t> max_length = count_keyword(s, "maxLength", at);
        const bool has_length = min_length || max_length;
        if (min_length && max_length && *min_length > *max_length) fail(at, "minLength is above maxLength");
        const bool has_format = s.contains("format") && keyword_kind_in(s, "format") == KeywordKind::String;
        const std::string quote = "\"\\\"\"";
        if (s.contains("pattern")) {
            if (!s["pattern"].is_string()) fail(at, "pattern must be a string");
            if (has_length || has_format)
                fail(at, "pattern together with minLength, maxLength or format is not supported");
            try {
                return pattern_to_gbnf(s["pattern"].get<std::string>(), rules_, path.empty() ? "pattern" : path);
            } catch (const Error& e) {
                throw in_context(at, e);
            }
        }
        if (has_format) {
            if (!s["format"].is_string()) fail(at, "format must be a string");
            const std::string format = s["format"].get<std::string>();
            if (has_length) fail(at, "format together with minLength or maxLength is not supported");
            const bool uuid = format == "uuid" || (format.size() == 5 && format.compare(0, 4, "uuid") == 0 &&
                                                   format[4] >= '1' && format[4] <= '5');
            if (uuid) return gbnf_sequence({quote, primitive("uuid"), quote});
            if (format == "date" || format == "time" || format == "date-time")
                return gbnf_sequence({quote, primitive(format), quote});
            fail(at, "format \"" + format + "\" is not supported (date, time, date-time, uuid are)");
        }
        if (has_length) {
            const std::string chars =
                rules_.repeat(join_name(path, "char"), primitive("char"), min_length.value_or(0), max_length);
            return gbnf_sequence({quote, chars, quote});
        }
        return primitive("string");
    }

    std::string number_expression(const Json& s, bool integer, const std::string& at) {
        check_supported(s, KeywordKind::Number,
                        {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "format"}, at);
        if (s.contains("multipleOf")) {
            const Json& m = s["multipleOf"];
            if (!(integer && m.is_number() && m.get<double>() == 1))
                fail(at, "multipleOf is not supported (but 1 for integers)");
        }
        NumberBounds bounds;
        try {
            bounds = number_bounds(s);
        } catch (const Error& e) {
            throw in_context(at, e);
        }
        if (!bounds.low && !bounds.high) return primitive(integer ? "integer" : "number");
        try {
            return integer ? integer_range(bounds) : number_range(bounds);
        } catch (const Error& e) {
            throw in_context(at, e);
        }
    }

    std::string object_expression(const Json& s, const std::string& path, const std::string& at) {
        check_supported(s, KeywordKind::Object, {"properties", "required", "additionalProperties"}, at);
        const Json properties = s.contains("properties") ? s["properties"] : Json::object();
        const Json required = s.contains("required") ? s["required"] : Json::array();
        if (!properties.is_object()) fail(at, "properties must be an object");
        if (!required.is_array()) fail(at, "required must be an array");
        const auto is_required = [&](const std::string& name) {
            return std::find(required.begin(), required.end(), Json(name)) != required.end();
        };
        const Json additional = s.contains("additionalProperties") ? s["additionalProperties"] : Json();
        if (!additional.is_null() && !additional.is_boolean() && !additional.is_object())
            fail(at, "additionalProperties must be a boolean or a schema");
        if (properties.empty() && required.empty() &&
            (additional.is_null() || is_vacuous("additionalProperties", additional)))
            return primitive("object");
        // Without additionalProperties, declared properties are all there is (llama.cpp's choice).
        const bool allows_others = additional.is_null() ? properties.empty() : additional != Json(false);
        const std::string space = primitive("space");
        std::vector<ObjectMember> members;
        std::vector<std::string> names;
        const auto add_member = [&](const std::string& name, const std::string& value_rule, bool is_required_member) {
            const std::string kv = rules_.add(join_name(path, name) + "-kv", gbnf_literal(json_string_text(name)) +
                                                                                 " space \":\" space " + value_rule);
            members.push_back({name, kv, is_required_member, false});
            names.push_back(name);
        };
        for (const auto& [name, property] : properties.items()) {
            if (property == Json(false)) {  // a property that must be absent
                if (is_required(name)) fail(at, "required property \"" + name + "\" has the schema false");
                names.push_back(name);
                continue;
            }
            NestedValue nested(nesting_);
            add_member(name, rule_for(property, join_name(path, name), at + "/properties" + pointer_token(name)),
                       is_required(name));
        }
        for (const Json& name : required) {
            if (!name.is_string()) fail(at, "required must list strings");
            const std::string key = name.get<std::string>();
            if (properties.contains(key) || std::find(names.begin(), names.end(), key) != names.end()) continue;
            if (!allows_others)
                fail(at, "required property \"" + key + "\" is not among the properties, and no others are allowed");
            NestedValue nested(nesting_);
            add_member(key, additional_value_rule(additional, path, at), true);
        }
        if (allows_others) {
            std::string value_rule;
            {
                NestedValue nested(nesting_);
                value_rule = additional_value_rule(additional, path, at);
            }
            const std::string key = names.empty()
                                        ? primitive("string")
                                        : rules_.add(join_name(path, "additional-key"),
                                                     key_other_than(rules_, names, join_name(path, "additional-key")));
            const std::string kv =
                rules_.add(join_name(path, "additional-kv"), key + " space \":\" space " + value_rule);
            members.push_back({"additional", kv, false, true});
        }
        if (members.empty()) return "\"{\" " + space + " \"}\"";
        bool any_required = false;
        for (const ObjectMember& m : members) any_required = any_required || m.required;
        const std::string body = members_expression(rules_, members, path);
        if (any_required) return gbnf_sequence({"\"{\"", space, body, space, "\"}\""});
        return gbnf_sequence(
            {"\"{\"", space, rules_.repeat(join_name(path, "members"), gbnf_sequence({body, space}), 0, 1), "\"}\""});
    }

    std::string additional_value_rule(const Json& additional, const std::string& path, const std::string& at) {
        if (additional.is_object() && !additional.empty())
            return rule_for(additional, join_name(path, "additional-value"), at + "/additionalProperties");
        return primitive("value");
    }

    std::string array_expression(const Json& s, const std::string& path, const std::string& at) {
        check_supported(s, KeywordKind::Array,
                        {"items", "prefixItems", "additionalItems", "minItems", "maxItems", "uniqueItems"}, at);
        if (s.contains("uniqueItems") && !is_vacuous("uniqueItems", s["uniqueItems"]))
            unenforced_.push_back("uniqueItems at " + (at.empty() ? std::string("/") : at));
        // The tuple (prefixItems, or items as a list in older drafts) is written whole, as llama.cpp
        // does; the items after it follow "items" (or "additionalItems"), none when absent.
        Json tuple = Json::array();
        std::optional<Json> rest;
        std::string rest_at = at + "/items";
        if (s.contains("prefixItems") && s["prefixItems"].is_array()) {
            tuple = s["prefixItems"];
            if (s.contains("items")) rest = s["items"];
        } else if (s.contains("items") && s["items"].is_array()) {
            tuple = s["items"];
            if (s.contains("additionalItems")) rest = s["additionalItems"];
            rest_at = at + "/additionalItems";
        } else if (s.contains("items")) {
            rest = s["items"];
        } else if (s.contains("prefixItems")) {  // a single schema: llama.cpp reads it as "items"
            rest = s["prefixItems"];
            rest_at = at + "/prefixItems";
        } else {
            rest = Json(true);
        }
        if (rest && *rest == Json(false)) rest.reset();
        const uint64_t min_items = count_keyword(s, "minItems", at).value_or(0);
        const std::optional<uint64_t> max_items = count_keyword(s, "maxItems", at);
        const uint64_t k = tuple.size();
        if (max_items && min_items > *max_items) fail(at, "minItems is above maxItems");
        if (max_items && *max_items < k) fail(at, "maxItems is below the number of prefixItems, which are all written");
        if (!rest && min_items > k) fail(at, "minItems asks for more items than the tuple allows");
        const std::string space = primitive("space");
        std::vector<std::string> parts;
        {
            NestedValue nested(nesting_);
            for (uint64_t i = 0; i < k; ++i) {
                const std::string item =
                    rule_for(tuple[i], join_name(path, "tuple-" + std::to_string(i)),
                             (s.contains("prefixItems") ? at + "/prefixItems/" : at + "/items/") + std::to_string(i));
                parts.push_back(i == 0 ? item : "\",\" space " + item);
            }
        }
        const uint64_t rest_min = min_items > k ? min_items - k : 0;
        const std::optional<uint64_t> rest_max = !rest       ? std::optional<uint64_t>(0)
                                                 : max_items ? std::optional<uint64_t>(*max_items - k)
                                                             : std::nullopt;
        if (rest_max && *rest_max == 0) {
            if (k == 0) return "\"[\" " + space + " \"]\"";
            return gbnf_sequence({"\"[\"", space, gbnf_sequence(parts), space, "\"]\""});
        }
        std::string item;
        {
            NestedValue nested(nesting_);
            item = is_vacuous("items", *rest) ? primitive("value") : rule_for(*rest, join_name(path, "item"), rest_at);
        }
        const std::string repeat_name = join_name(path, "items");
        if (k > 0) {
            parts.push_back(rules_.repeat(repeat_name, "\",\" space " + item, rest_min, rest_max));
            return gbnf_sequence({"\"[\"", space, gbnf_sequence(parts), space, "\"]\""});
        }
        std::optional<uint64_t> more_max;  // (assigned, not a ternary: GCC 12 thinks the ternary's copy uninitialized)
        if (rest_max) more_max = *rest_max - 1;
        const std::string elements = gbnf_sequence(
            {item, rules_.repeat(repeat_name, "\",\" space " + item, rest_min > 0 ? rest_min - 1 : 0, more_max)});
        if (rest_min > 0) return gbnf_sequence({"\"[\"", space, elements, space, "\"]\""});
        return gbnf_sequence(
            {"\"[\"", space, rules_.repeat(repeat_name, gbnf_sequence({elements, space}), 0, 1), "\"]\""});
    }

    const Json& document_;
    GbnfRules rules_;
    SchemaMerger merger_;
    std::map<std::string, RefState> refs_;
    int nesting_ = 0;  // objects and arrays around the value being converted
    std::vector<std::string> unenforced_;
};

}  // namespace schema

// The grammar (root rule "root") of the JSON documents valid under `schema`, and what it leaves
// to the caller. Throws Error(InvalidArgument, "json schema at /path: ...") for a schema it
// cannot honour.
inline JsonSchemaGrammar convert_json_schema(const nlohmann::ordered_json& schema) {
    try {
        return schema::JsonSchemaConverter(schema).convert();
    } catch (const nlohmann::json::exception& e) {  // a keyword with a value of the wrong type
        throw Error(ErrorCode::InvalidArgument, std::string("json schema: ") + e.what());
    }
}

// GBNF text (llama.cpp's grammar format, root rule "root") accepting the JSON documents valid
// under `schema`.
inline std::string json_schema_to_gbnf(const nlohmann::ordered_json& schema) {
    return convert_json_schema(schema).gbnf;
}

// GBNF for any JSON object (response_format json_object): an object at the top, any values inside.
inline std::string json_object_gbnf() { return json_schema_to_gbnf(nlohmann::ordered_json{{"type", "object"}}); }

}  // namespace chord::grammar
