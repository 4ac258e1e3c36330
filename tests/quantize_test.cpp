// 8-bit quantization of activations (Q8_0, Q8_K) as llama.cpp does it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "chord/quant.hpp"
#include "test_support.hpp"

namespace chord {
namespace {

TEST(QuantizeQ8_0, LargestMagnitudeMapsTo127AndErrorIsHalfAStep) {
    const std::vector<float> x = test::random_normal(32 * 64, 1, 2.0f);
    std::vector<BlockQ8_0> blocks(64);
    quantize_q8_0(x.data(), blocks.data(), x.size());
    std::vector<float> y(x.size());
    dequantize(GgmlType::Q8_0, blocks.data(), y.data(), y.size());
    for (size_t b = 0; b < blocks.size(); ++b) {
        float amax = 0;
        int qmax = 0;
        for (int j = 0; j < 32; ++j) {
            amax = std::max(amax, std::fabs(x[b * 32 + j]));
            qmax = std::max(qmax, std::abs(int(blocks[b].qs[j])));
        }
        EXPECT_EQ(qmax, 127);
        EXPECT_EQ(blocks[b].d, fp32_to_fp16(amax / 127.0f));
        const float d = fp16_to_fp32(blocks[b].d);
        for (int j = 0; j < 32; ++j) {
            const float exact = x[b * 32 + j] / (amax / 127.0f);
            EXPECT_EQ(blocks[b].qs[j], int8_t(std::round(exact)));
            // Half a step of rounding, plus the scale's own half-precision rounding.
            EXPECT_NEAR(y[b * 32 + j], x[b * 32 + j], 0.5f * d + 127.0f * d * 0.001f);
        }
    }
}

TEST(QuantizeQ8_0, ZeroBlockHasZeroScale) {
    std::vector<float> x(32, 0.0f);
    BlockQ8_0 b;
    quantize_q8_0(x.data(), &b, 32);
    EXPECT_EQ(b.d, 0);
    for (int8_t q : b.qs) EXPECT_EQ(q, 0);
}

TEST(QuantizeQ8_K, MatchesLlamaCppDefinition) {
    const std::vector<float> x = test::random_normal(256 * 8, 2, 2.0f);
    std::vector<BlockQ8_K> blocks(8);
    quantize_q8_k(x.data(), blocks.data(), x.size());
    for (size_t b = 0; b < blocks.size(); ++b) {
        const float* xb = x.data() + b * 256;
        float signed_max = 0;
        for (int j = 0; j < 256; ++j)
            if (std::fabs(xb[j]) > std::fabs(signed_max)) signed_max = xb[j];
        const float inverse_scale = -127.0f / signed_max;
        EXPECT_EQ(blocks[b].d, 1.0f / inverse_scale);
        for (int j = 0; j < 256; ++j) {
            const int expected = std::min(127, int(std::nearbyint(inverse_scale * xb[j])));
            ASSERT_EQ(blocks[b].qs[j], expected) << b << "," << j;
            EXPECT_NEAR(blocks[b].d * float(blocks[b].qs[j]), xb[j], 0.5f * std::fabs(blocks[b].d) * 1.0001f);
        }
        for (int g = 0; g < 16; ++g) {
            int sum = 0;
            for (int j = 0; j < 16; ++j) sum += blocks[b].qs[g * 16 + j];
            EXPECT_EQ(blocks[b].bsums[g], sum);
        }
    }
}

TEST(QuantizeQ8_K, LargestValueBecomesMinus127) {
    std::vector<float> x(256, 0.0f);
    x[10] = 127.0f;  // scale -1
    x[20] = -63.5f;  // ties go to even: 64
    x[30] = -62.5f;  // and 62
    BlockQ8_K b;
    quantize_q8_k(x.data(), &b, 256);
    EXPECT_EQ(b.qs[10], -127);
    EXPECT_EQ(b.qs[20], 64);
    EXPECT_EQ(b.qs[30], 62);
    EXPECT_EQ(b.d, -1.0f);
    EXPECT_EQ(b.bsums[0], -127);
    EXPECT_EQ(b.bsums[1], 126);
}

TEST(QuantizeQ8_K, ZeroBlockIsAllZero) {
    std::vector<float> x(256, 0.0f);
    BlockQ8_K b;
    std::memset(&b, 0x55, sizeof b);
    quantize_q8_k(x.data(), &b, 256);
    EXPECT_EQ(b.d, 0.0f);
    for (int8_t q : b.qs) EXPECT_EQ(q, 0);
    for (int16_t s : b.bsums) EXPECT_EQ(s, 0);
}

}  // namespace
}  // namespace chord
