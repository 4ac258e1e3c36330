// Split models (llama.cpp's gguf-split format): writing a set, opening it from the path of any
// part, computing exactly as the whole file does, and clear errors for incomplete or mixed sets.
#include <gtest/gtest.h>

#include <filesystem>

#include "chord/gguf_split_writer.hpp"
#include "chord/model.hpp"
#include "cli_runner.hpp"
#include "test_support.hpp"

namespace chord {
namespace {

namespace fs = std::filesystem;

const fs::path kModel = test::shared_dir() / "models" / "synth-qwen2-bpe-q4_k_m.gguf";

// A fresh directory per test under the system temp dir.
fs::path temp_dir(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / ("chord-split-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::vector<float> logits_of(Model& model) {
    const std::vector<TokenId> ids = model.tokenizer().encode("Hello split world", {true, false});
    return model.forward(ids.data(), ids.size(), 0);
}

TEST(SplitNames, ParsesLlamaCppNaming) {
    const auto name = parse_split_name("/m/qwen-7b-00002-of-00003.gguf");
    ASSERT_TRUE(name);
    EXPECT_EQ(name->prefix, "/m/qwen-7b");
    EXPECT_EQ(name->index, 2u);
    EXPECT_EQ(name->count, 3u);
    EXPECT_EQ(split_file_name(name->prefix, 3, 3), "/m/qwen-7b-00003-of-00003.gguf");
    EXPECT_FALSE(parse_split_name("model.gguf"));
    EXPECT_FALSE(parse_split_name("m-00004-of-00003.gguf"));
    EXPECT_FALSE(parse_split_name("m-00000-of-00003.gguf"));
    EXPECT_FALSE(parse_split_name("m-0001-of-00003.gguf"));
    EXPECT_EQ(model_file_paths("plain.gguf"), std::vector<std::string>{"plain.gguf"});
    EXPECT_EQ(model_file_paths("a-00001-of-00002.gguf"),
              (std::vector<std::string>{"a-00001-of-00002.gguf", "a-00002-of-00002.gguf"}));
}

TEST(SplitModel, ComputesExactlyAsTheWholeFile) {
    const fs::path dir = temp_dir("same");
    const GgufFile whole = GgufFile::open(kModel.string());
    SplitLimits limits;
    limits.max_tensors = 7;
    const std::vector<std::string> paths = write_split(whole, (dir / "m").string(), limits);
    const size_t expected_files = (whole.tensors().size() + 6) / 7;
    ASSERT_EQ(paths.size(), expected_files);
    ASSERT_GE(paths.size(), 3u);

    auto reference = Model::load(kModel.string());
    const std::vector<float> expected = logits_of(*reference);
    for (const std::string& path : {paths.front(), paths[1], paths.back()}) {  // any part opens the set
        auto model = Model::load(path);
        EXPECT_EQ(model->file().split_count(), paths.size());
        EXPECT_EQ(model->file().tensors().size(), whole.tensors().size());
        EXPECT_EQ(logits_of(*model), expected) << path;
    }
    // Only the first file carries the model's metadata.
    EXPECT_TRUE(GgufFile::open(paths[0]).find("general.architecture"));
    EXPECT_FALSE(GgufFile::open(paths[1]).find("general.architecture"));
    fs::remove_all(dir);
}

TEST(SplitModel, SizeLimitCutsFilesBySize) {
    const GgufFile whole = GgufFile::open(kModel.string());
    SplitLimits limits;
    limits.max_tensors = 1000;
    limits.max_bytes = 64 * 1024;
    const auto parts = plan_split(whole, limits);
    ASSERT_GT(parts.size(), 1u);
    size_t total = 0;
    for (const auto& part : parts) {
        uint64_t bytes = 0;
        for (size_t i : part) bytes += whole.tensors()[i].n_bytes;
        // Soft limit: a file goes over only when its one tensor alone is larger.
        EXPECT_TRUE(bytes <= limits.max_bytes || part.size() == 1);
        total += part.size();
    }
    EXPECT_EQ(total, whole.tensors().size());
}

TEST(SplitModel, IncompleteOrMixedSetsAreClearErrors) {
    const fs::path dir = temp_dir("errors");
    const GgufFile whole = GgufFile::open(kModel.string());
    SplitLimits limits;
    limits.max_tensors = 10;
    const std::vector<std::string> paths = write_split(whole, (dir / "m").string(), limits);
    ASSERT_GE(paths.size(), 3u);
    const auto open_all = [&](std::vector<size_t> order) {
        std::vector<GgufFile> files;
        for (size_t i : order) files.push_back(GgufFile::open(paths[i]));
        return GgufFile::join(std::move(files));
    };
    const auto expect_error = [](auto&& f, ErrorCode code, const std::string& needle) {
        try {
            f();
            ADD_FAILURE() << "no error; expected one mentioning '" << needle << "'";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), code) << e.what();
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    };
    expect_error([&] { open_all({0, 1}); }, ErrorCode::InvalidArgument, "split into " + std::to_string(paths.size()));
    std::vector<size_t> swapped(paths.size());
    for (size_t i = 0; i < swapped.size(); ++i) swapped[i] = i;
    std::swap(swapped[1], swapped[2]);
    expect_error([&] { open_all(swapped); }, ErrorCode::InvalidArgument, "in order");
    // A part of another split of the same model.
    limits.max_tensors = 1000;
    limits.max_bytes = 64 * 1024;
    const std::vector<std::string> other = write_split(whole, (dir / "other").string(), limits);
    std::vector<GgufFile> mixed;
    mixed.push_back(GgufFile::open(paths[0]));
    for (size_t i = 1; i < paths.size(); ++i) mixed.push_back(GgufFile::open(i == 1 ? other[1] : paths[i]));
    expect_error([&] { GgufFile::join(std::move(mixed)); }, ErrorCode::Malformed, "split into");
    // A missing part names the file.
    fs::remove(paths.back());
    expect_error([&] { Model::load(paths[0]); }, ErrorCode::Io, paths.back());
    fs::remove_all(dir);
}

TEST(SplitCli, WritesASetThatGeneratesLikeTheWholeFile) {
    const fs::path dir = temp_dir("cli");
    const test::RunResult split =
        test::run_chord("split " + test::quoted(kModel.string()) + " --max-tensors 9 -o " + test::quoted((dir / "q").string()));
    ASSERT_EQ(split.exit_code, 0) << split.err;
    const std::string first = (dir / "q").string() + "-00001-of-";
    ASSERT_EQ(split.out.rfind(first, 0), 0u) << split.out;
    const std::string first_path = split.out.substr(0, split.out.find('\n'));
    const std::string args = " --ids --temp 0 -n 8 -p 'Hello'";
    const test::RunResult whole = test::run_chord("generate -m " + test::quoted(kModel.string()) + args);
    const test::RunResult parts = test::run_chord("generate -m " + test::quoted(first_path) + args);
    ASSERT_EQ(whole.exit_code, 0) << whole.err;
    ASSERT_EQ(parts.exit_code, 0) << parts.err;
    EXPECT_EQ(parts.out, whole.out);
    const test::RunResult bad = test::run_chord("split " + test::quoted(kModel.string()) + " --max-size 12X -o x");
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.err.find("--max-size '12X'"), std::string::npos) << bad.err;
    fs::remove_all(dir);
}

}  // namespace
}  // namespace chord
