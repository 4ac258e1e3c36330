// A parsed GBNF grammar: llama.cpp's grammar format, in llama.cpp's own representation.
//
// Each rule is a flat list of elements: alternatives separated by Alt, the list closed by End.
// A character class is one Char / CharNot / CharAny element followed by CharAlt elements for
// further characters, each optionally followed by CharRangeUpper making it a range:
//
//   [a-z_]   →  Char 'a', CharRangeUpper 'z', CharAlt '_'
//   "ab" | x →  Char 'a', Char 'b', Alt, RuleRef x, End
//
// Groups and repetitions become generated rules (root_1, root_2, …) numbered as llama.cpp numbers
// them, so that a grammar's rules read the same here as in llama.cpp's tools and tests.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace chord::grammar {

enum class ElementType : uint32_t {
    End = 0,             // end of the rule
    Alt = 1,             // start of another alternative
    RuleRef = 2,         // value: a rule id
    Char = 3,            // value: a code point (the start of a character class)
    CharNot = 4,         // value: a code point (the start of a negated class [^...])
    CharRangeUpper = 5,  // value: the upper end of a range whose lower end is the element before
    CharAlt = 6,         // value: a further code point of the class
    CharAny = 7,         // "." — any code point
    Token = 8,           // value: a token id (<[id]> or <name>)
    TokenNot = 9,        // value: a token id: any token but this one (!<[id]>)
};

struct Element {
    ElementType type;
    uint32_t value;
    bool operator==(const Element& o) const { return type == o.type && value == o.value; }
};

using Rule = std::vector<Element>;

struct Grammar {
    std::vector<Rule> rules;                    // indexed by rule id
    std::map<std::string, uint32_t> symbol_ids;  // rule name → id, generated names included
    uint32_t root = 0;                           // the id of the start rule
};

inline bool is_end_of_alternative(const Element& e) {
    return e.type == ElementType::End || e.type == ElementType::Alt;
}

inline bool is_char_class_start(const Element& e) {
    return e.type == ElementType::Char || e.type == ElementType::CharNot || e.type == ElementType::CharAny;
}

inline bool is_token_element(const Element& e) {
    return e.type == ElementType::Token || e.type == ElementType::TokenNot;
}

}  // namespace chord::grammar
