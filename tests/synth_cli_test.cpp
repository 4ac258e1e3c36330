// `chord synth` as a user runs it: writes a model that `chord inspect` and `chord generate`
// accept, and keeps the error contract on bad input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

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

// Another architecture, its strong settings, and a copy without a feature.
TEST(SynthCli, WritesOtherArchitecturesAndCopiesWithoutAFeature) {
    const std::filesystem::path dir = std::filesystem::path(testing::TempDir());
    const std::filesystem::path with = dir / ("synth_cli_gemma2_" + std::to_string(getpid()) + ".gguf");
    const std::filesystem::path without = dir / ("synth_cli_gemma2_nocap_" + std::to_string(getpid()) + ".gguf");
    const std::string args =
        "synth --shape arch=gemma2,dim=256,layers=2,heads=4,kv_heads=2,head_dim=96,ffn=512,ctx=256,swa=4,attn_softcap=2,final_softcap=5 "
        "--type f16 --weight-std 0.05 --qk-std 0.1 --norm-std 0.2 --seed 7 --vocab " + vocab();
    RunResult r = run_chord(args + " -o " + quoted(with.string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("gemma2"), std::string::npos) << r.out;
    r = run_chord(args + " --without attn_softcap --without swa -o " + quoted(without.string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("without attn_softcap, swa"), std::string::npos) << r.out;

    const GgufFile a = GgufFile::open(with.string()), b = GgufFile::open(without.string());
    EXPECT_EQ(a.get_string("general.architecture"), "gemma2");
    EXPECT_EQ(a.get("gemma2.attn_logit_softcapping").as_f32(), 2.0f);
    EXPECT_EQ(b.get("gemma2.attn_logit_softcapping").as_f32(), 1e6f);
    EXPECT_EQ(a.get_u64("gemma2.attention.sliding_window"), 4u);
    EXPECT_EQ(b.get_u64("gemma2.attention.sliding_window"), 4096u);
    EXPECT_EQ(a.find_tensor("output.weight"), nullptr);
    EXPECT_EQ(a.tensor("blk.1.ffn_down.weight").to_floats(), b.tensor("blk.1.ffn_down.weight").to_floats());
    EXPECT_NE(a.tensor("blk.1.post_ffw_norm.weight").to_floats(), std::vector<float>(256, 1.0f));
    std::filesystem::remove(with);
    std::filesystem::remove(without);
}

TEST(SynthCli, ErrorsExitWithCodeOneAndAMessage) {
    const std::string out = quoted((std::filesystem::path(testing::TempDir()) / "synth_cli_bad.gguf").string());
    expect_error_contract(run_chord("synth --shape dim=100,layers=1,heads=3,ffn=256 --type q4_0 --vocab " + vocab() + " -o " + out),
                          "dim=100 is not divisible by heads=3");
    expect_error_contract(run_chord("synth --shape arch=qwen3,dim=256,layers=1,heads=4,ffn=256 --type q4_0 --without swa --vocab " +
                                    vocab() + " -o " + out),
                          "this qwen3 model has no swa to leave out");
    expect_error_contract(run_chord("synth --shape arch=qwen3,dim=256,layers=1,heads=4,ffn=256,final_softcap=5 --type q4_0 --vocab " +
                                    vocab() + " -o " + out),
                          "final_softcap is not a setting of qwen3 models");
    expect_error_contract(run_chord("synth --shape 110m --type q7_0 --vocab " + vocab() + " -o " + out), "unknown weight type 'q7_0'");
    expect_error_contract(run_chord("synth --shape 110m --type q4_0 --vocab /nonexistent.gguf -o " + out), "/nonexistent.gguf");
    expect_error_contract(run_chord("synth --shape 110m --type q4_0 -o " + out), "--vocab is required");
}

}  // namespace
}  // namespace chord
