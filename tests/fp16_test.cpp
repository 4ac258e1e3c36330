#include "chord/fp16.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace chord {
namespace {

// An independent definition of binary16: (-1)^s * 2^(e-15) * 1.m, or 2^-14 * 0.m when e == 0.
double half_value(uint16_t h) {
    const int e = (h >> 10) & 0x1F;
    const int m = h & 0x3FF;
    const double magnitude = e == 0 ? std::ldexp(m, -24) : std::ldexp(1024 + m, e - 25);
    return (h & 0x8000) ? -magnitude : magnitude;
}

TEST(Fp16, EveryFiniteHalfConvertsExactlyToFloat) {
    for (uint32_t h = 0; h < 0x10000; ++h) {
        if (((h >> 10) & 0x1F) == 0x1F) continue;  // inf/nan, checked below
        ASSERT_EQ(double(fp16_to_fp32(uint16_t(h))), half_value(uint16_t(h))) << "half 0x" << std::hex << h;
    }
}

TEST(Fp16, InfinitiesAndNans) {
    EXPECT_EQ(fp16_to_fp32(0x7C00), INFINITY);
    EXPECT_EQ(fp16_to_fp32(0xFC00), -INFINITY);
    EXPECT_TRUE(std::isnan(fp16_to_fp32(0x7E00)));
    EXPECT_TRUE(std::isnan(fp16_to_fp32(0x7C01)));
    EXPECT_EQ(fp32_to_fp16(INFINITY), 0x7C00);
    EXPECT_EQ(fp32_to_fp16(-INFINITY), 0xFC00);
    EXPECT_EQ(fp32_to_fp16(1e6f), 0x7C00);         // overflow
    EXPECT_EQ(fp32_to_fp16(65504.0f), 0x7BFF);     // largest half
    EXPECT_EQ(fp32_to_fp16(65519.0f), 0x7BFF);     // still rounds down
    EXPECT_EQ(fp32_to_fp16(65520.0f), 0x7C00);     // ties to even: inf
    const uint16_t nan = fp32_to_fp16(NAN);
    EXPECT_EQ(nan & 0x7C00, 0x7C00);
    EXPECT_NE(nan & 0x3FF, 0);
}

TEST(Fp16, EveryHalfRoundTripsThroughFloat) {
    for (uint32_t h = 0; h < 0x10000; ++h) {
        if (((h >> 10) & 0x1F) == 0x1F && (h & 0x3FF)) continue;  // nan payloads may change
        ASSERT_EQ(fp32_to_fp16(fp16_to_fp32(uint16_t(h))), h) << "half 0x" << std::hex << h;
    }
}

// Rounding: the result is the nearest half, ties to the even one, for random floats over the
// whole half range including subnormals.
TEST(Fp16, FloatRoundsToNearestEvenHalf) {
    std::mt19937 rng(1234);
    std::uniform_real_distribution<float> exponent(-26.0f, 16.0f);
    std::uniform_real_distribution<float> mantissa(1.0f, 2.0f);
    for (int i = 0; i < 200000; ++i) {
        const float x = std::ldexp(mantissa(rng), int(exponent(rng))) * (i % 2 ? -1.0f : 1.0f);
        const uint16_t h = fp32_to_fp16(x);
        if ((h & 0x7C00) == 0x7C00) {
            ASSERT_GE(std::fabs(x), 65520.0f);
            continue;
        }
        const double err = std::fabs(half_value(h) - x);
        // Neighbours one unit away (same sign) must not be closer.
        for (int delta : {-1, 1}) {
            const uint32_t n = uint32_t(int(h & 0x7FFF) + delta) | (h & 0x8000);
            if ((n & 0x7FFF) >= 0x7C00 || (h & 0x7FFF) + delta < 0) continue;
            const double other = std::fabs(half_value(uint16_t(n)) - x);
            ASSERT_LE(err, other) << x;
            if (err == other) {
                ASSERT_EQ(h & 1, 0) << "tie not to even for " << x;
            }
        }
    }
}

#if defined(__FLT16_MAX__)
// The compiler's own _Float16 conversion (hardware rounding) as a second reference.
TEST(Fp16, AgreesWithCompilerFloat16) {
    std::mt19937 rng(99);
    std::uniform_int_distribution<uint32_t> bits;
    for (int i = 0; i < 500000; ++i) {
        // Random sign and mantissa; exponent from 2^-25 (below the subnormals) to 2^16 (overflow).
        const uint32_t r = bits(rng);
        const uint32_t exponent = 102 + (r >> 23) % 42;
        const float x = bits_float((r & 0x807FFFFFu) | exponent << 23);
        const _Float16 reference = static_cast<_Float16>(x);
        uint16_t expected;
        std::memcpy(&expected, &reference, 2);
        ASSERT_EQ(fp32_to_fp16(x), expected) << x;
    }
}
#endif

TEST(Bf16, ConvertsAndRoundsToNearestEven) {
    EXPECT_EQ(bf16_to_fp32(0x3F80), 1.0f);
    EXPECT_EQ(bf16_to_fp32(0xC000), -2.0f);
    EXPECT_EQ(fp32_to_bf16(1.0f), 0x3F80);
    EXPECT_EQ(fp32_to_bf16(bits_float(0x3F808000u)), 0x3F80);  // tie, even stays
    EXPECT_EQ(fp32_to_bf16(bits_float(0x3F818000u)), 0x3F82);  // tie, odd rounds up
    EXPECT_EQ(fp32_to_bf16(bits_float(0x3F808001u)), 0x3F81);
    EXPECT_TRUE(std::isnan(bf16_to_fp32(fp32_to_bf16(NAN))));
    for (uint32_t h = 0; h < 0x10000; ++h) {
        const float f = bf16_to_fp32(uint16_t(h));
        if (!std::isnan(f)) {
            ASSERT_EQ(fp32_to_bf16(f), h);
        }
    }
}

}  // namespace
}  // namespace chord
