// Generation options (generate_options_reader.hpp, read here from JSON): every key the JS package
// documents, defaults for null and absent keys, and an InvalidArgument error naming the key for a
// typo, a wrong type or a bad number.
#include <gtest/gtest.h>

#include "chord/generate_options_json.hpp"

namespace chord {
namespace {

std::string error_of(std::string_view json) {
    try {
        generate_options_from_json(json);
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
        return e.what();
    }
    ADD_FAILURE() << json << " was accepted";
    return "";
}

TEST(GenerateOptionsJson, EveryKeyIsRead) {
    const GenerateOptions o = generate_options_from_json(
        R"({"maxTokens":12,"temperature":0.5,"topK":7,"topP":0.9,"minP":0.1,"repeatPenalty":1.2,"frequencyPenalty":0.3,
            "presencePenalty":0.4,"penaltyLastN":-1,"seed":9007199254740991,"stop":["\n\n","User:"],"stopAtEndOfGeneration":false})");
    EXPECT_EQ(o.max_tokens, 12);
    EXPECT_FLOAT_EQ(o.sampling.temperature, 0.5f);
    EXPECT_EQ(o.sampling.top_k, 7);
    EXPECT_FLOAT_EQ(o.sampling.top_p, 0.9f);
    EXPECT_FLOAT_EQ(o.sampling.min_p, 0.1f);
    EXPECT_FLOAT_EQ(o.sampling.repeat_penalty, 1.2f);
    EXPECT_FLOAT_EQ(o.sampling.frequency_penalty, 0.3f);
    EXPECT_FLOAT_EQ(o.sampling.presence_penalty, 0.4f);
    EXPECT_EQ(o.sampling.penalty_last_n, -1);
    EXPECT_EQ(o.sampling.seed, 9007199254740991ull);
    EXPECT_EQ(o.stop, (std::vector<std::string>{"\n\n", "User:"}));
    EXPECT_FALSE(o.stop_at_end_of_generation);
}

TEST(GenerateOptionsJson, StructuredOutputLogprobsAndBiasAreRead) {
    const GenerateOptions g = generate_options_from_json(
        R"({"grammar":"root ::= \"a\"\n","renderSpecial":true,"topLogprobs":5,"logitBias":{"13":-100,"7":2.5}})");
    EXPECT_EQ(g.grammar, "root ::= \"a\"\n");
    EXPECT_TRUE(g.render_special);
    EXPECT_EQ(g.top_logprobs, 5);
    EXPECT_EQ(g.sampling.logit_bias, (std::vector<std::pair<TokenId, float>>{{13, -100.0f}, {7, 2.5f}}));
    // A schema (object or JSON text) becomes its grammar; its properties keep their order.
    const GenerateOptions s = generate_options_from_json(
        R"({"jsonSchema":{"type":"object","properties":{"zeta":{"type":"integer"},"alpha":{"type":"boolean"}},"required":["zeta","alpha"]}})");
    EXPECT_LT(s.grammar.find("zeta"), s.grammar.find("alpha")) << s.grammar;
    EXPECT_EQ(generate_options_from_json(R"({"jsonSchema":"{\"type\":\"boolean\"}"})").grammar,
              generate_options_from_json(R"({"jsonSchema":{"type":"boolean"}})").grammar);
    EXPECT_NE(error_of(R"({"grammar":"root ::= \"a\"\n","jsonSchema":{}})").find("cannot both"), std::string::npos);
    EXPECT_NE(error_of(R"({"jsonSchema":{"$ref":"https://example.com/s.json"}})").find("jsonSchema"), std::string::npos);
    EXPECT_NE(error_of(R"({"jsonSchema":"{oops"})").find("not valid JSON"), std::string::npos);
    EXPECT_NE(error_of(R"({"jsonSchema":3})").find("JSON Schema"), std::string::npos);
    EXPECT_NE(error_of(R"({"topLogprobs":21})").find("topLogprobs"), std::string::npos);
    EXPECT_NE(error_of(R"({"logitBias":{"x":1}})").find("token ids"), std::string::npos);
    EXPECT_NE(error_of(R"({"logitBias":{"3":"high"}})").find("logitBias.3"), std::string::npos);
    EXPECT_NE(error_of(R"({"grammar":7})").find("grammar"), std::string::npos);
}

TEST(GenerateOptionsJson, NullAndAbsentKeysKeepTheDefaults) {
    const GenerateOptions defaults;
    for (const char* json : {"{}", R"({"temperature":null,"stop":null})"}) {
        const GenerateOptions o = generate_options_from_json(json);
        EXPECT_EQ(o.max_tokens, defaults.max_tokens);
        EXPECT_EQ(o.sampling.temperature, defaults.sampling.temperature);
        EXPECT_TRUE(o.stop.empty());
    }
    EXPECT_EQ(generate_options_from_json(R"({"stop":"."})").stop, std::vector<std::string>{"."});
}

TEST(GenerateOptionsJson, MistakesAreErrorsThatNameTheKey) {
    EXPECT_NE(error_of(R"({"topk":40})").find("'topk' is not one (known: maxTokens"), std::string::npos);
    EXPECT_NE(error_of(R"({"temperature":"0.7"})").find("'temperature' must be a number, got string"), std::string::npos);
    EXPECT_NE(error_of(R"({"maxTokens":2.5})").find("'maxTokens' must be a whole number"), std::string::npos);
    EXPECT_NE(error_of(R"({"maxTokens":-1})").find("'maxTokens'"), std::string::npos);
    EXPECT_NE(error_of(R"({"topK":2147483648})").find("'topK'"), std::string::npos);
    EXPECT_NE(error_of(R"({"temperature":1e39})").find("'temperature' must be a finite number"), std::string::npos);
    EXPECT_NE(error_of(R"({"seed":-1})").find("'seed'"), std::string::npos);
    EXPECT_NE(error_of(R"({"seed":9007199254740993})").find("'seed'"), std::string::npos);
    EXPECT_NE(error_of(R"({"stop":[""]})").find("'stop' must hold non-empty strings"), std::string::npos);
    EXPECT_NE(error_of(R"({"topK":-3})").find("'topK' must be a whole number from 0 to 2147483647, got -3"), std::string::npos);
    EXPECT_NE(error_of(R"({"stop":[1]})").find("'stop' must hold strings, got number"), std::string::npos);
    EXPECT_NE(error_of(R"({"stop":{}})").find("'stop' must be a string or an array"), std::string::npos);
    EXPECT_NE(error_of(R"({"stopAtEndOfGeneration":1})").find("must be true or false"), std::string::npos);
    EXPECT_EQ(error_of("[1,2]"), "generation options must be an object");
    EXPECT_EQ(error_of("{\"maxTokens\":"), "generation options are not valid JSON");
    EXPECT_EQ(error_of("{\"stop\":\"\xff\"}"), "generation options are not valid JSON");  // not UTF-8
}

}  // namespace
}  // namespace chord
