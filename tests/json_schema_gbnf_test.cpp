// JSON Schema → GBNF (chord/grammar/json_schema_gbnf.hpp), checked through our GBNF parser and
// matcher: llama.cpp's schema cases (tests/data/grammar/schema_cases.json) must accept and refuse
// the same strings; every schema llama.cpp converts must convert here and its grammar parse; and
// our own cases for what llama.cpp does not test: errors, bounds checked value by value, patterns,
// whitespace, keys, $ref recursion, allOf, json_object.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "chord/grammar/gbnf_match.hpp"
#include "chord/grammar/gbnf_parser.hpp"
#include "chord/grammar/json_schema_gbnf.hpp"

namespace chord::grammar {
namespace {

using Json = nlohmann::ordered_json;

Json load_data(const std::string& file) {
    const std::string path = std::string(CHORD_TEST_DATA_DIR) + "/grammar/" + file;
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    return Json::parse(in);
}

struct DataCase {
    std::string test_name;  // unique, for GoogleTest: index and llama.cpp's name
    Json data;
};

std::vector<DataCase> data_cases(const std::string& file) {
    std::vector<DataCase> out;
    const Json cases = load_data(file);
    for (size_t i = 0; i < cases.size(); ++i) {
        std::string name = "case" + std::to_string(i);
        const std::string original = cases[i]["name"].get<std::string>();
        if (!original.empty()) name += "_";
        for (const char c : original) {
            const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            if (word)
                name += c;
            else if (name.back() != '_')
                name += '_';
        }
        while (name.back() == '_') name.pop_back();
        out.push_back({name, cases[i]});
    }
    return out;
}

std::string case_name(const ::testing::TestParamInfo<DataCase>& info) { return info.param.test_name; }

// Matches `texts` against the grammar of `schema`, expecting each to match or not.
void expect_matches(const Json& schema, const std::vector<std::string>& texts, bool expected) {
    const std::string gbnf = json_schema_to_gbnf(schema);
    Grammar grammar;
    ASSERT_NO_THROW(grammar = parse_gbnf(gbnf)) << gbnf;
    for (const std::string& text : texts)
        EXPECT_EQ(gbnf_matches(grammar, text), expected) << (expected ? "refused: " : "accepted: ") << text << "\n"
                                                         << "schema: " << schema.dump() << "\n"
                                                         << gbnf;
}

void expect_accepts(const Json& schema, const std::vector<std::string>& texts) { expect_matches(schema, texts, true); }
void expect_refuses(const Json& schema, const std::vector<std::string>& texts) { expect_matches(schema, texts, false); }

// The message of the InvalidArgument error converting `schema` throws ("" and a failure if none).
std::string conversion_error(const Json& schema) {
    try {
        json_schema_to_gbnf(schema);
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidArgument) << e.what();
        return e.what();
    }
    ADD_FAILURE() << "converted without an error: " << schema.dump();
    return "";
}

// ---- llama.cpp's cases ----

class LlamaSchemaCase : public ::testing::TestWithParam<DataCase> {};

TEST_P(LlamaSchemaCase, AcceptsThePassingStringsAndRefusesTheFailingOnes) {
    const Json& c = GetParam().data;
    std::vector<std::string> passing, failing;
    for (const Json& s : c["passing"]) passing.push_back(s.get<std::string>());
    for (const Json& s : c["failing"]) failing.push_back(s.get<std::string>());
    expect_accepts(c["schema"], passing);
    expect_refuses(c["schema"], failing);
}

INSTANTIATE_TEST_SUITE_P(JsonSchemaGbnf, LlamaSchemaCase, ::testing::ValuesIn(data_cases("schema_cases.json")),
                         case_name);

class LlamaSchemaConversion : public ::testing::TestWithParam<DataCase> {};

TEST_P(LlamaSchemaConversion, ConvertsAndParsesOrRefuses) {
    const Json& c = GetParam().data;
    if (c["expect"] == "failure") {
        conversion_error(c["schema"]);
        return;
    }
    std::string gbnf;
    ASSERT_NO_THROW(gbnf = json_schema_to_gbnf(c["schema"])) << c["schema"].dump();
    EXPECT_NO_THROW(parse_gbnf(gbnf)) << gbnf;
}

INSTANTIATE_TEST_SUITE_P(JsonSchemaGbnf, LlamaSchemaConversion,
                         ::testing::ValuesIn(data_cases("schema_conversions.json")), case_name);

// ---- errors ----

TEST(JsonSchemaGbnf, RefusesWhatItCannotHonourAndSaysWhere) {
    EXPECT_EQ(
        conversion_error(Json::parse(R"({"properties": {"a": {"$ref": "#/definitions/missing"}}})")),
        "json schema at /properties/a: $ref \"#/definitions/missing\" points to nothing: no \"definitions\" there");
    EXPECT_NE(conversion_error(Json::parse(R"({"$ref": "https://example.com/schema.json#/a"})")).find("remote"),
              std::string::npos);
    EXPECT_NE(conversion_error(Json::parse(R"({"$ref": "other.json"})")).find("only references within the schema"),
              std::string::npos);
    EXPECT_NE(conversion_error(Json::parse(R"({"type": "integer", "minimum": 10, "maximum": 3})"))
                  .find("minimum above maximum"),
              std::string::npos);
    EXPECT_NE(
        conversion_error(Json::parse(R"({"type": "number", "minimum": 1, "exclusiveMaximum": 1})")).find("no number"),
        std::string::npos);
    EXPECT_NE(conversion_error(Json::parse(R"({"type": "string", "minLength": 5, "maxLength": 2})")).find("minLength"),
              std::string::npos);
    EXPECT_NE(conversion_error(Json::parse(R"({"type": "array", "minItems": 3, "maxItems": 2})")).find("minItems"),
              std::string::npos);
    EXPECT_EQ(conversion_error(Json::parse(R"({"properties": {"a/b": {"type": "string", "format": "email"}}})")),
              "json schema at /properties/a~1b: format \"email\" is not supported (date, time, date-time, uuid are)");
    EXPECT_NE(conversion_error(Json::parse(R"({"not": {"type": "string"}})")).find("\"not\""), std::string::npos);
    EXPECT_NE(conversion_error(Json::parse(R"({"type": "object", "patternProperties": {"^x": {}}})"))
                  .find("patternProperties"),
              std::string::npos);
    EXPECT_NE(conversion_error(Json::parse(R"({"type": "object", "minProperties": 2})")).find("minProperties"),
              std::string::npos);
    EXPECT_NE(conversion_error(Json::parse(R"({"type": "number", "multipleOf": 0.5})")).find("multipleOf"),
              std::string::npos);
    EXPECT_NE(conversion_error(Json::parse(R"({"type": "number", "minimum": 0.5})")).find("whole-number"),
              std::string::npos);
    EXPECT_NE(conversion_error(Json::parse(R"({"type": "kaboom"})")).find("unknown type"), std::string::npos);
    EXPECT_NE(conversion_error(Json::parse(R"({"enum": ["a"], "pattern": "^a$"})")).find("pattern"), std::string::npos);
    EXPECT_NE(conversion_error(Json::parse(R"({"type": "string", "enum": [1, 2]})")).find("no value of enum"),
              std::string::npos);
    EXPECT_NE(conversion_error(Json::parse(R"({"allOf": [{"type": "string"}, {"type": "integer"}]})"))
                  .find("no type in common"),
              std::string::npos);
    EXPECT_NE(
        conversion_error(Json::parse(R"({"properties": {"a": {}}, "required": ["b"], "additionalProperties": false})"))
            .find("\"b\""),
        std::string::npos);
    EXPECT_NE(
        conversion_error(Json::parse(R"({"type": "array", "prefixItems": [{}, {}], "maxItems": 1})")).find("maxItems"),
        std::string::npos);
    EXPECT_NE(conversion_error(Json(false)).find("accepts no value"), std::string::npos);
}

TEST(JsonSchemaGbnf, RefusesARefThatComesBackToItselfBeforeABracket) {
    EXPECT_NE(conversion_error(Json::parse(R"({"$ref": "#"})")).find("comes back to itself"), std::string::npos);
    EXPECT_NE(conversion_error(Json::parse(R"({"$defs": {"a": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/a"}]}},
                                               "$ref": "#/$defs/a"})"))
                  .find("comes back to itself"),
              std::string::npos);
}

TEST(JsonSchemaGbnf, RefusesRefCyclesThatNeverReachAValue) {
    // Each would expand forever: allOf through a $ref to itself, anyOf distributed over two of them.
    EXPECT_NE(
        conversion_error(Json::parse(R"({"$defs": {"a": {"allOf": [{"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"})"))
            .find("nest too deeply"),
        std::string::npos);
    EXPECT_NE(conversion_error(Json::parse(R"({"anyOf": [{"$ref": "#"}, {"$ref": "#"}], "type": "string"})"))
                  .find("$ref cycle"),
              std::string::npos);
}

TEST(JsonSchemaGbnf, RefusesPatternsItCannotWrite) {
    for (const char* pattern : {"^(?=a)b$", "^(a)\\1$", "^a\\bb$", "^\\p{L}$", "^a^b$", "^a$b$"})
        EXPECT_NE(
            conversion_error(Json{{"type", "string"}, {"pattern", pattern}}).find("cannot be written as a grammar"),
            std::string::npos)
            << pattern;
    for (const char* pattern : {"^(a$", "^a)$", "^*a$", "^[a$", "^a{3,2}$", "^[z-a]$"})
        EXPECT_NE(conversion_error(Json{{"type", "string"}, {"pattern", pattern}}).find("json schema at /: pattern"),
                  std::string::npos)
            << pattern;
}

// ---- values, checked one by one ----

// Every integer in [-1100, 1100], spelled plainly, matches exactly when it is within the bounds.
TEST(JsonSchemaGbnf, IntegerBoundsAdmitExactlyTheIntegersBetween) {
    struct Bounds {
        const char* schema;
        double low, high;  // inclusive; +-inf when absent
    };
    const double inf = INFINITY;
    const Bounds all[] = {
        {R"({"type": "integer", "minimum": 0})", 0, inf},
        {R"({"type": "integer", "minimum": -5, "maximum": 17})", -5, 17},
        {R"({"type": "integer", "exclusiveMinimum": 3, "exclusiveMaximum": 250})", 4, 249},
        {R"({"type": "integer", "maximum": -12})", -inf, -12},
        {R"({"type": "integer", "minimum": 99, "maximum": 101})", 99, 101},
        {R"({"type": "integer", "minimum": -1000, "maximum": -999})", -1000, -999},
        {R"({"type": "integer", "minimum": 7, "maximum": 7})", 7, 7},
        {R"({"type": "integer", "minimum": 0.5, "maximum": 30.9})", 1, 30},
        {R"({"type": "integer", "minimum": 5, "exclusiveMinimum": true, "maximum": 1000})", 6, 1000},  // draft 4
        {R"({"type": "integer", "minimum": 109, "maximum": 1009})", 109, 1009},
    };
    for (const Bounds& b : all) {
        const Json schema = Json::parse(b.schema);
        const Grammar grammar = parse_gbnf(json_schema_to_gbnf(schema));
        for (int v = -1100; v <= 1100; ++v)
            EXPECT_EQ(gbnf_matches(grammar, std::to_string(v)), v >= b.low && v <= b.high) << b.schema << " " << v;
        EXPECT_FALSE(gbnf_matches(grammar, "-0")) << b.schema;
        EXPECT_FALSE(gbnf_matches(grammar, "007")) << b.schema;
    }
}

TEST(JsonSchemaGbnf, NumberBoundsAdmitExactlyTheDecimalsBetween) {
    struct Bounds {
        const char* schema;
        double low, high;
        bool low_exclusive, high_exclusive;
    };
    const double inf = INFINITY;
    const Bounds all[] = {
        {R"({"type": "number", "exclusiveMinimum": 0})", 0, inf, true, false},
        {R"({"type": "number", "minimum": 0})", 0, inf, false, false},
        {R"({"type": "number", "minimum": -2, "maximum": 3})", -2, 3, false, false},
        {R"({"type": "number", "exclusiveMinimum": -2, "exclusiveMaximum": 3})", -2, 3, true, true},
        {R"({"type": "number", "maximum": -1})", -inf, -1, false, false},
        {R"({"type": "number", "exclusiveMaximum": 0})", -inf, 0, false, true},
        {R"({"type": "number", "minimum": 10, "maximum": 10})", 10, 10, false, false},
    };
    std::vector<std::string> spellings;
    for (int whole = -12; whole <= 12; ++whole)
        for (const char* fraction : {"", ".0", ".00", ".5", ".05", ".50", ".999"})
            spellings.push_back((whole < 0 ? "-" : "") + std::to_string(std::abs(whole)) + fraction);
    for (const char* fraction : {".0", ".5", ".001"}) spellings.push_back(std::string("-0") + fraction);
    for (const Bounds& b : all) {
        const Grammar grammar = parse_gbnf(json_schema_to_gbnf(Json::parse(b.schema)));
        for (const std::string& text : spellings) {
            const double v = std::stod(text);
            const bool above = b.low_exclusive ? v > b.low : v >= b.low;
            const bool below = b.high_exclusive ? v < b.high : v <= b.high;
            const bool negative_zero = text[0] == '-' && v == 0;  // "-0.0" is not offered
            EXPECT_EQ(gbnf_matches(grammar, text), above && below && !negative_zero) << b.schema << " " << text;
        }
        EXPECT_FALSE(gbnf_matches(grammar, "1e2")) << "bounded numbers are written without an exponent";
    }
}

TEST(JsonSchemaGbnf, NumbersAndIntegersHaveAtMostSixteenDigits) {
    expect_accepts(Json{{"type", "number"}},
                   {"0", "-0.5", "1.25e10", "1E+2", "9999999999999999", "0.1234567890123456"});
    expect_refuses(Json{{"type", "number"}}, {"01", "1.", ".5", "+1", "99999999999999999", "1e", "0x10"});
    expect_accepts(Json{{"type", "integer"}, {"format", "int32"}}, {"2147483647", "-2147483648"});
    expect_refuses(Json{{"type", "integer"}, {"format", "int32"}}, {"2147483648", "-2147483649"});
}

// ---- strings ----

TEST(JsonSchemaGbnf, PatternsAreSearchesUnlessAnchored) {
    const Json digit = {{"type", "string"}, {"pattern", "[0-9]+"}};
    expect_accepts(digit, {R"("abc1def")", R"("7")", R"("x\n2")"});
    expect_refuses(digit, {R"("abc")", R"("")"});
    const Json anchored_ends = {{"type", "string"}, {"pattern", "^A|B|C|D$"}};  // (^A)|B|C|(D$)
    expect_accepts(anchored_ends, {R"("Axyz")", R"("xBy")", R"("zzC")", R"("xyzD")"});
    expect_refuses(anchored_ends, {R"("xyz")", R"("DA")", R"("xA")"});
}

TEST(JsonSchemaGbnf, PatternsConstrainTheDecodedStringAndWriteValidJson) {
    expect_accepts(Json{{"pattern", "^\"$"}}, {R"("\"")"});
    expect_refuses(Json{{"pattern", "^\"$"}}, {R"(""")"});
    expect_accepts(Json{{"pattern", "^[0-9]{3}\\w$"}}, {R"("123a")", R"("123_")"});
    expect_refuses(Json{{"pattern", "^[0-9]{3}\\w$"}}, {R"("123-")", R"("12a")"});
    expect_accepts(Json{{"pattern", "^[a-z\\-]+$"}}, {R"("a-b")"});
    expect_refuses(Json{{"pattern", "^[a-z\\-]+$"}}, {R"("a_b")"});
    expect_accepts(Json{{"pattern", "^(?:foo|bar)baz$"}}, {R"("foobaz")", R"("barbaz")"});
    expect_accepts(Json{{"pattern", "^(?<word>ab)+$"}}, {R"("abab")"});
    expect_accepts(Json{{"pattern", "^.$"}}, {R"("x")", R"("\"")", R"("\\")", R"("\t")", R"("é")"});
    expect_refuses(Json{{"pattern", "^.$"}}, {R"("\n")", R"(""")", "\"\t\""});
    expect_accepts(Json{{"pattern", "^[^a]$"}}, {R"("b")", R"("\n")", R"("\u001f")"});
    expect_refuses(Json{{"pattern", "^[^a]$"}}, {R"("a")", "\"\n\""});
    expect_accepts(Json{{"pattern", "^\\s\\d\\x41\\u00e9$"}}, {R"(" 1Aé")", R"("\t9Aé")"});
    expect_accepts(Json{{"pattern", "^a{2,}?b*?c??$"}}, {R"("aa")", R"("aaabbc")"});
    expect_refuses(Json{{"pattern", "^a{2,}?b*?c??$"}}, {R"("a")", R"("aacc")"});
    expect_accepts(Json{{"pattern", "^(|x)y$"}}, {R"("y")", R"("xy")"});
    expect_accepts(Json{{"pattern", "^a{3}{$"}}, {R"("aaa{")"});  // a brace that quantifies nothing
}

// std::regex (ECMAScript, a search like JSON Schema's) decides for random short strings; the
// grammar must agree on each string's JSON text.
TEST(JsonSchemaGbnf, PatternsAgreeWithEcmaScriptRegexOnRandomStrings) {
    const char* patterns[] = {"^a(b|c)*d?$",
                              "ab",
                              "^(ab|a)(c|bc)$",
                              "b+$",
                              "^[^ab]*$",
                              "^a{2,3}b{0,2}$",
                              "^(a|b)?c*",
                              "^.\\.$",
                              "^[\\w-]+$",
                              "\\d{2}",
                              "^(?:a|)b|c$",
                              "^[a-c\\n\"]+$",
                              "^\\S\\s$",
                              "^[^\\d\\s]+$",
                              "a|^b",
                              "^(a+)+b$",
                              "^[\\]a]$",
                              "^[a\\-c]+$",
                              "^\\\\$",
                              "^(?:(a)|b){3}$",
                              "^[\\x41-\\x43]*$",
                              "^\\u0041\\x42$",
                              "^[.]$",
                              "^a{0}b$",
                              "^(a|bc){1,2}$",
                              "x*",
                              "^$",
                              "^[^\\\\]$",
                              "c{2,}$",
                              "^[^a-c]?[abc]+?$"};
    std::mt19937 random(12345);
    for (const std::string alphabet : {"abc", "abcdABC1 \n\"\\.-_x]"}) {
        for (const char* pattern : patterns) {
            const std::regex regex(pattern, std::regex::ECMAScript);
            const std::string gbnf = json_schema_to_gbnf(Json{{"type", "string"}, {"pattern", pattern}});
            const Grammar grammar = parse_gbnf(gbnf);
            for (int i = 0; i < 400; ++i) {
                std::string text;
                for (size_t length = random() % 7; length > 0; --length) text += alphabet[random() % alphabet.size()];
                const std::string json_text = Json(text).dump();
                ASSERT_EQ(gbnf_matches(grammar, json_text), std::regex_search(text, regex))
                    << "pattern " << pattern << ", string " << json_text << "\n"
                    << gbnf;
            }
        }
    }
}

TEST(JsonSchemaGbnf, LargeCountsAreSplitForTheParser) {
    const Json pattern = {{"pattern", "^a{300}$"}};
    expect_accepts(pattern, {"\"" + std::string(300, 'a') + "\""});
    expect_refuses(pattern, {"\"" + std::string(299, 'a') + "\"", "\"" + std::string(301, 'a') + "\""});
    const Json length = {{"type", "string"}, {"minLength", 250}, {"maxLength", 3000}};
    expect_accepts(length, {"\"" + std::string(250, 'x') + "\"", "\"" + std::string(1234, 'x') + "\"",
                            "\"" + std::string(3000, 'x') + "\""});
    expect_refuses(length, {"\"" + std::string(249, 'x') + "\"", "\"" + std::string(3001, 'x') + "\""});
    std::string items_1000 = "[0";
    for (int i = 1; i < 1000; ++i) items_1000 += ",0";
    const Json array = {{"type", "array"}, {"items", {{"type", "integer"}}}, {"maxItems", 1000}};
    expect_accepts(array, {items_1000 + "]"});
    expect_refuses(array, {items_1000 + ",0]"});
}

// The GBNF parser expands a repeated group into copies of its inner rules and refuses more than
// 2000: heavy groups must become named rules.
TEST(JsonSchemaGbnf, HeavyRepeatedGroupsStayWithinTheParsersLimit) {
    const Json pattern = {{"pattern", "^((a|b)c?d?e?f?g?h?i?j?k?){1,200}$"}};  // 11 rules, 200 times
    expect_accepts(pattern, {R"("a")", R"("acdbk")"});
    expect_refuses(pattern, {R"("")", R"("x")", R"("c")"});
    const std::string long_name(1500, 'n');
    const Json schema = {{"properties", {{long_name, {{"type", "integer"}}}}}, {"additionalProperties", true}};
    expect_accepts(schema, {"{\"" + long_name + "\": 1}", "{\"" + long_name + "x\": \"y\"}", R"({"n": "y"})"});
    expect_refuses(schema, {"{\"" + long_name + "\": \"y\"}"});
}

TEST(JsonSchemaGbnf, StringFormats) {
    expect_accepts(Json{{"format", "date-time"}},
                   {R"("2024-02-29T23:59:59Z")", R"("2024-02-29T01:02:03.123456+05:30")"});
    expect_refuses(Json{{"format", "date-time"}}, {R"("2024-13-01T00:00:00Z")", R"("2024-01-01 00:00:00Z")"});
    expect_accepts(Json{{"format", "uuid4"}}, {R"("123e4567-e89b-12d3-a456-426614174000")"});
    expect_refuses(Json{{"format", "time"}}, {R"("24:00:00Z")", R"("12:00:00")"});
}

// ---- whitespace and objects ----

TEST(JsonSchemaGbnf, WhitespaceIsBounded) {
    const Json schema =
        Json::parse(R"({"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]})");
    expect_accepts(schema, {R"({"a":1})", R"({ "a" : 1 })", "{\n  \"a\": 1\n}", "{\n\n\t\t\"a\":1}",
                            "{\n" + std::string(20, ' ') + "\"a\": 1}"});
    expect_refuses(schema, {R"({  "a": 1})", "{\n\n\n\"a\": 1}", "{\n" + std::string(21, ' ') + "\"a\": 1}",
                            R"( {"a": 1})", R"({"a": 1} )", R"({"a": 1 ,})", "{\t\"a\": 1}"});
}

TEST(JsonSchemaGbnf, JsonObjectGrammarAcceptsAnyObjectOnly) {
    const Grammar grammar = parse_gbnf(json_object_gbnf());
    for (const char* text :
         {"{}", "{ }", R"({"a": [1, {"b": null}], "c": "d\u00e9\n"})", "{\n  \"x\": true,\n  \"y\": -1.5e3\n}"})
        EXPECT_TRUE(gbnf_matches(grammar, text)) << text;
    for (const char* text : {"[]", "\"x\"", "1", "null", "{\"a\": 1", "{\"a\"}", "{\"a\": 1,}", "", "{'a': 1}"})
        EXPECT_FALSE(gbnf_matches(grammar, text)) << text;
}

TEST(JsonSchemaGbnf, AdditionalKeysCannotSpellADeclaredNameInDisguise) {
    const Json schema = Json::parse(R"({"properties": {"a": {"type": "integer"}, "ab": {"type": "integer"}},
                                        "additionalProperties": {"type": "string"}})");
    expect_accepts(schema, {R"({"a": 1, "ab": 2, "abc": "x", "b": "y"})", R"({"": "empty", "x\"y": "quote"})"});
    expect_refuses(schema, {R"({"a": "x"})", R"({"ab": "x"})", R"({"\u0061": "x"})", R"({"a": 1, "a": 2})"});
}

TEST(JsonSchemaGbnf, APropertyWithTheSchemaFalseMustBeAbsent) {
    const Json schema =
        Json::parse(R"({"properties": {"a": false, "b": {"type": "integer"}}, "additionalProperties": true})");
    expect_accepts(schema, {R"({"b": 1})", R"({"c": 1})"});
    expect_refuses(schema, {R"({"a": 1})", R"({"b": 1, "a": 1})"});
    EXPECT_NE(conversion_error(Json::parse(R"({"properties": {"a": false}, "required": ["a"]})")).find("schema false"),
              std::string::npos);
}

TEST(JsonSchemaGbnf, OptionalPropertiesKeepTheSchemaOrder) {
    const Json schema = Json::parse(R"({"properties": {"x": {"type": "integer"}, "y": {"type": "integer"},
                                        "z": {"type": "integer"}}, "required": ["y"]})");
    expect_accepts(schema,
                   {R"({"y": 2})", R"({"x": 1, "y": 2})", R"({"y": 2, "z": 3})", R"({"x": 1, "y": 2, "z": 3})"});
    expect_refuses(schema,
                   {R"({})", R"({"x": 1})", R"({"y": 2, "x": 1})", R"({"x": 1, "z": 3})", R"({"x": 1,, "y": 2})"});
}

// ---- composition ----

TEST(JsonSchemaGbnf, RecursiveRefsThroughBrackets) {
    const Json tree = Json::parse(R"({"$ref": "#/$defs/node", "$defs": {"node": {"type": "object",
        "properties": {"value": {"type": "integer"}, "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
        "required": ["value"], "additionalProperties": false}}})");
    expect_accepts(tree,
                   {R"({"value": 1})", R"({"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}]})"});
    expect_refuses(tree, {R"({"value": 1, "children": [{}]})", R"({"children": []})"});
}

TEST(JsonSchemaGbnf, AllOfMergesAndAnyOfDistributes) {
    const Json schema = Json::parse(R"({"allOf": [
        {"type": "object", "properties": {"id": {"type": "integer", "minimum": 0}}, "required": ["id"]},
        {"properties": {"id": {"maximum": 9}, "tag": {"type": "string"}}},
        {"anyOf": [{"type": "string"}, {"properties": {"kind": {"const": "k"}}, "required": ["kind"]}]}
    ]})");
    expect_accepts(schema, {R"({"id": 3, "kind": "k"})", R"({"id": 9, "tag": "t", "kind": "k"})"});
    expect_refuses(schema, {R"({"id": 3})", R"({"id": 10, "kind": "k"})", R"("text")", R"({"id": 3, "kind": "x"})"});
    // A $ref beside a keyword is an allOf of the two.
    const Json ref_and_bound =
        Json::parse(R"({"$defs": {"n": {"type": "integer"}}, "$ref": "#/$defs/n", "maximum": 5})");
    expect_accepts(ref_and_bound, {"5", "-3"});
    expect_refuses(ref_and_bound, {"6", "1.5"});
}

TEST(JsonSchemaGbnf, EnumValuesAreFilteredByTheirType) {
    expect_accepts(Json::parse(R"({"type": "string", "enum": ["a", 1, "bb"], "maxLength": 1})"), {R"("a")"});
    expect_refuses(Json::parse(R"({"type": "string", "enum": ["a", 1, "bb"], "maxLength": 1})"), {"1", R"("bb")"});
    expect_accepts(Json::parse(R"({"type": ["string", "null"], "enum": ["a", null, 2]})"), {R"("a")", "null"});
    expect_refuses(Json::parse(R"({"type": ["string", "null"], "enum": ["a", null, 2]})"), {"2"});
    expect_accepts(Json::parse(R"({"const": {"a": [1, "é\n"]}})"), {R"({"a":[1,"é\n"]})"});
}

TEST(JsonSchemaGbnf, KeywordsOfOneTypeDoNotRestrictOthers) {
    // minLength speaks of strings: the number 1 of the enum stays.
    expect_accepts(Json::parse(R"({"enum": [1, "ab", "a"], "minLength": 2})"), {"1", R"("ab")"});
    expect_refuses(Json::parse(R"({"enum": [1, "ab", "a"], "minLength": 2})"), {R"("a")"});
    expect_accepts(Json::parse(R"({"type": ["string", "integer"], "minLength": 2, "maximum": 5})"),
                   {R"("ab")", "5", "-7"});
    expect_refuses(Json::parse(R"({"type": ["string", "integer"], "minLength": 2, "maximum": 5})"), {R"("a")", "6"});
}

TEST(JsonSchemaGbnf, RequiredWithoutPropertiesAllowsOtherKeys) {
    const Json schema = Json::parse(R"({"type": "object", "required": ["a"]})");
    expect_accepts(schema, {R"({"a": 1})", R"({"a": [], "b": 2})"});
    expect_refuses(schema, {"{}", R"({"b": 2})", R"({"b": 2, "a": 1})"});
}

TEST(JsonSchemaGbnf, OneOfAndTypeListsAreUnions) {
    const Json schema = Json::parse(R"({"oneOf": [{"type": "boolean"}, {"type": ["integer", "null"], "minimum": 1}]})");
    expect_accepts(schema, {"true", "null", "1", "42"});
    expect_refuses(schema, {"0", "\"1\"", "1.5"});
}

TEST(JsonSchemaGbnf, TuplesAndTheItemsAfterThem) {
    const Json schema =
        Json::parse(R"({"prefixItems": [{"type": "string"}, {"type": "integer"}], "items": {"type": "boolean"},
                                        "maxItems": 4})");
    expect_accepts(schema, {R"(["a", 1])", R"(["a", 1, true])", R"(["a", 1, true, false])"});
    expect_refuses(schema, {R"(["a"])", R"(["a", 1, true, false, true])", R"(["a", 1, 2])", "[]"});
}

// ---- what the grammar leaves to the caller, and its text ----

TEST(JsonSchemaGbnf, UniqueItemsIsReportedAsNotEnforced) {
    const JsonSchemaGrammar result = convert_json_schema(Json::parse(
        R"({"properties": {"tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true}}})"));
    EXPECT_EQ(result.unenforced, std::vector<std::string>{"uniqueItems at /properties/tags"});
    EXPECT_EQ(result.gbnf.rfind("# uniqueItems at /properties/tags: not enforced by this grammar\n", 0), 0u)
        << result.gbnf;
    EXPECT_NO_THROW(parse_gbnf(result.gbnf));
}

TEST(JsonSchemaGbnf, RuleNamesAreReadableAndTheTextDeterministic) {
    const Json schema = Json::parse(R"({"type": "object", "properties": {"name": {"type": "string", "maxLength": 8},
        "string": {"type": "object", "properties": {"inner": {"type": "integer", "minimum": 1}}}}, "required": ["name"]})");
    const std::string gbnf = json_schema_to_gbnf(schema);
    EXPECT_EQ(gbnf, json_schema_to_gbnf(schema));
    EXPECT_EQ(gbnf.rfind("root ::= \"{\" space name-kv", 0), 0u) << gbnf;
    EXPECT_NE(gbnf.find("\nname-kv ::= \"\\\"name\\\"\" space \":\" space name\n"), std::string::npos) << gbnf;
    // "string" is the name of the string rule: the property's rule takes the next free name.
    EXPECT_NE(gbnf.find("\nstring-1 ::= \"{\" space"), std::string::npos) << gbnf;
    EXPECT_NE(gbnf.find("\nstring-inner ::= [1-9] [0-9]{0,15}\n"), std::string::npos) << gbnf;
}

}  // namespace
}  // namespace chord::grammar
