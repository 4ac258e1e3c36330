// "$ref" within one schema document: "#" and "#/json/pointer" (RFC 6901 with ~0 ~1, and the
// %XX of a URI fragment). Remote and relative references would need fetching: they are an
// Error(InvalidArgument), as are anchors ("#name").
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chord/error.hpp"

namespace chord::grammar::schema {

using Json = nlohmann::ordered_json;

// "/" and a property name as a JSON pointer writes it ("a/b" → "/a~1b"): to extend a pointer.
inline std::string pointer_token(const std::string& key) {
    std::string out = "/";
    for (const char c : key) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
    return out;
}

// The tokens of the JSON pointer of a local reference ("#/a/b" → {"a", "b"}).
inline std::vector<std::string> ref_pointer_tokens(const std::string& ref) {
    if (ref.empty() || ref[0] != '#') {
        const bool remote = ref.find("://") != std::string::npos;
        throw Error(ErrorCode::InvalidArgument,
                    "$ref \"" + ref + "\": " +
                        (remote ? "remote references are not supported (only \"#/...\" within the schema)"
                                : "only references within the schema (\"#/...\") are supported"));
    }
    if (ref.size() > 1 && ref[1] != '/')
        throw Error(ErrorCode::InvalidArgument,
                    "$ref \"" + ref + "\": anchors are not supported, only JSON pointers \"#/...\"");
    std::string pointer;
    for (size_t i = 1; i < ref.size(); ++i) {  // URI fragments may percent-encode
        const auto hex = [](char c) {
            return c >= '0' && c <= '9'   ? c - '0'
                   : c >= 'a' && c <= 'f' ? c - 'a' + 10
                   : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                          : -1;
        };
        if (ref[i] == '%' && i + 2 < ref.size() && hex(ref[i + 1]) >= 0 && hex(ref[i + 2]) >= 0) {
            pointer += char(hex(ref[i + 1]) * 16 + hex(ref[i + 2]));
            i += 2;
        } else {
            pointer += ref[i];
        }
    }
    std::vector<std::string> tokens;
    if (pointer.empty()) return tokens;
    size_t start = 1;  // past the leading '/'
    while (true) {
        const size_t slash = pointer.find('/', start);
        std::string token = pointer.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        std::string unescaped;
        for (size_t i = 0; i < token.size(); ++i) {
            if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
                unescaped += token[i + 1] == '0' ? '~' : '/';
                ++i;
            } else {
                unescaped += token[i];
            }
        }
        tokens.push_back(std::move(unescaped));
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    return tokens;
}

// The subschema a local reference points to.
inline const Json& resolve_ref(const Json& document, const std::string& ref) {
    const Json* at = &document;
    for (const std::string& token : ref_pointer_tokens(ref)) {
        if (at->is_object() && at->contains(token)) {
            at = &(*at)[token];
        } else if (at->is_array() && !token.empty() && token.find_first_not_of("0123456789") == std::string::npos &&
                   token.size() < 10 && std::stoul(token) < at->size()) {
            at = &(*at)[std::stoul(token)];
        } else {
            throw Error(ErrorCode::InvalidArgument,
                        "$ref \"" + ref + "\" points to nothing: no \"" + token + "\" there");
        }
    }
    return *at;
}

// A readable rule name for a reference: "#/definitions/foo" and "#/$defs/foo" → "foo", others
// their path ("#/properties/a/anyOf/0" → "properties-a-anyOf-0").
inline std::string ref_rule_name(const std::string& ref) {
    const std::vector<std::string> tokens = ref_pointer_tokens(ref);
    if (tokens.empty()) return "root";
    if (tokens.size() == 2 && (tokens[0] == "definitions" || tokens[0] == "$defs")) return tokens[1];
    std::string name;
    for (const std::string& token : tokens) name += (name.empty() ? "" : "-") + token;
    return name;
}

}  // namespace chord::grammar::schema
