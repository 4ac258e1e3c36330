// The built-in rules of a JSON grammar: whitespace, any value, strings, numbers, and the string
// formats. Their names are reserved, and each is written into a grammar only when used.
//
// Whitespace is bounded as in llama.cpp: between tokens at most one space, or one or two newlines
// and up to 20 spaces or tabs of indentation, so that a model cannot run away with blanks. It may
// follow "{" "[" "," ":" and a key, and precede "}" "]".
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "chord/grammar/json_schema_chars.hpp"
#include "chord/grammar/json_schema_rules.hpp"

namespace chord::grammar::schema {

struct PrimitiveRule {
    std::string body;
    std::vector<std::string> uses;  // the other primitives the body refers to
};

inline const std::map<std::string, PrimitiveRule>& primitive_rules() {
    static const std::map<std::string, PrimitiveRule> rules = {
        {"space", {"( \" \" | \"\\n\"{1,2} [ \\t]{0,20} )?", {}}},
        {"value",
         {"object | array | string | number | boolean | null",
          {"object", "array", "string", "number", "boolean", "null"}}},
        {"object", {"\"{\" space ( member ( \",\" space member )* space )? \"}\"", {"space", "member"}}},
        {"member", {"string space \":\" space value", {"string", "space", "value"}}},
        {"array", {"\"[\" space ( value ( \",\" space value )* space )? \"]\"", {"space", "value"}}},
        {"string", {"\"\\\"\" char* \"\\\"\"", {"char"}}},
        // Any spelling of a character: the escapes \/ and \uXXXX included.
        {"char", {"[^\"\\\\\\x00-\\x1F\\x7F] | \"\\\\\" ( [\"\\\\/bfnrt] | \"u\" [0-9a-fA-F]{4} )", {}}},
        // A character of a key that must differ from the declared names: one spelling per character.
        {"key-char", {raw_json_chars(CodepointSet::all()) + " | key-escape", {"key-escape"}}},
        {"key-escape", {join_alternatives(escaped_json_chars(CodepointSet::all())), {}}},
        {"number",
         {"integer ( \".\" decimal-part )? ( [eE] ( \"+\" | \"-\" )? integral-part )?",
          {"integer", "decimal-part", "integral-part"}}},
        {"integer", {"\"-\"? integral-part", {"integral-part"}}},
        {"integral-part", {"\"0\" | [1-9] [0-9]{0,15}", {}}},
        {"decimal-part", {"[0-9]{1,16}", {}}},
        {"boolean", {"\"true\" | \"false\"", {}}},
        {"null", {"\"null\"", {}}},
        {"date",
         {"[0-9]{4} \"-\" ( \"0\" [1-9] | \"1\" [0-2] ) \"-\" ( \"0\" [1-9] | [1-2] [0-9] | \"3\" [0-1] )", {}}},
        {"time",
         {"( [01] [0-9] | \"2\" [0-3] ) \":\" [0-5] [0-9] \":\" [0-5] [0-9] ( \".\" [0-9]{1,9} )? "
          "( \"Z\" | ( \"+\" | \"-\" ) ( [01] [0-9] | \"2\" [0-3] ) \":\" [0-5] [0-9] )",
          {}}},
        {"date-time", {"date \"T\" time", {"date", "time"}}},
        {"uuid",
         {"[0-9a-fA-F]{8} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{12}", {}}},
    };
    return rules;
}

inline std::set<std::string> primitive_rule_names() {
    std::set<std::string> names = {"root"};
    for (const auto& [name, rule] : primitive_rules()) names.insert(name);
    return names;
}

// Writes primitive `name` (and those it uses) into `rules` once; returns the name.
inline std::string use_primitive(GbnfRules& rules, const std::string& name) {
    if (rules.has(name)) return name;
    const PrimitiveRule& rule = primitive_rules().at(name);
    rules.define(name, rule.body);
    for (const std::string& used : rule.uses) use_primitive(rules, used);
    return name;
}

}  // namespace chord::grammar::schema
