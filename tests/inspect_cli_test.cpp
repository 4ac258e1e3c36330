// `chord inspect` as a user runs it: every shared file, text and JSON, and the error contract
// (exit code 1 and "error: <message>" on stderr, never a signal).
#include <gtest/gtest.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "chord/gguf.hpp"
#include "cli_runner.hpp"
#include "test_support.hpp"

namespace chord {
namespace {

using test::expect_error_contract;
using test::quoted;
using test::run_chord;
using test::RunResult;

TEST(InspectCli, TextOnEverySharedFile) {
    for (const auto& path : test::shared_gguf_files()) {
        SCOPED_TRACE(path.filename().string());
        const RunResult r = run_chord("inspect " + quoted(path.string()));
        ASSERT_EQ(r.exit_code, 0) << r.err;
        EXPECT_TRUE(r.err.empty()) << r.err;
        const GgufFile f = GgufFile::open(path.string());
        EXPECT_NE(r.out.find("metadata (" + std::to_string(f.metadata().size()) + " keys)"), std::string::npos);
        EXPECT_NE(r.out.find("tensors (" + std::to_string(f.tensors().size()) + ","), std::string::npos);
        EXPECT_NE(r.out.find("tokenizer.ggml.tokens"), std::string::npos);
        for (const TensorInfo& t : f.tensors()) EXPECT_NE(r.out.find(std::string(t.name)), std::string::npos);
        EXPECT_LT(r.out.size(), 20000u) << "long arrays must be summarised";
    }
}

TEST(InspectCli, JsonOnEverySharedFileMatchesTheReader) {
    for (const auto& path : test::shared_gguf_files()) {
        SCOPED_TRACE(path.filename().string());
        const RunResult r = run_chord("inspect --json " + quoted(path.string()));
        ASSERT_EQ(r.exit_code, 0) << r.err;
        const nlohmann::json j = nlohmann::json::parse(r.out);
        const GgufFile f = GgufFile::open(path.string());
        EXPECT_EQ(j["version"], f.version());
        EXPECT_EQ(j["data_offset"], f.data_offset());
        ASSERT_EQ(j["metadata"].size(), f.metadata().size());
        ASSERT_EQ(j["tensors"].size(), f.tensors().size());
        const auto& tokens = j["metadata"]["tokenizer.ggml.tokens"];
        EXPECT_EQ(tokens["type"], "array");
        EXPECT_EQ(tokens["element_type"], "string");
        EXPECT_EQ(tokens["length"], f.get("tokenizer.ggml.tokens").as_array().size());
        EXPECT_EQ(tokens["truncated"], true);
        EXPECT_EQ(tokens["value"].size(), 8u);
        for (size_t i = 0; i < f.tensors().size(); ++i) {
            const TensorInfo& t = f.tensors()[i];
            const auto& jt = j["tensors"][i];
            EXPECT_EQ(jt["name"], std::string(t.name));
            EXPECT_EQ(jt["type"], type_name(t.type));
            EXPECT_EQ(jt["bytes"], t.n_bytes);
            EXPECT_EQ(jt["shape"].size(), t.n_dims);
            EXPECT_EQ(jt["shape"][0], t.shape[0]);
        }
    }
}

TEST(InspectCli, FullPrintsWholeArrays) {
    const std::string path = (test::shared_dir() / "models" / "stories260K-f32.gguf").string();
    const RunResult r = run_chord("inspect --json --full " + quoted(path));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const nlohmann::json j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["metadata"]["tokenizer.ggml.tokens"]["value"].size(), 512u);
    EXPECT_EQ(j["metadata"]["tokenizer.ggml.tokens"]["truncated"], false);
    EXPECT_EQ(j["summary"]["parameters"], 292800u);
}

TEST(InspectCli, ErrorsExitWithCodeOneAndAMessage) {
    const std::filesystem::path dir = testing::TempDir();
    expect_error_contract(run_chord("inspect /nonexistent/model.gguf"), "/nonexistent/model.gguf");

    const std::filesystem::path text = dir / "chord_not_a_model.txt";
    std::ofstream(text) << "hello, this is not a model\n";
    expect_error_contract(run_chord("inspect " + quoted(text.string())), "not a GGUF file");

    std::vector<uint8_t> bytes = test::read_file(test::shared_dir() / "models" / "stories260K-f32.gguf");
    bytes.resize(bytes.size() / 2);
    const std::filesystem::path truncated = dir / "chord_truncated_model.gguf";
    std::ofstream(truncated, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    expect_error_contract(run_chord("inspect --json " + quoted(truncated.string())), "truncated");

    expect_error_contract(run_chord("inspect"), "model is required");
    expect_error_contract(run_chord("inspect --no-such-flag x.gguf"), "--no-such-flag");
    expect_error_contract(run_chord(""), "A subcommand is required");
    expect_error_contract(run_chord("frobnicate"), "unknown command 'frobnicate'");
    std::filesystem::remove(text);
    std::filesystem::remove(truncated);
}

TEST(InspectCli, HelpExitsZero) {
    const RunResult r = run_chord("--help");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("inspect"), std::string::npos);
}

}  // namespace
}  // namespace chord
