// Tool calls in model output (include/chord/tool_calls.hpp): each format's calls, content and
// reasoning; malformed calls kept as content; the streaming safe prefix; and which format each of
// llama.cpp's 68 real chat templates (tests/data/chat_templates/templates) asks for.
//
// Cases marked "llama.cpp" are transcribed from llama.cpp's tests/test-chat.cpp, at commit
// 3f545bec (the one the templates come from) unless marked "llama.cpp 34df42f7", the commit before
// its parsers were rewritten (2026-03-06), whose test had more cases for these formats. llama.cpp
// compares arguments as JSON; here they are compact text ({"arg1": 1} is written {"arg1":1}).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "chord/tool_calls.hpp"

namespace chord {

// For readable failures.
inline bool operator==(const ToolCall& a, const ToolCall& b) {
    return a.id == b.id && a.name == b.name && a.arguments == b.arguments;
}
inline void PrintTo(const ToolCall& call, std::ostream* os) {
    *os << "{id: \"" << call.id << "\", name: \"" << call.name << "\", arguments: " << call.arguments << "}";
}

namespace {

using Format = ToolCallFormat;
using Calls = std::vector<ToolCall>;

ToolCall call(std::string name, std::string arguments, std::string id = "call_0") {
    return ToolCall{std::move(id), std::move(name), std::move(arguments)};
}

void expect_reply(const ParsedReply& reply, const std::string& content, const std::string& reasoning, const Calls& calls) {
    EXPECT_EQ(reply.content, content);
    EXPECT_EQ(reply.reasoning_content, reasoning);
    EXPECT_EQ(reply.tool_calls, calls);
}

// A reply with no calls comes back as content, byte for byte.
void expect_content_only(const std::string& reply, Format format) {
    SCOPED_TRACE(reply);
    expect_reply(parse_tool_calls(reply, format), reply, "", {});
}

const std::string kSpecialCall = R"({"name": "special_function", "arguments": {"arg1": 1}})";

// ---------------------------------------------------------------------------------------------
// Hermes

TEST(ToolCallsHermes, OneCall) {
    // llama.cpp: NousResearch-Hermes-2-Pro
    expect_reply(parse_tool_calls("<tool_call>\n" + kSpecialCall + "</tool_call>", Format::Hermes), "", "",
                 {call("special_function", R"({"arg1":1})")});
    // llama.cpp: MiMo-VL, Hermes 3, Qwen 2.5, Granite 4.0 and 4.1
    expect_reply(parse_tool_calls("<tool_call>\n" + kSpecialCall + "\n</tool_call>", Format::Hermes), "", "",
                 {call("special_function", R"({"arg1":1})")});
}

TEST(ToolCallsHermes, TextBeforeTheCall) {
    // llama.cpp: NousResearch-Hermes-2-Pro
    expect_reply(parse_tool_calls("Hello, world!\nWhat's up?<tool_call>\n" + kSpecialCall + "</tool_call>", Format::Hermes),
                 "Hello, world!\nWhat's up?", "", {call("special_function", R"({"arg1":1})")});
    // llama.cpp: Reka-Edge (the newline before the call goes)
    expect_reply(parse_tool_calls("Hello, world!\nWhat's up?\n<tool_call>\n" + kSpecialCall + "\n</tool_call>", Format::Hermes),
                 "Hello, world!\nWhat's up?", "", {call("special_function", R"({"arg1":1})")});
}

TEST(ToolCallsHermes, TextAroundAndBetweenCalls) {
    const ParsedReply reply = parse_tool_calls(
        "Checking.\n<tool_call>\n{\"name\": \"a\", \"arguments\": {}}\n</tool_call>\n"
        "<tool_call>\n{\"name\": \"b\", \"arguments\": {}}\n</tool_call>\nDone.\n",
        Format::Hermes);
    expect_reply(reply, "Checking.\nDone.", "", {call("a", "{}", "call_0"), call("b", "{}", "call_1")});
}

TEST(ToolCallsHermes, SeveralCalls) {
    // llama.cpp: Reka-Edge, parallel calls
    expect_reply(parse_tool_calls("<tool_call>\n" + kSpecialCall + "\n</tool_call>\n"
                                  "<tool_call>\n{\"name\": \"special_function_with_opt\", \"arguments\": {\"arg1\": 1, \"arg2\": 2}}\n</tool_call>",
                                  Format::Hermes),
                 "", "",
                 {call("special_function", R"({"arg1":1})", "call_0"),
                  call("special_function_with_opt", R"({"arg1":1,"arg2":2})", "call_1")});
    // llama.cpp 34df42f7: "Test multiple tool calls"
    expect_reply(parse_tool_calls("<tool_call>\n" + kSpecialCall + "\n</tool_call>\n"
                                  "<tool_call>\n{\"name\": \"python\", \"arguments\": {\"code\":\"print('hello')\"}}\n</tool_call>",
                                  Format::Hermes),
                 "", "",
                 {call("special_function", R"({"arg1":1})", "call_0"), call("python", R"j({"code":"print('hello')"})j", "call_1")});
}

TEST(ToolCallsHermes, FunctionTagForms) {
    // llama.cpp 34df42f7: the other forms its Hermes 2 Pro parser takes
    expect_reply(parse_tool_calls(R"(<function=special_function>{"arg1": 1}</function>)", Format::Hermes), "", "",
                 {call("special_function", R"({"arg1":1})")});
    expect_reply(parse_tool_calls("<function name=\"special_function\">\n{\"arg1\": 1}\n</function>", Format::Hermes), "", "",
                 {call("special_function", R"({"arg1":1})")});
    expect_reply(parse_tool_calls("<function=special_function>{\"arg1\": 1}</function>\n"
                                  "<function=python>{\"code\":\"print('hello')\"}</function>",
                                  Format::Hermes),
                 "", "",
                 {call("special_function", R"({"arg1":1})", "call_0"), call("python", R"j({"code":"print('hello')"})j", "call_1")});
}

TEST(ToolCallsHermes, NoCall) {
    // llama.cpp: message_assist
    expect_content_only("Hello, world!\nWhat's up?", Format::Hermes);
    expect_content_only("  Use a <b>bold</b> tag, and 1 < 2.\n", Format::Hermes);
    expect_content_only("", Format::Hermes);
}

TEST(ToolCallsHermes, MalformedCallsStayContent) {
    for (const std::string reply : {
             "Sure. <tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": }\n</tool_call> Done.",  // bad JSON
             "<tool_call>\n{\"arguments\": {\"a\": 1}}\n</tool_call>",                             // no name
             "<tool_call>\n{\"name\": \"f\", \"arguments\": [1, 2]}\n</tool_call>",                // arguments not an object
             "<tool_call>\n{\"name\": \"f\"} trailing\n</tool_call>",                              // more than the JSON
             "<tool_call>nah uhg</tool_call>",
             "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}",  // cut off inside the JSON
             "<function=bad name>{}</function>",
         }) {
        expect_content_only(reply, Format::Hermes);
    }
}

TEST(ToolCallsHermes, MalformedCallBesideAGoodOne) {
    const ParsedReply reply = parse_tool_calls(
        "<tool_call>\n{\"name\": \"broken\", \"arguments\": {]}\n</tool_call>\n<tool_call>\n" + kSpecialCall + "\n</tool_call>",
        Format::Hermes);
    expect_reply(reply, "<tool_call>\n{\"name\": \"broken\", \"arguments\": {]}\n</tool_call>", "",
                 {call("special_function", R"({"arg1":1})")});
}

TEST(ToolCallsHermes, UnclosedBlockRunsToTheEnd) {
    // The model stopped right after the JSON.
    expect_reply(parse_tool_calls("<tool_call>\n" + kSpecialCall + "\n", Format::Hermes), "", "",
                 {call("special_function", R"({"arg1":1})")});
}

TEST(ToolCallsHermes, ArgumentsForms) {
    // As a JSON string (some models stringify), missing (no arguments), and "parameters".
    expect_reply(parse_tool_calls(R"(<tool_call>{"name": "f", "arguments": "{\"a\": 1}"}</tool_call>)", Format::Hermes), "", "",
                 {call("f", R"({"a":1})")});
    expect_reply(parse_tool_calls(R"(<tool_call>{"name": "get_time"}</tool_call>)", Format::Hermes), "", "",
                 {call("get_time", "{}")});
    expect_reply(parse_tool_calls(R"(<tool_call>{"name": "f", "parameters": {"a": 1}}</tool_call>)", Format::Hermes), "", "",
                 {call("f", R"({"a":1})")});
    // llama.cpp 34df42f7: message_assist_call_python_lines
    expect_reply(parse_tool_calls("<tool_call>\n{\"name\": \"python\", \"arguments\": {\"code\":\"# This is a program:\\nprint('hey')\"}}\n</tool_call>",
                                  Format::Hermes),
                 "", "", {call("python", R"j({"code":"# This is a program:\nprint('hey')"})j")});
}

TEST(ToolCallsHermes, UnicodeArguments) {
    const ParsedReply reply = parse_tool_calls(
        u8"<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Zürich\", \"note\": \"天气 🌦\", \"e\": \"caf\\u00e9\"}}\n</tool_call>",
        Format::Hermes);
    expect_reply(reply, "", "", {call("get_weather", u8R"({"city":"Zürich","note":"天气 🌦","e":"café"})")});
}

TEST(ToolCallsHermes, NestedArgumentsKeepTheirKeyOrder) {
    const ParsedReply reply = parse_tool_calls(
        "<tool_call>\n{\"name\": \"search\", \"arguments\": {\"zeta\": 1, \"filter\": {\"range\": {\"min\": -1.5, \"max\": [1, 2, {\"x\": null}]}, "
        "\"tags\": [\"a\", \"b\"]}, \"alpha\": true}}\n</tool_call>",
        Format::Hermes);
    expect_reply(reply, "", "",
                 {call("search", R"({"zeta":1,"filter":{"range":{"min":-1.5,"max":[1,2,{"x":null}]},"tags":["a","b"]},"alpha":true})")});
}

TEST(ToolCallsHermes, Reasoning) {
    // llama.cpp 34df42f7: message_assist_thoughts
    expect_reply(parse_tool_calls("<think>I'm\nthinking</think>Hello, world!\nWhat's up?", Format::Hermes),
                 "Hello, world!\nWhat's up?", "I'm\nthinking", {});
    // Qwen3 writes newlines around it.
    expect_reply(parse_tool_calls("<think>\nI'm\nthinking\n</think>\n\nHello, world!\nWhat's up?", Format::Hermes),
                 "Hello, world!\nWhat's up?", "I'm\nthinking", {});
    // llama.cpp 34df42f7: QwQ's prompt ends in <think>, so the reply only closes it
    expect_reply(parse_tool_calls("I'm\nthinking</think>\n<tool_call>" + kSpecialCall + "</tool_call>", Format::Hermes), "",
                 "I'm\nthinking", {call("special_function", R"({"arg1":1})")});
    // llama.cpp: Qwen-QwQ-32B
    expect_reply(parse_tool_calls("Let me think about this...\n</think>\nThe answer is 42.", Format::Hermes), "The answer is 42.",
                 "Let me think about this...", {});
    // llama.cpp: Reka-Edge, thinking then a call
    expect_reply(parse_tool_calls("I'm\nthinking\n</think>\n\n<tool_call>\n" + kSpecialCall + "\n</tool_call>", Format::Hermes), "",
                 "I'm\nthinking", {call("special_function", R"({"arg1":1})")});
    // llama.cpp 34df42f7: a call inside unfinished reasoning is reasoning
    expect_reply(parse_tool_calls("<think><tool_call>nah uhg</tool_call>", Format::Hermes), "", "<tool_call>nah uhg</tool_call>", {});
}

// ---------------------------------------------------------------------------------------------
// Llama 3.x JSON

TEST(ToolCallsLlama3, OneCall) {
    // llama.cpp 34df42f7: meta-llama-Llama-3.1-8B-Instruct and 3.2
    expect_reply(parse_tool_calls(R"({"name": "special_function", "parameters": {"arg1": 1}})", Format::Llama3Json), "", "",
                 {call("special_function", R"({"arg1":1})")});
    expect_reply(parse_tool_calls(R"(  {"type": "function", "name": "f", "parameters": {"a": "x"}})", Format::Llama3Json), "", "",
                 {call("f", R"({"a":"x"})")});
    expect_reply(parse_tool_calls(R"({"name": "f", "arguments": {"a": 1}})", Format::Llama3Json), "", "", {call("f", R"({"a":1})")});
}

TEST(ToolCallsLlama3, AfterPythonTag) {
    expect_reply(parse_tool_calls(R"(<|python_tag|>{"name": "f", "parameters": {"a": 1}})", Format::Llama3Json), "", "",
                 {call("f", R"({"a":1})")});
    expect_reply(parse_tool_calls(R"(Let me look.<|python_tag|>{"name": "f", "parameters": {}})", Format::Llama3Json), "Let me look.",
                 "", {call("f", "{}")});
}

TEST(ToolCallsLlama3, BuiltinTools) {
    // llama.cpp 34df42f7: message_assist_call_code_interpreter and message_assist_call_python
    expect_reply(parse_tool_calls("<|python_tag|>code_interpreter.call(code=\"print('hey')\")", Format::Llama3Json), "", "",
                 {call("code_interpreter", R"j({"code":"print('hey')"})j")});
    expect_reply(parse_tool_calls("<|python_tag|>python.call(code=\"print('hey')\")", Format::Llama3Json), "", "",
                 {call("python", R"j({"code":"print('hey')"})j")});
    expect_reply(parse_tool_calls(R"(<|python_tag|>brave_search.call(query="weather in Paris", count=3))", Format::Llama3Json), "", "",
                 {call("brave_search", R"({"query":"weather in Paris","count":3})")});
}

TEST(ToolCallsLlama3, SeveralCalls) {
    expect_reply(parse_tool_calls(R"({"name": "a", "parameters": {"x": 1}}; {"name": "b", "parameters": {"y": 2}})", Format::Llama3Json), "",
                 "", {call("a", R"({"x":1})", "call_0"), call("b", R"({"y":2})", "call_1")});
    expect_reply(parse_tool_calls("{\"name\": \"a\", \"parameters\": {}}\n{\"name\": \"b\", \"parameters\": {}}", Format::Llama3Json), "", "",
                 {call("a", "{}", "call_0"), call("b", "{}", "call_1")});
}

TEST(ToolCallsLlama3, NoCall) {
    // llama.cpp: Llama 3.1, 3.2, 3.3 with tools
    expect_content_only("Hello, world!\nWhat's up?", Format::Llama3Json);
    // JSON for the user is not a call: no parameters, or not at the start.
    expect_content_only(R"({"name": "John", "age": 30})", Format::Llama3Json);
    expect_content_only(R"(Here it is: {"name": "f", "parameters": {}})", Format::Llama3Json);
}

TEST(ToolCallsLlama3, MalformedCallsStayContent) {
    expect_content_only(R"({"name": "f", "parameters": {"a": })", Format::Llama3Json);
    expect_content_only(R"({"name": "f", "parameters": "not json"})", Format::Llama3Json);
    expect_content_only("<|python_tag|>print('raw code')", Format::Llama3Json);
    expect_content_only("<|python_tag|>brave_search.call(query=\"x\"", Format::Llama3Json);
}

TEST(ToolCallsLlama3, UnicodeAndNestedArguments) {
    expect_reply(parse_tool_calls(u8R"({"name": "translate", "parameters": {"text": "Grüße, 世界", "opts": {"to": ["ja", "de"], "formal": {"level": 2}}}})",
                                  Format::Llama3Json),
                 "", "", {call("translate", u8R"({"text":"Grüße, 世界","opts":{"to":["ja","de"],"formal":{"level":2}}})")});
}

// ---------------------------------------------------------------------------------------------
// Mistral

TEST(ToolCallsMistral, NemoArray) {
    // llama.cpp: mistralai-Mistral-Nemo-Instruct-2407
    expect_reply(parse_tool_calls(R"([TOOL_CALLS][{"name": "special_function", "arguments": {"arg1": 1}, "id": "123456789"}])", Format::Mistral),
                 "", "", {call("special_function", R"({"arg1":1})", "123456789")});
    expect_reply(parse_tool_calls(R"([TOOL_CALLS] [{"name": "a", "arguments": {"x": 1}}, {"name": "b", "arguments": {"y": [2]}}])", Format::Mistral),
                 "", "", {call("a", R"({"x":1})", "call_0"), call("b", R"({"y":[2]})", "call_1")});
}

TEST(ToolCallsMistral, NameArgs) {
    // llama.cpp: unsloth-mistral-Devstral-Small-2507
    expect_reply(parse_tool_calls(R"([TOOL_CALLS]special_function[ARGS]{"arg1": 1})", Format::Mistral), "", "",
                 {call("special_function", R"({"arg1":1})")});
    expect_reply(parse_tool_calls(R"(Hello, world!
What's up?[TOOL_CALLS]special_function[ARGS]{"arg1": 1})", Format::Mistral),
                 "Hello, world!\nWhat's up?", "", {call("special_function", R"({"arg1":1})")});
}

TEST(ToolCallsMistral, CallIds) {
    // llama.cpp: Mistral-Small-3.2-24B-Instruct-2506
    expect_reply(parse_tool_calls(R"([TOOL_CALLS]special_function[CALL_ID]123456789[ARGS]{"arg1": 1})", Format::Mistral), "", "",
                 {call("special_function", R"({"arg1":1})", "123456789")});
    expect_reply(parse_tool_calls(R"([TOOL_CALLS]special_function[CALL_ID]000000001[ARGS]{"arg1": 1})"
                                  R"([TOOL_CALLS]special_function_with_opt[CALL_ID]000000002[ARGS]{"arg1": 1, "arg2": 2})",
                                  Format::Mistral),
                 "", "",
                 {call("special_function", R"({"arg1":1})", "000000001"),
                  call("special_function_with_opt", R"({"arg1":1,"arg2":2})", "000000002")});
}

TEST(ToolCallsMistral, SeveralCalls) {
    // llama.cpp: mistralai-Ministral-3-14B-Reasoning-2512, parallel calls
    expect_reply(parse_tool_calls(R"([TOOL_CALLS]special_function[ARGS]{"arg1": 1})"
                                  R"([TOOL_CALLS]special_function_with_opt[ARGS]{"arg1": 1, "arg2": 2})",
                                  Format::Mistral),
                 "", "",
                 {call("special_function", R"({"arg1":1})", "call_0"),
                  call("special_function_with_opt", R"({"arg1":1,"arg2":2})", "call_1")});
    // Chained without repeating the marker.
    expect_reply(parse_tool_calls(R"([TOOL_CALLS]a[ARGS]{"x": 1}b[ARGS]{"y": 2})", Format::Mistral), "", "",
                 {call("a", R"({"x":1})", "call_0"), call("b", R"({"y":2})", "call_1")});
}

TEST(ToolCallsMistral, Reasoning) {
    // llama.cpp: Ministral 3 Reasoning
    expect_reply(parse_tool_calls("[THINK]I'm\nthinking[/THINK]Hello, world!\nWhat's up?", Format::Mistral), "Hello, world!\nWhat's up?",
                 "I'm\nthinking", {});
    expect_reply(parse_tool_calls(R"([THINK]I'm
thinking[/THINK][TOOL_CALLS]special_function[ARGS]{"arg1":1})", Format::Mistral),
                 "", "I'm\nthinking", {call("special_function", R"({"arg1":1})")});
    // llama.cpp: a fake tool call marker in the reasoning
    expect_reply(parse_tool_calls(R"([THINK]Let me think about [TOOL_CALLS]special_function[ARGS]{"arg1":1} and more[/THINK])"
                                  R"([TOOL_CALLS]special_function[ARGS]{"arg1": 1})",
                                  Format::Mistral),
                 "", R"(Let me think about [TOOL_CALLS]special_function[ARGS]{"arg1":1} and more)",
                 {call("special_function", R"({"arg1":1})")});
    // llama.cpp 34df42f7: message_assist_thoughts_unparsed_magistral, parsed
    expect_reply(parse_tool_calls(u8"[THINK]raisonnement[/THINK]Réponse", Format::Mistral), u8"Réponse", "raisonnement", {});
}

TEST(ToolCallsMistral, NoCall) {
    // llama.cpp: Mistral Nemo, Small 3.2, Devstral, Ministral 3
    expect_content_only("Hello, world!\nWhat's up?", Format::Mistral);
    expect_content_only("Arrays look like [1, 2] and [TOOL] is not a marker.", Format::Mistral);
}

TEST(ToolCallsMistral, MalformedCallsStayContent) {
    expect_content_only(R"([TOOL_CALLS][{"name": "f", "arguments": {]}])", Format::Mistral);
    expect_content_only(R"(Sure.[TOOL_CALLS][{"arguments": {}}])", Format::Mistral);
    expect_content_only(R"([TOOL_CALLS]f[ARGS]{"a": 1)", Format::Mistral);
    expect_content_only(R"([TOOL_CALLS]no args here)", Format::Mistral);
    // A good call, then a broken one: the rest from the broken one's marker stays.
    expect_reply(parse_tool_calls(R"([TOOL_CALLS]a[ARGS]{}[TOOL_CALLS]b[ARGS]{oops})", Format::Mistral), "[TOOL_CALLS]b[ARGS]{oops}", "",
                 {call("a", "{}")});
}

TEST(ToolCallsMistral, UnicodeAndNestedArguments) {
    expect_reply(parse_tool_calls(u8R"([TOOL_CALLS]note[ARGS]{"text": "naïve ☕", "meta": {"tags": [{"k": "v"}]}})", Format::Mistral), "", "",
                 {call("note", u8R"({"text":"naïve ☕","meta":{"tags":[{"k":"v"}]}})")});
}

// ---------------------------------------------------------------------------------------------
// Qwen3-Coder XML

std::string xml_call(const std::string& name, const std::vector<std::pair<std::string, std::string>>& parameters) {
    std::string text = "<tool_call>\n<function=" + name + ">\n";
    for (const auto& [key, value] : parameters) text += "<parameter=" + key + ">\n" + value + "\n</parameter>\n";
    return text + "</function>\n</tool_call>";
}

TEST(ToolCallsQwenXml, OneCall) {
    // llama.cpp: Qwen3-Coder, Qwen3.5-4B
    expect_reply(parse_tool_calls(xml_call("special_function", {{"arg1", "1"}}), Format::QwenXml), "", "",
                 {call("special_function", R"({"arg1":1})")});
    // llama.cpp: Qwen3.5-4B, no arguments
    expect_reply(parse_tool_calls("<tool_call>\n<function=empty_args>\n</function>\n</tool_call>", Format::QwenXml), "", "",
                 {call("empty_args", "{}")});
}

TEST(ToolCallsQwenXml, WithoutTheOpeningTag) {
    // llama.cpp: Qwen3-Coder, "some models skip the opening <tool_call>"
    const std::string bare = "<function=special_function>\n<parameter=arg1>\n1\n</parameter>\n</function>\n</tool_call>";
    expect_reply(parse_tool_calls(bare, Format::QwenXml), "", "", {call("special_function", R"({"arg1":1})")});
    // llama.cpp keeps "Let me call it.\n"; here the whitespace before a call goes, as in every format.
    expect_reply(parse_tool_calls("Let me call it.\n" + bare, Format::QwenXml), "Let me call it.", "",
                 {call("special_function", R"({"arg1":1})")});
}

TEST(ToolCallsQwenXml, SeveralCalls) {
    // llama.cpp: Qwen3-Coder, the first call without its opening tag, then a full one
    const std::string second = xml_call("special_function_with_opt", {{"arg1", "1"}, {"arg2", "2"}});
    const Calls expected = {call("special_function", R"({"arg1":1})", "call_0"),
                            call("special_function_with_opt", R"({"arg1":1,"arg2":2})", "call_1")};
    expect_reply(parse_tool_calls("<function=special_function>\n<parameter=arg1>\n1\n</parameter>\n</function>\n</tool_call>\n" + second,
                                  Format::QwenXml),
                 "", "", expected);
    expect_reply(parse_tool_calls(xml_call("special_function", {{"arg1", "1"}}) + "\n" + second, Format::QwenXml), "", "", expected);
}

TEST(ToolCallsQwenXml, ParameterValues) {
    // llama.cpp: Qwen3.5-4B and Qwen3-Coder; strings stay raw text, numbers and JSON become JSON.
    const std::vector<std::pair<std::string, std::string>> cases = {
        {xml_call("python", {{"code", "def hello():\n    print(\"Hello, world!\")\n\nhello()"}}),
         R"j({"code":"def hello():\n    print(\"Hello, world!\")\n\nhello()"})j"},
        {xml_call("python", {{"code", "    print(\"Hello, world!\")"}}), R"j({"code":"    print(\"Hello, world!\")"})j"},
        {xml_call("edit", {{"filename", "foo.c"}, {"oldString", "#iclunde"}, {"newString", "#include\n"}}),
         R"({"filename":"foo.c","oldString":"#iclunde","newString":"#include\n"})"},
        {xml_call("html", {{"markup", "<html>\n <head>\n  <title>Hello!</title>\n </head>\n</html>"}}),
         R"({"markup":"<html>\n <head>\n  <title>Hello!</title>\n </head>\n</html>"})"},
        {xml_call("todo_list", {{"todos", R"([{"item": "Check stuff", "selected": false}, {"item": "Prepare stuff", "selected": true}])"}}),
         R"({"todos":[{"item":"Check stuff","selected":false},{"item":"Prepare stuff","selected":true}]})"},
        {xml_call("tool_2req_4opt", {{"req2", "42"}, {"req1", "hello"}, {"opt2", "200"}}), R"({"req2":42,"req1":"hello","opt2":200})"},
        {xml_call("set_nullable_str", {{"name", "hello world"}}), R"({"name":"hello world"})"},
        {xml_call("set_unit", {{"unit", "celsius"}}), R"({"unit":"celsius"})"},
        {xml_call("python", {{"code", u8"格"}}), u8R"j({"code":"格"})j"},
        {xml_call("query", {{"filter", R"({"range": {"min": 1, "max": [2, 3]}})"}}), R"({"filter":{"range":{"min":1,"max":[2,3]}}})"},
    };
    for (const auto& [reply, arguments] : cases) {
        SCOPED_TRACE(reply);
        const ParsedReply parsed = parse_tool_calls(reply, Format::QwenXml);
        ASSERT_EQ(parsed.tool_calls.size(), 1u);
        EXPECT_EQ(parsed.tool_calls[0].arguments, arguments);
        EXPECT_EQ(parsed.content, "");
    }
}

TEST(ToolCallsQwenXml, Reasoning) {
    // llama.cpp: Qwen3.5-4B (its prompt ends in <think>)
    expect_reply(parse_tool_calls("I'm\nthinking\n</think>\n\nHello, world!\nWhat's up?", Format::QwenXml), "Hello, world!\nWhat's up?",
                 "I'm\nthinking", {});
    expect_reply(parse_tool_calls("I'm\nthinking\n</think>\n\n" + xml_call("special_function", {{"arg1", "1"}}), Format::QwenXml), "",
                 "I'm\nthinking", {call("special_function", R"({"arg1":1})")});
    expect_reply(parse_tool_calls("<think>\nI'm\nthinking\n</think>\n\n" + xml_call("f", {}), Format::QwenXml), "", "I'm\nthinking",
                 {call("f", "{}")});
}

TEST(ToolCallsQwenXml, NoCallAndMalformed) {
    // llama.cpp: Qwen3-Coder
    expect_content_only("Hello, world!\nWhat's up?", Format::QwenXml);
    expect_content_only("<tool_call>\n<function=f>\n<parameter=a>\n1\n</function>\n</tool_call>", Format::QwenXml);  // no </parameter>
    expect_content_only("<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>", Format::QwenXml);          // Hermes JSON
    expect_content_only("<function=f>\n<parameter=a>\n1\n</parameter>\n", Format::QwenXml);                          // cut off
}

// ---------------------------------------------------------------------------------------------
// Format None, names, ids, hostile output

TEST(ToolCalls, NoneKeepsEverythingButReasoning) {
    expect_content_only("<tool_call>\n" + kSpecialCall + "\n</tool_call>", Format::None);
    expect_content_only("[TOOL_CALLS]f[ARGS]{}", Format::None);
    expect_reply(parse_tool_calls("<think>hm</think>Hi", Format::None), "Hi", "hm", {});
    EXPECT_EQ(tool_call_safe_prefix("Hi <tool_", Format::None), 9u);
}

TEST(ToolCalls, FormatNames) {
    const std::map<Format, std::string> names = {{Format::None, "none"},
                                                 {Format::Hermes, "hermes"},
                                                 {Format::Llama3Json, "llama3-json"},
                                                 {Format::Mistral, "mistral"},
                                                 {Format::QwenXml, "qwen3-coder"}};
    for (const auto& [format, name] : names) {
        EXPECT_EQ(tool_call_format_name(format), name);
        EXPECT_EQ(tool_call_format_from_name(name), format);
    }
    EXPECT_EQ(tool_call_format_from_name("chatml"), std::nullopt);
}

TEST(ToolCalls, GeneratedIdsCountCallsInTheReply) {
    // The model's ids are kept; a call without one gets call_<its index>.
    const ParsedReply reply = parse_tool_calls(R"([TOOL_CALLS][{"name": "a", "arguments": {}, "id": "abc123xyz"}, {"name": "b", "arguments": {}}])",
                                               Format::Mistral);
    expect_reply(reply, "", "", {call("a", "{}", "abc123xyz"), call("b", "{}", "call_1")});
}

// Every cut of well-formed replies, bytes flipped, deep nesting and broken UTF-8: no exception.
TEST(ToolCalls, HostileOutputNeverThrows) {
    const std::vector<std::pair<Format, std::string>> replies = {
        {Format::Hermes, "<think>a</think>Hi\n<tool_call>\n" + kSpecialCall + "\n</tool_call><function=f>{\"a\": [1]}</function>"},
        {Format::Llama3Json, R"({"name": "a", "parameters": {"x": "y\"z"}}; <|python_tag|>b.call(q="1", n=2))"},
        {Format::Mistral, R"([THINK]t[/THINK][TOOL_CALLS][{"name": "a", "arguments": {"b": [1, {"c": "\u00e9"}]}}][TOOL_CALLS]b[CALL_ID]x[ARGS]{})"},
        {Format::QwenXml, xml_call("f", {{"a", "[1, {\"b\": 2}]"}, {"c", "text"}})},
    };
    for (const auto& [format, reply] : replies) {
        for (size_t cut = 0; cut <= reply.size(); ++cut) {
            const std::string prefix = reply.substr(0, cut);
            EXPECT_NO_THROW(parse_tool_calls(prefix, format)) << prefix;
            EXPECT_LE(tool_call_safe_prefix(prefix, format), prefix.size());
            std::string flipped = reply;
            if (cut < reply.size()) flipped[cut] = static_cast<char>(flipped[cut] ^ 0x80);
            EXPECT_NO_THROW(parse_tool_calls(flipped, format));
        }
    }
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    for (Format format : {Format::Hermes, Format::Llama3Json, Format::Mistral, Format::QwenXml}) {
        EXPECT_NO_THROW(parse_tool_calls("<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": " + deep + "}}</tool_call>", format));
        EXPECT_NO_THROW(parse_tool_calls("[TOOL_CALLS]" + deep, format));
        EXPECT_NO_THROW(parse_tool_calls("{\"name\": \"f\", \"parameters\": {\"a\": " + deep + "}}", format));
    }
    // Broken UTF-8 in a raw XML value is replaced, not thrown.
    const ParsedReply reply = parse_tool_calls(xml_call("f", {{"a", "bad \xff byte"}}), Format::QwenXml);
    expect_reply(reply, "", "", {call("f", u8"{\"a\":\"bad \uFFFD byte\"}")});
}

// ---------------------------------------------------------------------------------------------
// Streaming

TEST(ToolCallsStreaming, PartialMarkerIsHeldBack) {
    EXPECT_EQ(tool_call_safe_prefix("Hello <tool_", Format::Hermes), 5u);
    EXPECT_EQ(tool_call_safe_prefix("Hello <", Format::Hermes), 5u);
    EXPECT_EQ(tool_call_safe_prefix("<", Format::Hermes), 0u);
    EXPECT_EQ(tool_call_safe_prefix("Hello <tool_call>\n{\"na", Format::Hermes), 5u);
    EXPECT_EQ(tool_call_safe_prefix("Hello <function", Format::Hermes), 5u);
    EXPECT_EQ(tool_call_safe_prefix("Sure[TOOL_CA", Format::Mistral), 4u);
    EXPECT_EQ(tool_call_safe_prefix("Sure [TOOL_CALLS]f[AR", Format::Mistral), 4u);
    EXPECT_EQ(tool_call_safe_prefix("Let me call it.\n<function=", Format::QwenXml), 15u);
    EXPECT_EQ(tool_call_safe_prefix("Let me call it.\n<tool", Format::QwenXml), 15u);
    EXPECT_EQ(tool_call_safe_prefix("Look: <|python", Format::Llama3Json), 5u);
}

TEST(ToolCallsStreaming, OrdinaryTextIsReleasedAtOnce) {
    EXPECT_EQ(tool_call_safe_prefix("Hello, world", Format::Hermes), 12u);
    EXPECT_EQ(tool_call_safe_prefix("Hello, world", Format::Mistral), 12u);
    EXPECT_EQ(tool_call_safe_prefix("Hello, world", Format::Llama3Json), 12u);
    EXPECT_EQ(tool_call_safe_prefix("Hello, world", Format::QwenXml), 12u);
    // Whitespace waits for the next word: it is dropped if a call follows.
    EXPECT_EQ(tool_call_safe_prefix("Hello,\n", Format::Hermes), 6u);
    EXPECT_EQ(tool_call_safe_prefix("Hello,\nworld", Format::Hermes), 12u);
}

TEST(ToolCallsStreaming, ALessThanThatCannotBecomeAMarkerIsReleased) {
    EXPECT_EQ(tool_call_safe_prefix("a < b", Format::Hermes), 5u);
    EXPECT_EQ(tool_call_safe_prefix("x<tx", Format::Hermes), 4u);
    EXPECT_EQ(tool_call_safe_prefix("<b>bold</b>", Format::Hermes), 11u);
    EXPECT_EQ(tool_call_safe_prefix("a[1]", Format::Mistral), 4u);
    EXPECT_EQ(tool_call_safe_prefix("<function name", Format::QwenXml), 14u);
}

TEST(ToolCallsStreaming, Llama3HoldsAReplyThatMayBeACall) {
    EXPECT_EQ(tool_call_safe_prefix("", Format::Llama3Json), 0u);
    EXPECT_EQ(tool_call_safe_prefix("  ", Format::Llama3Json), 0u);
    EXPECT_EQ(tool_call_safe_prefix("{", Format::Llama3Json), 0u);
    EXPECT_EQ(tool_call_safe_prefix("{\"na", Format::Llama3Json), 0u);
    EXPECT_EQ(tool_call_safe_prefix("{ \n \"ty", Format::Llama3Json), 0u);
    EXPECT_EQ(tool_call_safe_prefix("{\"name\": \"f\", \"parameters\": {\"a\": 1}", Format::Llama3Json), 0u);
    EXPECT_EQ(tool_call_safe_prefix("<|py", Format::Llama3Json), 0u);
    // JSON that cannot be a call is content at once.
    EXPECT_EQ(tool_call_safe_prefix("{\"city\": \"Paris\"}", Format::Llama3Json), 17u);
}

TEST(ToolCallsStreaming, ShownTextIsNeverTakenBack) {
    // Streamed as tool_calls.hpp says (reasoning split off, then the safe prefix of the content),
    // what is shown only grows and is always the start of the final content.
    const std::vector<std::pair<Format, std::string>> replies = {
        {Format::Hermes, "Let me check.\n<tool_call>\n" + kSpecialCall + "\n</tool_call>\nDone."},
        {Format::Hermes, "a <b> c < d\n<tool_call>\nbroken\n</tool_call> e"},
        {Format::Hermes, "Plain answer, with <tags> and\nnewlines.\n"},
        {Format::Hermes, "<think>\nHm, <tool_call> maybe.\n</think>\n\nSure.\n<tool_call>\n" + kSpecialCall + "\n</tool_call>"},
        {Format::Llama3Json, R"({"name": "f", "parameters": {"a": 1}})"},
        {Format::Llama3Json, R"({"answer": 42} and <|python_tag|>b.call(q="x"))"},
        {Format::Mistral, R"(Sure [1] [TOOL_CALLS]f[ARGS]{"a": 1})"},
        {Format::Mistral, "[THINK]plan[/THINK]Text [TOOL_CALLS]oops"},
        {Format::QwenXml, "Calling.\n" + xml_call("f", {{"a", "1"}}) + "\nThen text <x>."},
    };
    for (const auto& [format, reply] : replies) {
        const std::string final_content = parse_tool_calls(reply, format).content;
        size_t shown = 0;
        for (size_t cut = 0; cut <= reply.size(); ++cut) {
            const ReasoningSplit split = split_reasoning_so_far(std::string_view(reply).substr(0, cut), format);
            const std::string_view shown_now = split.content.substr(0, tool_call_safe_prefix(split.content, format));
            ASSERT_GE(shown_now.size(), shown) << reply << " at " << cut;
            ASSERT_EQ(final_content.substr(0, shown_now.size()), shown_now) << reply << " at " << cut;
            shown = shown_now.size();
        }
    }
}

TEST(ToolCallsStreaming, ReasoningSoFar) {
    ReasoningSplit split = split_reasoning_so_far("<thi", Format::Hermes);
    EXPECT_TRUE(split.reasoning_open);
    EXPECT_EQ(split.content, "");
    split = split_reasoning_so_far("<think>\nLet me", Format::Hermes);
    EXPECT_TRUE(split.reasoning_open);
    EXPECT_EQ(split.reasoning, "Let me");
    split = split_reasoning_so_far("<think>\nLet me</think>\n\nHel", Format::Hermes);
    EXPECT_FALSE(split.reasoning_open);
    EXPECT_EQ(split.reasoning, "Let me");
    EXPECT_EQ(split.content, "Hel");
    split = split_reasoning_so_far("[THINK]x[/THINK]y", Format::Mistral);
    EXPECT_EQ(split.reasoning, "x");
    EXPECT_EQ(split.content, "y");
    // A complete reply that is only "<" is content.
    expect_content_only("<", Format::Hermes);
}

// ---------------------------------------------------------------------------------------------
// Detection on llama.cpp's 68 real templates

// The format llama.cpp (3f545bec, common/chat.cpp) reads from each template. It tells most formats
// apart by its differential autoparser, which renders the template with and without a call, so the
// table says what each template renders a call as; where that is one of the formats here it is
// that format, else None. The dedicated handlers it picks by markers first (Ministral 3, Qwen3-Coder
// XML, MiniMax-M3, …) and the names its older explicit detection gave (34df42f7: Hermes 2 Pro,
// Llama 3.x, Mistral Nemo, Functionary v3.1, FireFunction v2) agree with this table.
const std::map<std::string, Format> kExpectedFormats = {
    {"Apertus-8B-Instruct.jinja", Format::None},                       // <|tools_prefix|>[{…}]<|tools_suffix|>
    {"Apriel-1.6-15b-Thinker-fixed.jinja", Format::None},              // <tool_calls>[…]</tool_calls>
    {"Bielik-11B-v3.0-Instruct.jinja", Format::Hermes},
    {"ByteDance-Seed-OSS.jinja", Format::None},                        // <seed:tool_call><function=…>
    {"Cohere2MoE.jinja", Format::None},                                // <|START_ACTION|>
    {"CohereForAI-c4ai-command-r-plus-tool_use.jinja", Format::None},  // Action: ```json
    {"CohereForAI-c4ai-command-r7b-12-2024-tool_use.jinja", Format::None},
    {"GLM-4.6.jinja", Format::None},  // <tool_call>name<arg_key>…
    {"GLM-4.7-Flash.jinja", Format::None},
    {"GigaChat3-10B-A1.8B.jinja", Format::None},
    {"GigaChat3.1-10B-A1.8B.jinja", Format::None},
    {"HuggingFaceTB-SmolLM3-3B.jinja", Format::None},
    {"Kimi-K2-Instruct.jinja", Format::None},  // <|tool_calls_section_begin|>
    {"Kimi-K2-Thinking.jinja", Format::None},
    {"Kimi-K3.jinja", Format::None},
    {"LFM2-8B-A1B.jinja", Format::None},  // <|tool_call_start|>[f(a=1)]<|tool_call_end|>
    {"LFM2.5-8B-A1B.jinja", Format::None},
    {"LFM2.5-Instruct.jinja", Format::None},
    {"MiMo-VL.jinja", Format::Hermes},
    {"MiniMax-M1.jinja", Format::None},  // <tool_calls>\n{…}\n</tool_calls>
    {"MiniMax-M2.jinja", Format::None},  // <invoke name=…>
    {"MiniMax-M3.jinja", Format::None},
    {"Mistral-Small-3.2-24B-Instruct-2506.jinja", Format::Mistral},
    {"NVIDIA-Nemotron-3-Nano-30B-A3B-BF16.jinja", Format::QwenXml},
    {"NVIDIA-Nemotron-Nano-v2.jinja", Format::None},  // <TOOLCALL>[…]</TOOLCALL>
    {"NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja", Format::Hermes},
    {"NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja", Format::Hermes},
    {"Qwen-QwQ-32B.jinja", Format::Hermes},
    {"Qwen-Qwen2.5-7B-Instruct.jinja", Format::Hermes},
    {"Qwen-Qwen3-0.6B.jinja", Format::Hermes},
    {"Qwen3-Coder.jinja", Format::QwenXml},
    {"Qwen3.5-4B.jinja", Format::QwenXml},
    {"Reka-Edge.jinja", Format::Hermes},
    {"StepFun3.5-Flash.jinja", Format::QwenXml},
    {"deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja", Format::None},  // <｜tool▁calls▁begin｜>
    {"deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja", Format::None},
    {"deepseek-ai-DeepSeek-V3.1.jinja", Format::None},
    {"deepseek-ai-DeepSeek-V3.2.jinja", Format::None},  // DSML
    {"deepseek-ai-DeepSeek-V4-Flash-0731.jinja", Format::None},
    {"deepseek-ai-DeepSeek-V4.jinja", Format::None},
    {"fireworks-ai-llama-3-firefunction-v2.jinja", Format::None},  //  functools[…]
    {"google-gemma-2-2b-it.jinja", Format::None},                  // no tools
    {"google-gemma-4-31B-it-interleaved.jinja", Format::None},     // <|tool_call>call:…
    {"google-gemma-4-31B-it.jinja", Format::None},
    {"ibm-granite-granite-3.3-2B-Instruct.jinja", Format::None},  // <|tool_call|>[…]
    {"ibm-granite-granite-4.0.jinja", Format::Hermes},
    {"ibm-granite-granite-4.1.jinja", Format::Hermes},
    {"llama-cpp-deepseek-r1.jinja", Format::None},
    {"llama-cpp-rwkv-world.jinja", Format::None},
    {"meetkai-functionary-medium-v3.1.jinja", Format::None},  // <function=f>{…}</function>
    {"meetkai-functionary-medium-v3.2.jinja", Format::None},  // >>>f\n{…}
    {"meta-llama-Llama-3.1-8B-Instruct.jinja", Format::Llama3Json},
    {"meta-llama-Llama-3.2-3B-Instruct.jinja", Format::Llama3Json},
    {"meta-llama-Llama-3.3-70B-Instruct.jinja", Format::Llama3Json},
    {"microsoft-Phi-3.5-mini-instruct.jinja", Format::None},
    {"mistralai-Ministral-3-14B-Reasoning-2512.jinja", Format::Mistral},
    {"mistralai-Mistral-Nemo-Instruct-2407.jinja", Format::Mistral},
    {"moonshotai-Kimi-K2.jinja", Format::None},
    {"muse-glimmer.jinja", Format::None},          // <atem:function_calls>
    {"openai-gpt-oss-120b.jinja", Format::None},   // harmony channels
    {"openbmb-MiniCPM5-1B.jinja", Format::None},   // <function name="…"><param …>
    {"poolside-Laguna-S-2.1.jinja", Format::None},  // <tool_call>name<arg_key>…
    {"poolside-Laguna-XS-2.1.jinja", Format::None},
    {"poolside-Laguna-XS.2.jinja", Format::None},
    {"tencent-Hy3.jinja", Format::None},
    {"unsloth-Apriel-1.5.jinja", Format::None},  // <tool_calls>[…]</tool_calls>
    {"unsloth-mistral-Devstral-Small-2507.jinja", Format::Mistral},
    {"upstage-Solar-Open-100B.jinja", Format::None},  // <|tool_call:begin|>
};

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(ToolCallFormatDetection, LlamaCppTemplates) {
    const std::filesystem::path dir = std::filesystem::path(CHORD_TEST_DATA_DIR) / "chat_templates" / "templates";
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() == ".jinja") names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    ASSERT_EQ(names.size(), 68u);
    std::map<Format, int> counts;
    for (const std::string& name : names) {
        SCOPED_TRACE(name);
        const auto expected = kExpectedFormats.find(name);
        ASSERT_NE(expected, kExpectedFormats.end()) << "template not in the table";
        const Format detected = detect_tool_call_format(read_text(dir / name));
        EXPECT_EQ(tool_call_format_name(detected), std::string(tool_call_format_name(expected->second)));
        ++counts[detected];
    }
    EXPECT_EQ(counts[Format::Hermes], 10);
    EXPECT_EQ(counts[Format::Llama3Json], 3);
    EXPECT_EQ(counts[Format::Mistral], 4);
    EXPECT_EQ(counts[Format::QwenXml], 4);
    EXPECT_EQ(counts[Format::None], 47);
}

TEST(ToolCallFormatDetection, Markers) {
    EXPECT_EQ(detect_tool_call_format("{{ '<|im_start|>' }}"), Format::None);
    EXPECT_EQ(detect_tool_call_format(""), Format::None);
    EXPECT_EQ(detect_tool_call_format("{{ '<tool_call>\\n' + tool_call | tojson + '\\n</tool_call>' }}"), Format::Hermes);
    EXPECT_EQ(detect_tool_call_format("{{ '[TOOL_CALLS]' + tool_calls | tojson }}"), Format::Mistral);
    EXPECT_EQ(detect_tool_call_format("<tool_call>\n<function={{ name }}>\n<parameter={{ key }}>"), Format::QwenXml);
    EXPECT_EQ(detect_tool_call_format("{{ '<|start_header_id|>ipython<|end_header_id|>\\n\\n' }}"), Format::Llama3Json);
    EXPECT_EQ(detect_tool_call_format("<tool_call>{{ name }}<arg_key>k</arg_key>"), Format::None);
}

}  // namespace
}  // namespace chord
