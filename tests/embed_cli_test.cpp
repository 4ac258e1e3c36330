// `chord embed` as a user runs it: one line of JSON holding llama.cpp's vector (within the golden
// tolerance), the pooling and normalization options, and the error contract.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "test_support.hpp"

namespace chord {
namespace {

const std::string kModel = test::quoted((test::shared_dir() / "models" / "stories260K-f32.gguf").string());

std::vector<float> embedding_of(const test::RunResult& r) {
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << "not one line: " << r.out;
    return nlohmann::json::parse(r.out).get<std::vector<float>>();
}

double norm(const std::vector<float>& v) {
    double s = 0.0;
    for (float x : v) s += double(x) * x;
    return std::sqrt(s);
}

TEST(EmbedCli, PrintsLlamaCppsVectorAsOneLineOfJson) {
    const nlohmann::json golden =
        nlohmann::json::parse(std::ifstream(std::filesystem::path(CHORD_TEST_DATA_DIR) / "embeddings" / "stories260K-f32.json"));
    for (const auto& c : golden["cases"]) {
        const std::string pooling = c["pooling"].get<std::string>();
        const std::vector<float> expected = c["embedding"].get<std::vector<float>>();
        const std::vector<float> ours =
            embedding_of(test::run_chord("embed -m " + kModel + " --pooling " + pooling + " -p " + test::quoted(c["text"].get<std::string>())));
        ASSERT_EQ(ours.size(), expected.size());
        for (size_t i = 0; i < ours.size(); ++i) EXPECT_NEAR(ours[i], expected[i], 5e-4) << pooling << " " << i;
    }
}

TEST(EmbedCli, MeanByDefaultAndNormalizedUnlessAskedNot) {
    const std::string text = " -p 'Once upon a time'";
    const std::vector<float> plain = embedding_of(test::run_chord("embed -m " + kModel + text));
    EXPECT_EQ(plain, embedding_of(test::run_chord("embed --pooling mean -m " + kModel + text)));
    EXPECT_NE(plain, embedding_of(test::run_chord("embed --pooling last -m " + kModel + text)));
    EXPECT_NEAR(norm(plain), 1.0, 1e-6);
    const std::vector<float> raw = embedding_of(test::run_chord("embed --no-normalize -m " + kModel + text));
    ASSERT_EQ(raw.size(), plain.size());
    const double length = norm(raw);
    EXPECT_GT(std::fabs(length - 1.0), 0.1);
    for (size_t i = 0; i < raw.size(); ++i) EXPECT_NEAR(raw[i] / length, plain[i], 1e-6);
}

TEST(EmbedCli, ErrorsFollowTheContract) {
    test::expect_error_contract(test::run_chord("embed -m " + kModel + " -p x --pooling max"), "--pooling");
    test::expect_error_contract(test::run_chord("embed -m " + kModel + " --ctx 4 -p 'Once upon a time there was'"),
                                "context holds 4");
    test::expect_error_contract(test::run_chord("embed -m /nonexistent.gguf -p x"), "/nonexistent.gguf");
    test::expect_error_contract(test::run_chord("embed -m " + kModel), "--prompt");
}

}  // namespace
}  // namespace chord
