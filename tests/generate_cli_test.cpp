// `chord generate` as a user runs it: greedy output token-exact with llama.cpp on the bundled
// model, readable text, seeded sampling that repeats, and the error contract.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "test_support.hpp"

namespace chord {
namespace {

const std::string kModel = test::quoted((test::shared_dir() / "models" / "stories260K-f32.gguf").string());

TEST(GenerateCli, GreedyIdsAreLlamaCppsOnTheBundledModel) {
    const nlohmann::json golden =
        nlohmann::json::parse(std::ifstream(test::shared_dir() / "golden" / "stories260K-f32.json"));
    const auto& c = golden["cases"][0];
    std::string expected;
    for (const auto& step : c["steps"]) expected += (expected.empty() ? "" : " ") + std::to_string(step["token"].get<int>());
    const test::RunResult r =
        test::run_chord("generate --ids --temp 0 -n 16 -m " + kModel + " -p " + test::quoted(c["prompt"].get<std::string>()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, expected + "\n");
}

TEST(GenerateCli, StreamsAReadableStory) {
    const test::RunResult r = test::run_chord("generate --temp 0 -n 32 -m " + kModel + " -p 'Once upon a time'");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.rfind(", there was a little girl named Lily. She loved to", 0), 0u) << r.out;
}

TEST(GenerateCli, SameSeedSameStoryOtherSeedOtherStory) {
    const std::string args = "generate -n 24 --temp 1.0 -m " + kModel + " -p 'Once upon a time' --seed ";
    const test::RunResult a = test::run_chord(args + "7"), b = test::run_chord(args + "7"), c = test::run_chord(args + "8");
    ASSERT_EQ(a.exit_code, 0) << a.err;
    EXPECT_EQ(a.out, b.out);
    EXPECT_NE(a.out, c.out);
}

TEST(GenerateCli, TheKvCacheTypeIsAnOptionAndStatsReportItsSize) {
    const std::string synth = test::quoted((test::shared_dir() / "models" / "synth-llama-q4_0.gguf").string());
    // 2 layers x (keys, values) x 64 positions x 128 values
    for (const auto& [type, bytes] : {std::pair{"", 65536}, std::pair{"f16", 65536}, std::pair{"q8_0", 34816}, std::pair{"f32", 131072}}) {
        const test::RunResult r = test::run_chord("generate --stats --ids --temp 0 -n 4 --ctx 64 -m " + synth + " -p 'Once upon a time'" +
                                                  (*type ? std::string(" --kv-cache-type ") + type : std::string()));
        ASSERT_EQ(r.exit_code, 0) << r.err;
        const std::string expected = std::string("KV cache: ") + (*type ? type : "f16") + ", " + std::to_string(bytes) + " bytes";
        EXPECT_NE(r.err.find(expected), std::string::npos) << r.err;
    }
    test::expect_error_contract(test::run_chord("generate -m " + synth + " -p x --kv-cache-type q4_0"), "'f16', 'q8_0' or 'f32'");
    test::expect_error_contract(test::run_chord("chat -m " + kModel + " --template chatml --kv-cache-type F16", "Hello\n"),
                                "'f16', 'q8_0' or 'f32'");
    test::expect_error_contract(test::run_chord("generate -m " + kModel + " -p x --kv-cache-type q8_0"), "multiple of 32");
}

TEST(GenerateCli, AGrammarFileOrAJsonSchemaConstrainsTheText) {
    const std::filesystem::path grammar = std::filesystem::path(testing::TempDir()) / "chord_cli_choice.gbnf";
    std::ofstream(grammar) << "root ::= \"Yes\" | \"No\" | \"Maybe\"\n";
    const test::RunResult r = test::run_chord("generate --temp 1 --seed 3 -n 20 -m " + kModel + " -p 'Once upon a time' --grammar-file " +
                                              test::quoted(grammar.string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(r.out == "Yes\n" || r.out == "No\n" || r.out == "Maybe\n") << r.out;

    const test::RunResult j = test::run_chord("generate --temp 1 --seed 3 -n 200 -m " + kModel +
                                              " -p 'Once upon a time' --json-schema '{\"type\": \"array\", \"items\": "
                                              "{\"type\": \"boolean\"}, \"minItems\": 2, \"maxItems\": 3}'");
    ASSERT_EQ(j.exit_code, 0) << j.err;
    const nlohmann::json value = nlohmann::json::parse(j.out);
    ASSERT_TRUE(value.is_array()) << j.out;
    EXPECT_GE(value.size(), 2u);
    EXPECT_LE(value.size(), 3u);
    for (const auto& v : value) EXPECT_TRUE(v.is_boolean()) << j.out;

    test::expect_error_contract(test::run_chord("generate -m " + kModel + " -p x --json-schema '{\"$ref\": \"http://x\"}'"),
                                "json schema");
    test::expect_error_contract(test::run_chord("generate -m " + kModel + " -p x --json-schema '{}' --grammar-file " +
                                                test::quoted(grammar.string())),
                                "excludes");
}

TEST(GenerateCli, AFullContextShiftsUnlessAskedNotTo) {
    const auto count_ids = [](const std::string& line) {
        std::istringstream in(line);
        size_t n = 0;
        for (std::string id; in >> id;) ++n;
        return n;
    };
    const std::string args = "generate --ids --temp 0 -n 100 --ctx 64 -m " + kModel + " -p 'Once upon a time'";
    const test::RunResult shifted = test::run_chord(args + " --keep 4");
    ASSERT_EQ(shifted.exit_code, 0) << shifted.err;
    EXPECT_EQ(count_ids(shifted.out), 100u) << shifted.out;
    const test::RunResult stopped = test::run_chord(args + " --no-context-shift");
    ASSERT_EQ(stopped.exit_code, 0) << stopped.err;
    EXPECT_LT(count_ids(stopped.out), 64u) << stopped.out;
    EXPECT_EQ(shifted.out.rfind(stopped.out.substr(0, stopped.out.size() - 1), 0), 0u);  // the same tokens until the shift
}

TEST(GenerateCli, ErrorsExitWithCodeOneAndAMessage) {
    test::expect_error_contract(test::run_chord("generate -m " + kModel), "--prompt is required");
    test::expect_error_contract(test::run_chord("generate -m " + kModel + " -p x --top-p 0"), "top_p");
    test::expect_error_contract(test::run_chord("generate -m " + kModel + " -p x --temp -1"), "temperature");
    test::expect_error_contract(test::run_chord("generate -m " + kModel + " -p 'a b c d e f g h' --ctx 4"), "context");
    const std::string vocab_only = test::quoted((test::shared_dir() / "vocab" / "ggml-vocab-gpt-2.gguf").string());
    test::expect_error_contract(test::run_chord("generate -m " + vocab_only + " -p x"), "architecture 'gpt2'");
}

}  // namespace
}  // namespace chord

namespace chord {
namespace {

TEST(ChatCli, AnswersEachLineInTheNamedTemplate) {
    const test::RunResult r = test::run_chord("chat --template chatml -n 8 --temp 0 -m " + kModel, "Hello\nTell me a story\n");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    size_t prompts = 0;
    for (size_t at = r.out.find("> "); at != std::string::npos; at = r.out.find("> ", at + 2)) ++prompts;
    EXPECT_EQ(prompts, 3u);  // one per message, and the last at end of input
    EXPECT_NE(r.err.find("chat template: chatml"), std::string::npos);
}

TEST(ChatCli, NoThinkSwitchesQwen3sThinkingOff) {
    const test::RunResult off = test::run_chord("chat --template qwen3 --no-think -n 4 --temp 0 -m " + kModel, "Hello\n");
    ASSERT_EQ(off.exit_code, 0) << off.err;
    EXPECT_NE(off.err.find("chat template: qwen3, thinking off"), std::string::npos) << off.err;
    const test::RunResult on = test::run_chord("chat --template qwen3 -n 4 --temp 0 -m " + kModel, "Hello\n");
    ASSERT_EQ(on.exit_code, 0) << on.err;
    EXPECT_NE(on.err.find("chat template: qwen3, thinking on"), std::string::npos) << on.err;
    // A template without the switch: said, and nothing changes.
    const test::RunResult chatml = test::run_chord("chat --template chatml --no-think -n 4 --temp 0 -m " + kModel, "Hello\n");
    ASSERT_EQ(chatml.exit_code, 0) << chatml.err;
    EXPECT_NE(chatml.err.find("the chatml template has no thinking switch"), std::string::npos) << chatml.err;
}

TEST(ChatCli, AModelWithoutTemplateNeedsOneNamed) {
    test::expect_error_contract(test::run_chord("chat -m " + kModel, "hi\n"), "pass a chat template name");
    test::expect_error_contract(test::run_chord("chat --template alpaca -m " + kModel, "hi\n"), "alpaca");
}

}  // namespace
}  // namespace chord
