// Conformance of the GBNF grammar engine (include/chord/grammar/) with llama.cpp's grammar tests,
// transcribed into tests/data/grammar/ (see its README):
//
//   grammar_cases.json  test-grammar-integration.cpp's test_grammar cases: every passing string is
//                       a sentence of the grammar, no failing one is; and its failure tests (missing
//                       root, missing reference, left recursion, ...): parsing throws InvalidArgument.
//   parser_cases.json   test-grammar-parser.cpp's cases: the parser gives exactly llama.cpp's symbol
//                       ids and rule elements, or throws InvalidArgument where llama.cpp fails.
//   examples/*.gbnf     llama.cpp's example grammars: each parses, and matches / rejects a few
//                       sentences written here.
//
// Strings are matched as llama.cpp's test harness (match_string) matches them: the input is a list
// of "tokens", each a code point of text (token id 0, its piece that code point) or a token marker
// (token id N, its piece the text "<[N]>"). A stack waiting for a token element (<[N]>, !<[N]>)
// takes the token by id; every other stack reads the piece's characters. The string matches if no
// step leaves the grammar without stacks and some stack is complete at the end.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chord/error.hpp"
#include "chord/grammar/gbnf.hpp"
#include "chord/grammar/gbnf_match.hpp"
#include "chord/grammar/gbnf_parser.hpp"
#include "chord/grammar/grammar_states.hpp"
#include "chord/unicode.hpp"

namespace chord {
namespace {

using Json = nlohmann::ordered_json;
using grammar::Element;
using grammar::ElementType;
using grammar::Grammar;
using grammar::GrammarStates;
using grammar::Stack;
using grammar::StateId;

const std::filesystem::path kDataDir = std::filesystem::path(CHORD_TEST_DATA_DIR) / "grammar";

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ErrorCode::Io, "cannot read '" + path.string() + "'");
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// The cases of a JSON file; empty when it is missing or unreadable (the parameterized suite is then
// uninstantiated, which gtest reports as a failure, and the *Data tests fail with the reason).
Json read_cases(const std::string& file) {
    try {
        return Json::parse(read_text(kDataDir / file));
    } catch (const std::exception&) {
        return Json::array();
    }
}

// A case name as a gtest parameter name: letters and digits kept, a few symbols spelled out, the
// rest '_' (runs of it collapsed).
std::string parameter_name(const std::string& name) {
    std::string out;
    const auto underscore = [&] {
        if (!out.empty() && out.back() != '_') out += '_';
    };
    for (const char c : name) {
        if (std::isalnum(static_cast<unsigned char>(c))) {
            out += c;
        } else if (c == '*' || c == '+' || c == '?' || c == ',') {
            underscore();
            out += c == '*' ? "star" : c == '+' ? "plus" : c == '?' ? "optional" : "to";
            out += '_';
        } else {
            underscore();
        }
    }
    while (!out.empty() && out.back() == '_') out.pop_back();
    return out;
}

std::vector<std::string> case_names(const std::string& file) {
    std::vector<std::string> names;
    for (const Json& c : read_cases(file)) names.push_back(c.at("name").get<std::string>());
    return names;
}

Json find_case(const std::string& file, const std::string& name) {
    for (const Json& c : read_cases(file))
        if (c.at("name") == name) return c;
    ADD_FAILURE() << "no case named '" << name << "' in " << file;
    return Json::object();
}

// ---- llama.cpp's match_string

struct InputToken {
    uint32_t id;
    std::string piece;
};

// A test string of grammar_cases.json: a string of text, or an array of text and {"token": N}.
std::vector<InputToken> input_tokens(const Json& test_string) {
    std::vector<InputToken> tokens;
    const auto add_text = [&](const std::string& text) {
        for (const uint32_t cp : decode_utf8_lenient(text)) {
            std::string piece;
            append_utf8(piece, cp);
            tokens.push_back({0, piece});
        }
    };
    if (test_string.is_string()) {
        add_text(test_string.get<std::string>());
        return tokens;
    }
    for (const Json& part : test_string) {
        if (part.is_string()) {
            add_text(part.get<std::string>());
        } else {
            const auto id = part.at("token").get<uint32_t>();
            tokens.push_back({id, "<[" + std::to_string(id) + "]>"});
        }
    }
    return tokens;
}

bool has_token_part(const Json& test_string) {
    if (test_string.is_string()) return false;
    for (const Json& part : test_string)
        if (!part.is_string()) return true;
    return false;
}

bool match_tokens(const Grammar& g, const std::vector<InputToken>& tokens) {
    GrammarStates states(g);
    StateId at = states.initial();
    for (const InputToken& token : tokens) {
        std::vector<Stack> next = states.after_token_element(at, token.id);
        StateId by_text = at;
        for (const uint32_t cp : decode_utf8_lenient(token.piece)) {
            by_text = states.after_char(by_text, cp);
            if (by_text == grammar::kDeadState) break;
        }
        const std::vector<Stack>& text_stacks = states.stacks(by_text);
        next.insert(next.end(), text_stacks.begin(), text_stacks.end());
        at = states.intern(std::move(next));
        if (at == grammar::kDeadState) return false;
    }
    return states.can_end(at);
}

bool grammar_has_token_elements(const Grammar& g) {
    for (const auto& rule : g.rules)
        for (const Element& e : rule)
            if (grammar::is_token_element(e)) return true;
    return false;
}

// The string as the test output shows it (JSON: control characters and tokens visible).
std::string shown(const Json& test_string) { return test_string.dump(); }

// ---- parsing helpers

// Parses, turning an unexpected exception into a test failure; false if it threw.
bool parse_ok(const std::string& text, const std::string& root, Grammar& out) {
    try {
        out = grammar::parse_gbnf(text, root);
        return true;
    } catch (const Error& e) {
        ADD_FAILURE() << "the grammar does not parse (" << error_code_name(e.code()) << "): " << e.what()
                      << "\ngrammar:\n"
                      << text;
    } catch (const std::exception& e) {
        ADD_FAILURE() << "the parser threw something other than chord::Error: " << e.what() << "\ngrammar:\n" << text;
    }
    return false;
}

void expect_invalid(const std::string& text, const std::string& root) {
    try {
        const Grammar g = grammar::parse_gbnf(text, root);
        ADD_FAILURE() << "expected Error(InvalidArgument), but the grammar parsed (" << g.rules.size()
                      << " rules), root '" << root << "':\n"
                      << text;
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidArgument)
            << "threw " << error_code_name(e.code()) << ": " << e.what() << "\ngrammar:\n"
            << text;
    } catch (const std::exception& e) {
        ADD_FAILURE() << "threw something other than chord::Error: " << e.what() << "\ngrammar:\n" << text;
    }
}

const std::map<std::string, ElementType>& element_types() {
    static const std::map<std::string, ElementType> types = {
        {"END", ElementType::End},
        {"ALT", ElementType::Alt},
        {"RULE_REF", ElementType::RuleRef},
        {"CHAR", ElementType::Char},
        {"CHAR_NOT", ElementType::CharNot},
        {"CHAR_RNG_UPPER", ElementType::CharRangeUpper},
        {"CHAR_ALT", ElementType::CharAlt},
        {"CHAR_ANY", ElementType::CharAny},
        {"TOKEN", ElementType::Token},
        {"TOKEN_NOT", ElementType::TokenNot},
    };
    return types;
}

std::string element_type_name(ElementType type) {
    for (const auto& [name, t] : element_types())
        if (t == type) return name;
    return "?" + std::to_string(uint32_t(type));
}

std::string describe(const std::vector<grammar::Rule>& rules) {
    std::ostringstream s;
    for (size_t i = 0; i < rules.size(); ++i) {
        s << "  " << i << ":";
        for (const Element& e : rules[i]) s << " [" << element_type_name(e.type) << ", " << e.value << "]";
        s << "\n";
    }
    return s.str();
}

std::string describe(const std::map<std::string, uint32_t>& ids) {
    std::ostringstream s;
    for (const auto& [name, id] : ids) s << " " << name << "=" << id;
    return s.str();
}

// ---- grammar_cases.json

class GbnfIntegrationCase : public testing::TestWithParam<std::string> {};

TEST_P(GbnfIntegrationCase, MatchesAsLlamaCpp) {
    const Json c = find_case("grammar_cases.json", GetParam());
    if (c.empty()) return;
    const std::string text = c.at("grammar").get<std::string>();
    const std::string root = c.value("root", std::string("root"));
    if (c.value("error", false)) {
        expect_invalid(text, root);
        return;
    }
    Grammar g;
    if (!parse_ok(text, root, g)) return;
    const bool has_tokens = grammar_has_token_elements(g);
    for (const auto& [key, expected] : {std::pair<const char*, bool>{"passing", true}, {"failing", false}}) {
        for (const Json& s : c.at(key)) {
            EXPECT_EQ(match_tokens(g, input_tokens(s)), expected)
                << (expected ? "should match" : "should not match") << ": " << shown(s);
            // The same verdict from gbnf_matches, where the string is plain text that the harness
            // does not read as token 0 (a grammar without token elements).
            if (!has_token_part(s) && !has_tokens) {
                EXPECT_EQ(grammar::gbnf_matches(g, s.get<std::string>()), expected)
                    << "gbnf_matches " << (expected ? "should match" : "should not match") << ": " << shown(s);
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(, GbnfIntegrationCase, testing::ValuesIn(case_names("grammar_cases.json")),
                         [](const testing::TestParamInfo<std::string>& p) { return parameter_name(p.param); });

// Beyond llama.cpp's check that the grammar builds with another root: it starts from that rule.
TEST(GbnfIntegration, CustomRootStartsThere) {
    Grammar g;
    ASSERT_TRUE(parse_ok("\n        foobar ::= \"foobar\"\n    ", "foobar", g));
    EXPECT_TRUE(grammar::gbnf_matches(g, "foobar"));
    EXPECT_FALSE(grammar::gbnf_matches(g, "foo"));
    EXPECT_FALSE(grammar::gbnf_matches(g, ""));
}

// ---- parser_cases.json

class GbnfParserCase : public testing::TestWithParam<std::string> {};

TEST_P(GbnfParserCase, ParsesAsLlamaCpp) {
    const Json c = find_case("parser_cases.json", GetParam());
    if (c.empty()) return;
    const std::string text = c.at("grammar").get<std::string>();
    if (c.value("error", false)) {
        expect_invalid(text, "root");
        return;
    }
    std::map<std::string, uint32_t> expected_ids;
    for (const auto& [name, id] : c.at("symbol_ids").items()) expected_ids[name] = id.get<uint32_t>();
    std::vector<grammar::Rule> expected_rules;
    for (const Json& rule : c.at("rules")) {
        grammar::Rule r;
        for (const Json& e : rule) {
            const auto type = element_types().find(e.at(0).get<std::string>());
            ASSERT_NE(type, element_types().end()) << "unknown element type " << e.at(0);
            r.push_back({type->second, e.at(1).get<uint32_t>()});
        }
        expected_rules.push_back(r);
    }
    Grammar g;
    if (!parse_ok(text, "root", g)) return;
    EXPECT_EQ(g.symbol_ids, expected_ids) << "ours:     " << describe(g.symbol_ids)
                                          << "\nllama.cpp:" << describe(expected_ids);
    EXPECT_EQ(g.rules, expected_rules) << "ours:\n" << describe(g.rules) << "llama.cpp:\n" << describe(expected_rules);
    EXPECT_EQ(g.root, expected_ids.at("root"));
}

INSTANTIATE_TEST_SUITE_P(, GbnfParserCase, testing::ValuesIn(case_names("parser_cases.json")),
                         [](const testing::TestParamInfo<std::string>& p) { return parameter_name(p.param); });

// ---- the data is there

TEST(GbnfConformanceData, CasesAreComplete) {
    const Json grammar_cases = read_cases("grammar_cases.json");
    const Json parser_cases = read_cases("parser_cases.json");
    // As transcribed from llama.cpp 3f545bec: 14 test_grammar cases and 9 failure checks (8 must
    // fail, the custom root must parse); 17 verify_parsing and 6 verify_failure cases.
    size_t with_strings = 0, errors = 0;
    for (const Json& c : grammar_cases) (c.value("error", false) ? errors : with_strings) += 1;
    EXPECT_EQ(with_strings, 15u) << "14 test_grammar cases + the custom-root case";
    EXPECT_EQ(errors, 8u);
    size_t parsing = 0, failing = 0;
    for (const Json& c : parser_cases) (c.value("error", false) ? failing : parsing) += 1;
    EXPECT_EQ(parsing, 17u);
    EXPECT_EQ(failing, 6u);
    // Distinct test names.
    for (const Json* cases : {&grammar_cases, &parser_cases}) {
        std::set<std::string> names;
        for (const Json& c : *cases)
            EXPECT_TRUE(names.insert(parameter_name(c.at("name").get<std::string>())).second)
                << "two cases are named " << parameter_name(c.at("name").get<std::string>());
    }
}

// ---- examples/*.gbnf

struct ExampleSentences {
    std::vector<std::string> match, reject;
};

// Sentences written for this test (not from llama.cpp), by example grammar file.
const std::map<std::string, ExampleSentences>& example_sentences() {
    static const std::map<std::string, ExampleSentences> sentences = {
        {"arithmetic.gbnf",
         {{"x = 1\n", "a+b = (c*2)\n", "x = 1\ny = 2\n", "bar *(baz -3) = foo_1\n", "x=1\n"},
          {"", "x = 1", "= 1\n", "X = 1\n", "x = 1 +\n", "x = (1\n", "x + 1\n"}}},
        {"c.gbnf",
         {{"", "int main(){return 0;}", "int main(int argc){x = argc+1;return x;}",
           "float f(){while(i<10){i = i+1;}}", "int g(){// note\nreturn 1;}", "char h(){/* a * b */return -1;}",
           "int a(){}int b(){}"},
          {"int main() {return 0;}", "int main(){return 0}", "main(){return 0;}", "int main(){x=1;}",
           "int main(){return 0;"}}},
        {"chess.gbnf",
         {{"1. e4 e5\n2. Nf3 Nc6\n", "1. d4 d5\n2. c4 dxc4\n3. e3 b5\n", "1. O-O-O O-O\n2. exd5 Qxd5+\n",
           "1. e4 e5\n12. e8=Q Kxf7#\n"},
          {"", "1. e4 e5\n", "1. e9 e5\n2. Nf3 Nc6\n", "1. e4 e5 \n2. Nf3 Nc6\n", "2. e4 e5\n3. Nf3 Nc6\n",
           "1. e4 e5\n2. Nf3 Nc6"}}},
        {"english.gbnf",
         {{"Hello, world!", "It's 5 o'clock.\nTime for tea", "a\tb", "[x] {y} \\z/ ~`^|"},
          {"", " hello", "hello ", "Hello  world", "h\u00e9llo", "tab\t\tdouble"}}},
        {"japanese.gbnf",
         {{"\u3053\u3093\u306b\u3061\u306f", "\u30ab\u30bf\u30ab\u30ca \u65e5\u672c\u8a9e\u3002",
           "\u3042\u3001\u3044"},
          {"", "hello", "\u65e5\u672c\u8a9e ", "\u65e5\u672c\u8a9eA", "\uff21"}}},
        {"json.gbnf",
         {{"{}", R"({"a": 1})", R"({"a": 1, "b": [true, false, null], "c": {"d": "e\nf \u00e9 \"q\""}})",
           R"({"n": -0.5, "m": 2.5e3, "s": ""})", "{\n  \"a\": [1, 2]\n}", R"({"a": "caf)" "\xc3\xa9" R"("} )"},
          {"", "[1, 2]", R"({"a": 1,})", R"({'a': 1})", R"({"a": 01})", R"({"a": tru})", "{\"a\": \"line\nbreak\"}",
           R"({"a": 1} {})", R"({"a" 1})", R"({"a": "\x"})"}}},
        {"json_arr.gbnf",
         {{"[\n]", "[\n1,\n2]", "[\n{\"a\": 1},\n\"x\",\n[true, null]]", "[\n \"a\"]"},
          {"[]", "[1]", "[\n1, 2]", "[\n1]\n", "[\n1,\n]", "{\"a\": 1}"}}},
        {"list.gbnf",
         {{"- milk\n", "- milk\n- eggs\n", "- a b c \t!\n"},
          {"", "- milk", "-milk\n", "- \n", "* milk\n", "- a\rb\n", "- a\u2028b\n", "- milk\n\n"}}},
    };
    return sentences;
}

std::vector<std::string> example_names() {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(kDataDir / "examples", ec))
        if (entry.path().extension() == ".gbnf") names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

class GbnfExampleGrammar : public testing::TestWithParam<std::string> {};

TEST_P(GbnfExampleGrammar, ParsesAndMatches) {
    const std::string text = read_text(kDataDir / "examples" / GetParam());
    Grammar g;
    if (!parse_ok(text, "root", g)) return;
    const auto found = example_sentences().find(GetParam());
    ASSERT_NE(found, example_sentences().end()) << "no sentences for " << GetParam();
    for (const std::string& s : found->second.match) {
        EXPECT_TRUE(grammar::gbnf_matches(g, s)) << "should match: " << Json(s).dump();
        EXPECT_TRUE(match_tokens(g, input_tokens(Json(s)))) << "should match (as llama.cpp's harness): " << Json(s).dump();
    }
    for (const std::string& s : found->second.reject) {
        EXPECT_FALSE(grammar::gbnf_matches(g, s)) << "should not match: " << Json(s).dump();
        EXPECT_FALSE(match_tokens(g, input_tokens(Json(s))))
            << "should not match (as llama.cpp's harness): " << Json(s).dump();
    }
}

INSTANTIATE_TEST_SUITE_P(, GbnfExampleGrammar, testing::ValuesIn(example_names()),
                         [](const testing::TestParamInfo<std::string>& p) {
                             return parameter_name(p.param.substr(0, p.param.size() - 5));  // without .gbnf
                         });

TEST(GbnfConformanceData, EveryExampleHasSentences) {
    const std::vector<std::string> names = example_names();
    EXPECT_EQ(names.size(), 8u) << "llama.cpp's grammars/*.gbnf";
    for (const auto& [file, sentences] : example_sentences())
        EXPECT_TRUE(std::find(names.begin(), names.end(), file) != names.end()) << "no examples/" << file;
}

}  // namespace
}  // namespace chord
