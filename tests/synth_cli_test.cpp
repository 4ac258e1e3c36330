// `chord synth` as a user runs it: writes a model that `chord inspect` and `chord generate`
// accept, and keeps the error contract on bad input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "chord/gguf.hpp"
#include "cli_runner.hpp"
#include "test_support.hpp"

namespace chord {
namespace {

using test::expect_error_contract;
using test::quoted;
using test::run_chord;
using test::RunResult;

std::string vocab() { return quoted((test::shared_dir() / "models" / "stories260K-f32.gguf").string()); }

TEST(SynthCli, WritesAModelThatGenerates) {
    const std::filesystem::path out =
        std::filesystem::path(testing::TempDir()) / ("synth_cli_" + std::to_string(getpid()) + ".gguf");
    const RunResult r = run_chord("synth --shape dim=256,layers=1,heads=4,ffn=256 --type q4_k_m --ctx 32 --seed 5 --vocab " +
                                  vocab() + " -o " + quoted(out.string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("wrote "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("q4_k_m"), std::string::npos) << r.out;
    const GgufFile file = GgufFile::open(out.string());
    EXPECT_EQ(file.get_u64("llama.context_length"), 32u);
    EXPECT_EQ(file.find_tensor("output.weight")->type, GgmlType::Q6_K);

    const RunResult g = run_chord("generate -m " + quoted(out.string()) + " -p 'Once upon a time' -n 4 --temp 0 --ids");
    ASSERT_EQ(g.exit_code, 0) << g.err;
    EXPECT_FALSE(g.out.empty());
    std::filesystem::remove(out);
}

TEST(SynthCli, ErrorsExitWithCodeOneAndAMessage) {
    const std::string out = quoted((std::filesystem::path(testing::TempDir()) / "synth_cli_bad.gguf").string());
    expect_error_contract(run_chord("synth --shape dim=100,layers=1,heads=3,ffn=256 --type q4_0 --vocab " + vocab() + " -o " + out),
                          "dim=100 is not divisible by heads=3");
    expect_error_contract(run_chord("synth --shape dim=256,layers=1,heads=4,ffn=96 --type q4_k --vocab " + vocab() + " -o " + out),
                          "not a multiple of the Q4_K block size 256");
    expect_error_contract(run_chord("synth --shape 110m --type q7_0 --vocab " + vocab() + " -o " + out), "unknown weight type 'q7_0'");
    expect_error_contract(run_chord("synth --shape 110m --type q4_0 --vocab /nonexistent.gguf -o " + out), "/nonexistent.gguf");
    expect_error_contract(run_chord("synth --shape 110m --type q4_0 -o " + out), "--vocab is required");
}

}  // namespace
}  // namespace chord
