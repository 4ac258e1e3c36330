// Dequantization against llama.cpp's reference, through the shared synth-llama files: each was
// quantized from the same float weights that synth-llama-f16 holds, so every dequantized 2-D
// tensor must sit at the relative RMS error llama.cpp's own dequantizer gives (shared/README.md).
// A wrong block layout is off by orders of magnitude; a subtly wrong one misses the fourth decimal.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <ostream>

#include "chord/gguf.hpp"
#include "chord/quant.hpp"
#include "test_support.hpp"

namespace chord {
namespace {

struct ReferenceError {
    const char* type;
    double overall;  // over all 2-D tensors together
    double worst;    // the worst single tensor
};

void PrintTo(const ReferenceError& r, std::ostream* os) { *os << r.type; }

// From shared/README.md (llama.cpp's dequantizer vs the F16 file).
constexpr ReferenceError kReference[] = {
    {"bf16", 0.0017, 0.0017}, {"q8_0", 0.0054, 0.0054}, {"q6_k", 0.0177, 0.0179}, {"q5_1", 0.0379, 0.0383},
    {"q5_0", 0.0427, 0.0430}, {"q5_k", 0.0361, 0.0364}, {"q4_1", 0.0782, 0.0787}, {"q4_0", 0.0859, 0.0867},
    {"q4_k", 0.0714, 0.0718}, {"q3_k", 0.1508, 0.1521}, {"q2_k", 0.2963, 0.2986},
};

// The README gives four decimals: a correct dequantizer lands within rounding of them.
constexpr double kFourthDecimal = 0.00006;

class DequantizeVsF16 : public testing::TestWithParam<ReferenceError> {};

TEST_P(DequantizeVsF16, RelativeRmsErrorMatchesLlamaCpp) {
    const ReferenceError ref = GetParam();
    const GgufFile f16 = GgufFile::open((test::shared_dir() / "models" / "synth-llama-f16.gguf").string());
    const GgufFile quant =
        GgufFile::open((test::shared_dir() / "models" / ("synth-llama-" + std::string(ref.type) + ".gguf")).string());

    double total_error = 0, total_norm = 0, worst = 0;
    int tensors = 0;
    for (const TensorInfo& info : quant.tensors()) {
        if (info.n_dims != 2) continue;
        const TensorInfo* original = f16.find_tensor(info.name);
        ASSERT_NE(original, nullptr) << info.name;
        ASSERT_EQ(original->n_elements, info.n_elements) << info.name;
        const std::vector<float> q = quant.tensor(info).to_floats();
        const std::vector<float> x = f16.tensor(*original).to_floats();
        double error = 0, norm = 0;
        for (size_t i = 0; i < q.size(); ++i) {
            error += (double(q[i]) - x[i]) * (double(q[i]) - x[i]);
            norm += double(x[i]) * x[i];
        }
        worst = std::max(worst, std::sqrt(error / norm));
        total_error += error;
        total_norm += norm;
        ++tensors;
    }
    const double overall = std::sqrt(total_error / total_norm);
    std::printf("[ measured ] %-5s relative RMS error: overall %.5f, worst tensor %.5f (%d tensors)\n", ref.type,
                overall, worst, tensors);
    EXPECT_GT(tensors, 0);
    EXPECT_NEAR(overall, ref.overall, kFourthDecimal);
    EXPECT_NEAR(worst, ref.worst, kFourthDecimal);
}

INSTANTIATE_TEST_SUITE_P(AllTypes, DequantizeVsF16, testing::ValuesIn(kReference),
                         [](const testing::TestParamInfo<ReferenceError>& p) { return std::string(p.param.type); });

// Hand-built blocks pin the element order that the shared files alone could blur.
TEST(Dequantize, Q4_0NibbleOrder) {
    BlockQ4_0 b{};
    b.d = fp32_to_fp16(0.5f);
    for (int j = 0; j < 16; ++j) b.qs[j] = uint8_t(j | (15 - j) << 4);
    float out[32];
    dequantize(GgmlType::Q4_0, &b, out, 32);
    for (int j = 0; j < 16; ++j) {
        EXPECT_EQ(out[j], 0.5f * float(j - 8));
        EXPECT_EQ(out[j + 16], 0.5f * float(7 - j));
    }
}

TEST(Dequantize, Q5_0FifthBitComesFromQh) {
    BlockQ5_0 b{};
    b.d = fp32_to_fp16(1.0f);
    b.qh[0] = 0x01;  // weight 0
    b.qh[2] = 0x01;  // weight 16
    float out[32];
    dequantize(GgmlType::Q5_0, &b, out, 32);
    EXPECT_EQ(out[0], 0.0f);    // 16 - 16
    EXPECT_EQ(out[1], -16.0f);  // 0 - 16
    EXPECT_EQ(out[16], 0.0f);
    EXPECT_EQ(out[17], -16.0f);
}

TEST(Dequantize, Q8_0IsScaleTimesQuant) {
    BlockQ8_0 b{};
    b.d = fp32_to_fp16(0.25f);
    for (int j = 0; j < 32; ++j) b.qs[j] = int8_t(j * 8 - 128);
    float out[32];
    dequantize(GgmlType::Q8_0, &b, out, 32);
    for (int j = 0; j < 32; ++j) EXPECT_EQ(out[j], 0.25f * float(j * 8 - 128));
}

TEST(Dequantize, ErrorsNameTheType) {
    const uint8_t block[66] = {};
    float out[256];
    try {
        dequantize(GgmlType::IQ2_XXS, block, out, 256);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::UnsupportedType);
        EXPECT_STREQ(e.what(), "weight type IQ2_XXS is not supported by wasm-chord");
    }
    try {
        dequantize(GgmlType::Q4_K, block, out, 100);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    }
    try {
        dequantize(GgmlType(5), block, out, 32);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::UnsupportedType);
        EXPECT_STREQ(e.what(), "unknown tensor type id 5");
    }
}

TEST(TypeTraits, TableIsConsistentWithTheBlockStructs) {
    EXPECT_EQ(type_traits(GgmlType::Q4_0).block_bytes, sizeof(BlockQ4_0));
    EXPECT_EQ(type_traits(GgmlType::Q4_1).block_bytes, sizeof(BlockQ4_1));
    EXPECT_EQ(type_traits(GgmlType::Q5_0).block_bytes, sizeof(BlockQ5_0));
    EXPECT_EQ(type_traits(GgmlType::Q5_1).block_bytes, sizeof(BlockQ5_1));
    EXPECT_EQ(type_traits(GgmlType::Q8_0).block_bytes, sizeof(BlockQ8_0));
    EXPECT_EQ(type_traits(GgmlType::Q2_K).block_bytes, sizeof(BlockQ2_K));
    EXPECT_EQ(type_traits(GgmlType::Q3_K).block_bytes, sizeof(BlockQ3_K));
    EXPECT_EQ(type_traits(GgmlType::Q4_K).block_bytes, sizeof(BlockQ4_K));
    EXPECT_EQ(type_traits(GgmlType::Q5_K).block_bytes, sizeof(BlockQ5_K));
    EXPECT_EQ(type_traits(GgmlType::Q6_K).block_bytes, sizeof(BlockQ6_K));
    EXPECT_EQ(type_traits(GgmlType::Q8_K).block_bytes, sizeof(BlockQ8_K));
    for (const TypeTraits& t : kTypeTraits) {
        EXPECT_EQ(find_type_traits(uint32_t(t.type)), &t) << t.name;  // ids are unique
        EXPECT_GT(t.block_elements, 0u);
        EXPECT_GT(t.block_bytes, 0u);
    }
    for (uint32_t retired : {4u, 5u, 31u, 32u, 33u, 36u, 37u, 38u, 42u, 1000u})
        EXPECT_EQ(find_type_traits(retired), nullptr) << retired;
}

}  // namespace
}  // namespace chord
