// The fast CPU kernels against the reference ones: every quantized weight type (the real tensors of
// the shared synth models), random activations, one to many tokens, one to several threads; and
// each compiled dot-product variant (plain, WASM SIMD128, AVX2) against the plain one.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "../src/cpu/int_dot.hpp"
#include "../src/cpu/weight_unpack.hpp"
#include "chord/cpu_backend.hpp"
#include "chord/gguf.hpp"
#include "kernel_products.hpp"
#include "test_support.hpp"

namespace chord {
namespace {


class FastProduct : public testing::TestWithParam<std::string> {};

TEST_P(FastProduct, MatchesTheReferenceForEveryTensorTokenCountAndThreadCount) {
    const GgufFile file = GgufFile::open((test::shared_dir() / "models" / GetParam()).string());
    auto reference = make_cpu_backend({1, CpuKernels::Reference});
    auto one_thread = make_cpu_backend({1, CpuKernels::Fast});
    auto three_threads = make_cpu_backend({3, CpuKernels::Fast});
    size_t checked = 0;
    for (const TensorInfo& t : file.tensors()) {
        if (t.n_dims != 2 || t.name == "token_embd.weight") continue;
        for (size_t tokens : {size_t(1), size_t(3), size_t(4), size_t(9)}) {
            const std::vector<float> x = test::random_normal(tokens * size_t(t.shape[0]), uint32_t(checked + tokens), 1.0f);
            const std::vector<float> expected = test::product(*reference, file.tensor(t), x, tokens);
            const std::vector<float> fast = test::product(*one_thread, file.tensor(t), x, tokens);
            // The same integer sums: only float rounding differs.
            EXPECT_LT(test::relative_rms_difference(fast, expected), 2e-6) << t.name << " × " << tokens << " tokens";
            EXPECT_EQ(test::product(*three_threads, file.tensor(t), x, tokens), fast) << t.name;
        }
        ++checked;
    }
    EXPECT_GE(checked, 7u);
}

INSTANTIATE_TEST_SUITE_P(QuantizedTypes, FastProduct,
                         testing::Values("synth-llama-q4_0.gguf", "synth-llama-q4_1.gguf", "synth-llama-q5_0.gguf",
                                         "synth-llama-q5_1.gguf", "synth-llama-q8_0.gguf", "synth-llama-q2_k.gguf",
                                         "synth-llama-q3_k.gguf", "synth-llama-q4_k.gguf", "synth-llama-q5_k.gguf",
                                         "synth-llama-q6_k.gguf", "synth-qwen2-bpe-q4_k_m.gguf"),
                         [](const testing::TestParamInfo<std::string>& p) { return test::parameter_name(p.param); });

// Every dot-product variant this build has, against the plain one, on random integer rows.
TEST(DotRowVariants, AgreeWithThePlainLoop) {
    std::vector<std::pair<const char*, cpu::DotRowFn>> variants;
#if defined(__wasm_simd128__)
    variants.emplace_back("simd128", cpu::dot_row_simd128);
#endif
#if defined(CHORD_HAVE_AVX2_KERNELS)
    if (cpu::cpu_has_avx2()) variants.emplace_back("avx2", cpu::dot_row_avx2);
#endif
    std::mt19937 rng(7);
    for (size_t scale_block : {size_t(kQK), size_t(kQK_K)}) {
        const size_t cols = 1024, tokens = 11;
        const std::vector<float> x = test::random_normal(tokens * cols, 3, 1.0f);
        cpu::IntActivations acts;
        acts.quantize(x.data(), tokens, cols, scale_block);
        cpu::IntWeightRow row;
        row.reserve(cols);
        std::uniform_int_distribution<int> weight(-4000, 4000), min(0, 63);
        for (auto& v : row.w) v = int16_t(weight(rng));
        for (auto& v : row.m) v = int16_t(min(rng));
        for (size_t s = 0; s < cols / scale_block; ++s) {
            row.d[s] = 0.001f * float(s + 1);
            row.dmin[s] = 0.0005f * float(s + 2);
        }
        for (bool mins : {false, true}) {
            std::vector<float> expected(tokens);
            cpu::dot_row_scalar(row, mins, acts, expected.data(), 1);
            for (const auto& [name, fn] : variants) {
                std::vector<float> got(tokens);
                fn(row, mins, acts, got.data(), 1);
                EXPECT_LT(test::relative_rms_difference(got, expected), 1e-6) << name << " S=" << scale_block << " mins=" << mins;
            }
        }
    }
}

}  // namespace
}  // namespace chord

namespace chord {
namespace {

// The vectorized unpackers produce exactly the plain ones' integer rows, on real tensors.
TEST(WeightUnpack, VectorizedEqualsPlain) {
    for (const char* name : {"synth-llama-q4_0.gguf", "synth-llama-q8_0.gguf", "synth-llama-q4_k.gguf", "synth-llama-q6_k.gguf"}) {
        const GgufFile file = GgufFile::open((test::shared_dir() / "models" / name).string());
        const TensorInfo& t = *file.find_tensor("blk.0.ffn_down.weight");
        const size_t cols = size_t(t.shape[0]), row_bytes = size_t(t.n_bytes / t.rows());
        cpu::IntWeightRow fast, plain;
        fast.reserve(cols);
        plain.reserve(cols);
        for (size_t r = 0; r < t.rows(); ++r) {
            const uint8_t* row = file.tensor(t).data + r * row_bytes;
            cpu::unpack_weight_row(t.type, row, cols, fast);
            cpu::unpack_weight_row_plain(t.type, row, cols, plain);
            ASSERT_EQ(fast.w, plain.w) << name << " row " << r;
            ASSERT_EQ(fast.d, plain.d) << name;
            ASSERT_EQ(fast.m, plain.m) << name;
            ASSERT_EQ(fast.dmin, plain.dmin) << name;
        }
    }
}

}  // namespace
}  // namespace chord
