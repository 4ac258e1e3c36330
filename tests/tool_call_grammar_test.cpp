// The grammars that force a reply into tool calls (include/chord/tool_calls/call_grammar.hpp):
// for each format, replies written as its models write calls are sentences of the grammar and
// parse back (parse_tool_calls) into the same calls; a wrong name, a missing or mistyped argument,
// text around the calls, a second call where one is asked for are not.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "chord/grammar/gbnf_match.hpp"
#include "chord/tool_calls.hpp"
#include "chord/tool_calls/call_grammar.hpp"

namespace chord {
namespace {

using Json = nlohmann::ordered_json;

// get_weather(city, unit?), add(a, b) and book(day) whose schema uses $defs as pydantic writes it.
Json tools() {
    return Json::parse(R"([
      {"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
        "parameters": {"type": "object", "properties": {
          "city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
          "required": ["city"]}}},
      {"type": "function", "function": {"name": "add",
        "parameters": {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
          "required": ["a", "b"]}}},
      {"type": "function", "function": {"name": "book",
        "parameters": {"$defs": {"Day": {"type": "string", "enum": ["mon", "tue"]}},
          "type": "object", "properties": {"day": {"$ref": "#/$defs/Day"}}, "required": ["day"]}}}
    ])");
}

struct Forced {
    Forced(ToolCallFormat f, ToolChoice c, std::string t) : format(f), choice(std::move(c)), chat_template(std::move(t)) {}
    ToolCallFormat format;
    ToolChoice choice;
    std::string chat_template;  // tells Mistral's styles apart

    grammar::Grammar grammar() const {
        return grammar::parse_gbnf(tool_call_grammar(format, tools(), choice, chat_template, nullptr));
    }
    bool accepts(const std::string& reply) const { return grammar::gbnf_matches(grammar(), reply); }
};

// A sentence of the grammar whose calls parse back as (name, arguments) in order.
void expect_calls(const Forced& forced, const std::string& reply, const std::vector<std::pair<std::string, std::string>>& calls) {
    SCOPED_TRACE(reply);
    EXPECT_TRUE(forced.accepts(reply));
    const ParsedReply parsed = parse_tool_calls(reply, forced.format);
    EXPECT_EQ(parsed.content, "");
    ASSERT_EQ(parsed.tool_calls.size(), calls.size());
    for (size_t i = 0; i < calls.size(); ++i) {
        EXPECT_EQ(parsed.tool_calls[i].name, calls[i].first);
        EXPECT_EQ(parsed.tool_calls[i].arguments, calls[i].second);
    }
}

TEST(ToolCallGrammar, HermesCallsFollowTheToolsSchemas) {
    const Forced any{ToolCallFormat::Hermes, {}, ""};
    expect_calls(any, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>",
                 {{"get_weather", R"({"city":"Paris"})"}});
    expect_calls(any,
                 "<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": -2}}\n</tool_call>\n"
                 "<tool_call>\n{\"name\": \"book\", \"arguments\": {\"day\": \"tue\"}}\n</tool_call>",
                 {{"add", R"({"a":1,"b":-2})"}, {"book", R"({"day":"tue"})"}});
    expect_calls(any, "<tool_call>{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Oslo\",\"unit\":\"celsius\"}}</tool_call>",
                 {{"get_weather", R"({"city":"Oslo","unit":"celsius"})"}});
    for (const char* wrong : {
             "<tool_call>\n{\"name\": \"get_wether\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>",  // no such tool
             "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {}}\n</tool_call>",                  // city is required
             "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"kelvin\"}}\n</tool_call>",
             "<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": \"1\", \"b\": 2}}\n</tool_call>",       // a is an integer
             "<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2, \"c\": 3}}\n</tool_call>",  // no c
             "<tool_call>\n{\"name\": \"book\", \"arguments\": {\"day\": \"fri\"}}\n</tool_call>",           // $defs/Day
             "Sure! <tool_call>\n{\"name\": \"book\", \"arguments\": {\"day\": \"mon\"}}\n</tool_call>",     // text first
             "<think>ok</think><tool_call>\n{\"name\": \"book\", \"arguments\": {\"day\": \"mon\"}}\n</tool_call>",
             "<tool_call>\n{\"name\": \"book\", \"arguments\": {\"day\": \"mon\"}}\n",                       // not closed
             ""}) {
        SCOPED_TRACE(wrong);
        EXPECT_FALSE(any.accepts(wrong));
    }
}

TEST(ToolCallGrammar, ANamedFunctionAndOneCallOnly) {
    const Forced named{ToolCallFormat::Hermes, {"add", true}, ""};
    EXPECT_TRUE(named.accepts("<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}\n</tool_call>"));
    EXPECT_FALSE(named.accepts("<tool_call>\n{\"name\": \"book\", \"arguments\": {\"day\": \"mon\"}}\n</tool_call>"));
    const Forced single{ToolCallFormat::Hermes, {"", false}, ""};
    const std::string call = "<tool_call>\n{\"name\": \"book\", \"arguments\": {\"day\": \"mon\"}}\n</tool_call>";
    EXPECT_TRUE(single.accepts(call));
    EXPECT_FALSE(single.accepts(call + "\n" + call));
    EXPECT_TRUE(Forced({ToolCallFormat::Hermes, {"", true}, ""}).accepts(call + "\n" + call));
}

TEST(ToolCallGrammar, Llama3JsonWritesOneCallWithParameters) {
    const Forced any{ToolCallFormat::Llama3Json, {}, ""};
    expect_calls(any, R"({"name": "add", "parameters": {"a": 40, "b": 2}})", {{"add", R"({"a":40,"b":2})"}});
    EXPECT_FALSE(any.accepts(R"({"name": "add", "arguments": {"a": 40, "b": 2}})"));
    EXPECT_FALSE(any.accepts(R"({"name": "add", "parameters": {"a": 40}})"));
    EXPECT_FALSE(any.accepts(R"({"name": "add", "parameters": {"a": 4, "b": 2}}; {"name": "add", "parameters": {"a": 4, "b": 2}})"));
}

TEST(ToolCallGrammar, MistralNemoWritesAnArrayOfCalls) {
    const Forced any{ToolCallFormat::Mistral, {}, "{{ '[AVAILABLE_TOOLS]' }}{{ '[TOOL_CALLS]' }}"};
    expect_calls(any, R"([TOOL_CALLS][{"name": "add", "arguments": {"a": 1, "b": 2}}, {"name": "book", "arguments": {"day": "mon"}}])",
                 {{"add", R"({"a":1,"b":2})"}, {"book", R"({"day":"mon"})"}});
    EXPECT_FALSE(any.accepts(R"([TOOL_CALLS][])"));
    EXPECT_FALSE(any.accepts(R"([{"name": "add", "arguments": {"a": 1, "b": 2}}])"));  // the marker is required
    const Forced single{ToolCallFormat::Mistral, {"", false}, any.chat_template};
    EXPECT_FALSE(single.accepts(R"([TOOL_CALLS][{"name": "add", "arguments": {"a": 1, "b": 2}}, {"name": "book", "arguments": {"day": "mon"}}])"));
}

TEST(ToolCallGrammar, MistralNameArgsStyleWhereTheTemplateSpeaksOfArgs) {
    const Forced any{ToolCallFormat::Mistral, {}, "{{ '[TOOL_CALLS]' + name + '[ARGS]' + arguments }}"};
    expect_calls(any, R"([TOOL_CALLS]add[ARGS]{"a": 1, "b": 2}[TOOL_CALLS]get_weather[ARGS]{"city": "Rome"})",
                 {{"add", R"({"a":1,"b":2})"}, {"get_weather", R"({"city":"Rome"})"}});
    EXPECT_FALSE(any.accepts(R"([TOOL_CALLS]add[CALL_ID]a1b2c3d4e[ARGS]{"a": 1, "b": 2})"));
    const Forced with_ids{ToolCallFormat::Mistral, {}, "[TOOL_CALLS]{{ name }}[CALL_ID]{{ id }}[ARGS]"};
    EXPECT_TRUE(with_ids.accepts(R"([TOOL_CALLS]add[CALL_ID]a1b2c3d4e[ARGS]{"a": 1, "b": 2})"));
    EXPECT_TRUE(with_ids.accepts(R"([TOOL_CALLS]add[ARGS]{"a": 1, "b": 2})"));
}

TEST(ToolCallGrammar, AMarkerThatIsAControlTokenIsMatchedAsThatToken) {
    Vocabulary vocab;
    for (const char* text : {"<unk>", "[TOOL_CALLS]", "[ARGS]", "a"}) vocab.texts.push_back(text);
    vocab.attrs = {kAttrUnknown, kAttrControl, kAttrControl, kAttrNormal};
    for (size_t i = 0; i < vocab.texts.size(); ++i) vocab.ids[vocab.texts[i]] = TokenId(i);
    const std::string gbnf = tool_call_grammar(ToolCallFormat::Mistral, tools(), {}, "[TOOL_CALLS]x[ARGS]", &vocab);
    EXPECT_NE(gbnf.find("<[1]>"), std::string::npos) << gbnf;
    EXPECT_NE(gbnf.find("<[2]>"), std::string::npos) << gbnf;
    EXPECT_EQ(gbnf.find("\"[TOOL_CALLS]\""), std::string::npos) << gbnf;
    EXPECT_NO_THROW(grammar::parse_gbnf(gbnf, "root", &vocab));
    // <tool_call> is text in this vocabulary (as in Qwen's, where it is a user-defined token).
    EXPECT_NE(tool_call_grammar(ToolCallFormat::Hermes, tools(), {}, "", &vocab).find("\"<tool_call>\""), std::string::npos);
}

TEST(ToolCallGrammar, QwenXmlParametersInTheSchemasOrder) {
    const Forced any{ToolCallFormat::QwenXml, {}, ""};
    expect_calls(any, "<tool_call>\n<function=get_weather>\n<parameter=city>\nNew York\n</parameter>\n</function>\n</tool_call>",
                 {{"get_weather", R"({"city":"New York"})"}});
    expect_calls(any,
                 "<tool_call>\n<function=add>\n<parameter=a>\n12\n</parameter>\n<parameter=b>\n-3\n</parameter>\n</function>\n</tool_call>\n"
                 "<tool_call>\n<function=get_weather>\n<parameter=city>\nLima\n</parameter>\n<parameter=unit>\ncelsius\n</parameter>\n"
                 "</function>\n</tool_call>",
                 {{"add", R"({"a":12,"b":-3})"}, {"get_weather", R"({"city":"Lima","unit":"celsius"})"}});
    expect_calls(any, "<tool_call>\n<function=book>\n<parameter=day>\nmon\n</parameter>\n</function>\n</tool_call>",
                 {{"book", R"({"day":"mon"})"}});
    for (const char* wrong : {
             "<tool_call>\n<function=get_weather>\n</function>\n</tool_call>",  // city is required
             "<tool_call>\n<function=add>\n<parameter=a>\ntwelve\n</parameter>\n<parameter=b>\n1\n</parameter>\n</function>\n</tool_call>",
             "<tool_call>\n<function=add>\n<parameter=b>\n1\n</parameter>\n<parameter=a>\n2\n</parameter>\n</function>\n</tool_call>",
             "<tool_call>\n<function=get_weather>\n<parameter=town>\nLima\n</parameter>\n</function>\n</tool_call>",
             "<tool_call>\n<function=book>\n<parameter=day>\n\"fri\"\n</parameter>\n</function>\n</tool_call>",
         }) {
        SCOPED_TRACE(wrong);
        EXPECT_FALSE(any.accepts(wrong));
    }
}

TEST(ToolCallGrammar, QwenXmlValuesOfStringParametersStayText) {
    const StringParameters strings = tool_calls::string_parameters(tools());
    // city (a string), unit (an enum of strings), day (a $ref to one); not a or b (integers)
    EXPECT_EQ(strings, (StringParameters{{"book", "day"}, {"get_weather", "city"}, {"get_weather", "unit"}}));
    const std::string reply = "<tool_call>\n<function=get_weather>\n<parameter=city>\n42\n</parameter>\n</function>\n</tool_call>";
    EXPECT_EQ(parse_tool_calls(reply, ToolCallFormat::QwenXml, &strings).tool_calls.at(0).arguments, R"({"city":"42"})");
    EXPECT_EQ(parse_tool_calls(reply, ToolCallFormat::QwenXml).tool_calls.at(0).arguments, R"({"city":42})");  // no schema: JSON
}

TEST(ToolCallGrammar, BadToolsAndChoicesAreErrors) {
    const auto error_code = [](const Json& tools, const ToolChoice& choice, ToolCallFormat format) -> std::optional<ErrorCode> {
        try {
            tool_call_grammar(format, tools, choice, "", nullptr);
        } catch (const Error& e) {
            return e.code();
        }
        return std::nullopt;
    };
    EXPECT_EQ(error_code(tools(), {"delete_everything", true}, ToolCallFormat::Hermes), ErrorCode::InvalidArgument);
    EXPECT_EQ(error_code(Json::array(), {}, ToolCallFormat::Hermes), ErrorCode::InvalidArgument);
    EXPECT_EQ(error_code(Json::parse(R"([{"type": "function", "function": {}}])"), {}, ToolCallFormat::Hermes), ErrorCode::InvalidArgument);
    EXPECT_EQ(error_code(Json::parse(R"([{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "not": {}}}}])"), {},
                         ToolCallFormat::Hermes),
              ErrorCode::InvalidArgument);
    EXPECT_EQ(error_code(tools(), {}, ToolCallFormat::None), ErrorCode::Unsupported);
    // A function without parameters, or with no properties in them, takes an empty object.
    for (const char* tools : {R"([{"type": "function", "function": {"name": "now"}}])",
                              R"([{"type": "function", "function": {"name": "now", "parameters": {"type": "object", "properties": {}}}}])"}) {
        SCOPED_TRACE(tools);
        const grammar::Grammar g = grammar::parse_gbnf(tool_call_grammar(ToolCallFormat::Hermes, Json::parse(tools), {}, "", nullptr));
        EXPECT_TRUE(grammar::gbnf_matches(g, "<tool_call>\n{\"name\": \"now\", \"arguments\": {}}\n</tool_call>"));
        EXPECT_FALSE(grammar::gbnf_matches(g, "<tool_call>\n{\"name\": \"now\", \"arguments\": {\"x\": 1}}\n</tool_call>"));
    }
}

}  // namespace
}  // namespace chord
