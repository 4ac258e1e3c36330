// Conformance with llama.cpp: every case of every shared vocabulary, and the prompt tokens of
// every golden file, reproduced exactly; and decode(encode(text)) == text wherever the
// vocabulary can represent the text.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "chord/tokenizer.hpp"
#include "test_support.hpp"
#include "vocab_cases.hpp"

namespace chord {
namespace {

std::string ids_text(const std::vector<TokenId>& ids) {
    std::string s;
    for (TokenId id : ids) s += " " + std::to_string(id);
    return s;
}

class VocabConformance : public testing::TestWithParam<std::string> {};

TEST_P(VocabConformance, EveryCaseMatchesLlamaCpp) {
    const auto path = test::shared_dir() / "vocab" / GetParam();
    const Tokenizer tokenizer = Tokenizer::from_gguf(GgufFile::open(path.string()));
    const std::vector<test::VocabCase> cases = test::read_vocab_cases(path);
    ASSERT_GT(cases.size(), 40u);
    size_t passed = 0;
    for (const test::VocabCase& c : cases) {
        const std::vector<TokenId> ids = tokenizer.encode(c.text, {/*add_special=*/false, /*parse_special=*/false});
        EXPECT_EQ(ids, c.expected) << "text: '" << c.text << "'\n ours:" << ids_text(ids)
                                   << "\n llama.cpp:" << ids_text(c.expected);
        passed += ids == c.expected;
    }
    std::printf("[ measured ] %s: %zu/%zu cases match llama.cpp\n", GetParam().c_str(), passed, cases.size());
}

TEST_P(VocabConformance, DecodeReversesEncodeWhereTheVocabularyAllows) {
    const auto path = test::shared_dir() / "vocab" / GetParam();
    const Tokenizer tokenizer = Tokenizer::from_gguf(GgufFile::open(path.string()));
    size_t checked = 0, skipped = 0;
    for (const test::VocabCase& c : test::read_vocab_cases(path)) {
        const std::vector<TokenId> ids = tokenizer.encode(c.text, {false, false});
        // A text is representable unless it needed the unknown token.
        const bool representable =
            std::find(ids.begin(), ids.end(), tokenizer.vocab().unk) == ids.end() || tokenizer.vocab().unk == kNoToken;
        if (!representable) {
            ++skipped;
            continue;
        }
        EXPECT_EQ(tokenizer.decode(ids), c.text) << "ids:" << ids_text(ids);
        ++checked;
    }
    std::printf("[ measured ] %s: round trip exact on %zu cases (%zu need the unknown token)\n", GetParam().c_str(),
                checked, skipped);
    EXPECT_GT(checked, 0u);
}

INSTANTIATE_TEST_SUITE_P(SharedVocabularies, VocabConformance, testing::ValuesIn(test::shared_file_names("vocab", ".gguf")),
                         [](const testing::TestParamInfo<std::string>& p) {
                             return test::parameter_name(p.param.substr(11, p.param.size() - 16));  // ggml-vocab-<name>.gguf
                         });

TEST(GoldenPrompts, PromptTokensOfEveryGoldenFileAreExact) {
    size_t files = 0, prompts = 0;
    for (const auto& golden_path : test::shared_files("golden", ".json")) {
        const nlohmann::json golden = nlohmann::json::parse(std::ifstream(golden_path));
        const std::string model = golden_path.stem().string();
        SCOPED_TRACE(model);
        const Tokenizer tokenizer =
            Tokenizer::from_gguf(GgufFile::open((test::shared_dir() / "models" / (model + ".gguf")).string()));
        for (const auto& c : golden["cases"]) {
            const std::vector<TokenId> expected = c["prompt_tokens"].get<std::vector<TokenId>>();
            const std::vector<TokenId> ids = tokenizer.encode(c["prompt"].get<std::string>());
            EXPECT_EQ(ids, expected) << "prompt: " << c["prompt"] << "\n ours:" << ids_text(ids);
            ++prompts;
        }
        ++files;
    }
    std::printf("[ measured ] golden prompt tokens: %zu prompts in %zu files\n", prompts, files);
    EXPECT_EQ(files, 14u);
}

}  // namespace
}  // namespace chord
