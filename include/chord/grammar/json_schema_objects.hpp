// The members of a JSON object as GBNF: the declared properties in the schema's order, each
// optional one possibly absent and commas only between those present, then any number of
// others whose keys are none of the declared names.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "chord/grammar/json_schema_chars.hpp"
#include "chord/grammar/json_schema_primitives.hpp"
#include "chord/grammar/json_schema_rules.hpp"
#include "chord/unicode.hpp"

namespace chord::grammar::schema {

struct ObjectMember {
    std::string name;     // the property's; "additional" for the others
    std::string kv_rule;  // key, ":" and value
    bool required;
    bool repeated;  // the additional properties: any number of them, always last
};

// The members in order, with commas only between those present. The first member present is one
// up to the first required one; what may follow member i is a rule "after-<name of i>", shared by
// the alternatives that reach it. `path` names the object's rules.
inline std::string members_expression(GbnfRules& rules, const std::vector<ObjectMember>& members,
                                      const std::string& path) {
    const size_t n = members.size();
    const auto after = [&](size_t i) {
        const std::string item = "\",\" space " + members[i].kv_rule;
        if (members[i].repeated) return gbnf_repeat(item, 0, std::nullopt);
        return members[i].required ? item : gbnf_repeat(item, 0, 1);
    };
    const auto first = [&](size_t i) {
        const std::string& kv = members[i].kv_rule;
        return members[i].repeated ? gbnf_sequence({kv, gbnf_repeat("\",\" space " + kv, 0, std::nullopt)}) : kv;
    };
    size_t last_start = n - 1;  // the last member that can come first: the first required one
    for (size_t i = 0; i < n; ++i) {
        if (members[i].required) {
            last_start = i;
            break;
        }
    }
    // followers[j]: the members from j on, each after a comma.
    std::vector<std::string> followers(n + 1);
    std::vector<std::string> tail;
    for (size_t j = last_start + 1; j < n; ++j) tail.push_back(after(j));
    followers[last_start + 1] = gbnf_sequence(tail);
    if (last_start == 0) return gbnf_sequence({first(0), followers[1]});
    for (size_t j = last_start + 1; j >= 1; --j) {
        if (j <= last_start) followers[j] = gbnf_sequence({after(j), followers[j + 1]});
        if (!followers[j].empty())
            followers[j] =
                rules.add(join_rule_name(path, "after-" + join_rule_name("", members[j - 1].name)), followers[j]);
    }
    std::vector<std::string> starts;
    for (size_t i = 0; i <= last_start; ++i) starts.push_back(gbnf_sequence({first(i), followers[i + 1]}));
    return join_alternatives(starts);
}

// A JSON string (quotes included) that is none of `names`, read character by character down a
// trie of the names: at each point any other character sets the key apart, and the key may end
// wherever no name does. Keys use one spelling per character (key-char), so an escape cannot
// spell a name in disguise ("\u0061" for "a"). `name` names the rules it may need.
inline std::string key_other_than(GbnfRules& rules, const std::vector<std::string>& names, const std::string& name) {
    struct Node {
        std::map<uint32_t, size_t> children;  // code point → node index
        bool is_name = false;
    };
    std::vector<Node> nodes(1);
    for (const std::string& declared : names) {
        json_string_text(declared);  // rejects invalid UTF-8
        size_t at = 0;
        for (const uint32_t cp : decode_utf8_lenient(declared)) {
            auto found = nodes[at].children.find(cp);
            if (found == nodes[at].children.end()) {
                nodes.emplace_back();
                found = nodes[at].children.emplace(cp, nodes.size() - 1).first;
            }
            at = found->second;
        }
        nodes[at].is_name = true;
    }
    const std::string key_char = use_primitive(rules, "key-char");
    const auto expr = [&](size_t at, const auto& self) -> std::string {
        const Node& node = nodes[at];
        if (node.children.empty()) return key_char + "+";
        std::vector<std::string> alternatives;
        CodepointSet others = CodepointSet::all();
        bool children_raw = true;
        for (const auto& [cp, child] : node.children) {
            alternatives.push_back(gbnf_sequence({gbnf_literal(json_char_text(cp)), self(child, self)}));
            others = others.minus(CodepointSet().add(cp));
            children_raw = children_raw && is_raw_in_json_string(cp);
        }
        const std::string other =
            children_raw ? raw_json_chars(others) + " | " + use_primitive(rules, "key-escape") : json_chars(others);
        alternatives.push_back(gbnf_sequence({"( " + other + " )", key_char + "*"}));
        const std::string group = "( " + join_alternatives(alternatives) + " )";
        return node.is_name ? group : rules.repeat(name + "-rest", group, 0, 1);
    };
    return gbnf_sequence({"\"\\\"\"", expr(0, expr), "\"\\\"\""});
}

}  // namespace chord::grammar::schema
