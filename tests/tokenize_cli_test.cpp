// `chord tokenize` as a user runs it: text on stdin, ids out; the same error contract.
#include <gtest/gtest.h>

#include <sstream>

#include "cli_runner.hpp"
#include "test_support.hpp"
#include "vocab_cases.hpp"

namespace chord {
namespace {

std::vector<TokenId> parse_ids(const std::string& line) {
    std::istringstream in(line);
    std::vector<TokenId> ids;
    for (TokenId id; in >> id;) ids.push_back(id);
    return ids;
}

TEST(TokenizeCli, IdsOfEveryVocabularyCaseMatchLlamaCpp) {
    for (const auto& path : test::shared_files("vocab", ".gguf")) {
        SCOPED_TRACE(path.filename().string());
        // A sample of cases per vocabulary: each is a process start.
        const std::vector<test::VocabCase> cases = test::read_vocab_cases(path);
        for (size_t i = 0; i < cases.size(); i += 5) {
            const test::RunResult r = test::run_chord("tokenize --no-bos --ids -m " + test::quoted(path.string()), cases[i].text);
            ASSERT_EQ(r.exit_code, 0) << r.err;
            EXPECT_EQ(r.out.back(), '\n');
            EXPECT_EQ(parse_ids(r.out), cases[i].expected) << "text: '" << cases[i].text << "'";
        }
    }
}

TEST(TokenizeCli, AddsBosAndListsPieces) {
    const std::string model = test::quoted((test::shared_dir() / "models" / "stories260K-f32.gguf").string());
    test::RunResult r = test::run_chord("tokenize --ids -m " + model, "Once upon a time");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "1 403 407 261 378\n");  // golden/stories260K-f32.json
    r = test::run_chord("tokenize -m " + model, "Once upon");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "     1 '<s>'\n   403 ' Once'\n   407 ' upon'\n");
}

TEST(TokenizeCli, ErrorsExitWithCodeOneAndAMessage) {
    test::expect_error_contract(test::run_chord("tokenize", "x"), "--model is required");
    test::expect_error_contract(test::run_chord("tokenize -m /nonexistent.gguf", "x"), "/nonexistent.gguf");
    const std::string not_a_vocab =
        test::quoted((test::shared_dir() / "golden" / "prompts.txt").string());
    test::expect_error_contract(test::run_chord("tokenize -m " + not_a_vocab, "x"), "not a GGUF file");
}

}  // namespace
}  // namespace chord
