// Weight quantizers: every type round-trips through our (reference-checked) dequantizers with
// no more error than llama.cpp's own quantizers give on the same kind of data, and degenerate
// blocks (zero, constant, huge, tiny) stay finite.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "chord/gguf.hpp"
#include "chord/quant.hpp"
#include "test_support.hpp"

namespace chord {
namespace {

// llama.cpp's relative RMS error on the synth-llama weights (shared/README.md): over all 2-D
// tensors together, and for the worst tensor.
struct Reference {
    GgmlType type;
    double overall, worst;
};

constexpr Reference kLlamaCppError[] = {
    {GgmlType::BF16, 0.0017, 0.0017}, {GgmlType::Q8_0, 0.0054, 0.0054}, {GgmlType::Q6_K, 0.0177, 0.0179},
    {GgmlType::Q5_1, 0.0379, 0.0383}, {GgmlType::Q5_0, 0.0427, 0.0430}, {GgmlType::Q5_K, 0.0361, 0.0364},
    {GgmlType::Q4_1, 0.0782, 0.0787}, {GgmlType::Q4_0, 0.0859, 0.0867}, {GgmlType::Q4_K, 0.0714, 0.0718},
    {GgmlType::Q3_K, 0.1508, 0.1521}, {GgmlType::Q2_K, 0.2963, 0.2986},
};
constexpr double kTolerance = 1.1;  // ours may be at most 10% worse

std::vector<float> normal_weights(size_t n, float std, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, std);
    std::vector<float> x(n);
    for (float& v : x) v = normal(rng);
    return x;
}

std::vector<float> round_trip(GgmlType type, const std::vector<float>& x) {
    const TypeTraits& t = type_traits(type);
    std::vector<uint8_t> q(x.size() / t.block_elements * t.block_bytes);
    quantize(type, x.data(), q.data(), x.size());
    std::vector<float> y(x.size());
    dequantize(type, q.data(), y.data(), y.size());
    return y;
}

struct ErrorSums {
    double error = 0, signal = 0;
    void add(const std::vector<float>& x, const std::vector<float>& y) {
        for (size_t i = 0; i < x.size(); ++i) {
            error += (double(y[i]) - x[i]) * (double(y[i]) - x[i]);
            signal += double(x[i]) * x[i];
        }
    }
    double relative() const { return std::sqrt(error / signal); }
};

class QuantizeWeights : public testing::TestWithParam<Reference> {};

TEST_P(QuantizeWeights, RandomNormalErrorIsNoWorseThanLlamaCpp) {
    const Reference ref = GetParam();
    const std::vector<float> x = normal_weights(256 * 256, 0.02f, 7);
    ErrorSums sums;
    sums.add(x, round_trip(ref.type, x));
    EXPECT_LE(sums.relative(), ref.overall * kTolerance) << type_name(ref.type);
    // Far better than llama.cpp would mean the test data or the metric is off, not a good quantizer.
    EXPECT_GE(sums.relative(), ref.overall * 0.5) << type_name(ref.type);
}

// The very weights llama.cpp's figures come from: the 2-D tensors of the first layer (and the
// embeddings) of synth-llama-f16.
TEST_P(QuantizeWeights, SharedWeightsErrorIsNoWorseThanLlamaCpp) {
    const Reference ref = GetParam();
    const GgufFile f16 = GgufFile::open((test::shared_dir() / "models" / "synth-llama-f16.gguf").string());
    ErrorSums overall;
    for (const TensorInfo& t : f16.tensors()) {
        const std::string name(t.name);
        if (t.n_dims < 2 || name.rfind("blk.1.", 0) == 0) continue;
        SCOPED_TRACE(name);
        const std::vector<float> x = f16.tensor(t).to_floats();
        ErrorSums tensor;
        tensor.add(x, round_trip(ref.type, x));
        EXPECT_LE(tensor.relative(), ref.worst * kTolerance) << type_name(ref.type);
        overall.error += tensor.error;
        overall.signal += tensor.signal;
    }
    EXPECT_LE(overall.relative(), ref.overall * kTolerance) << type_name(ref.type);
}

TEST_P(QuantizeWeights, DegenerateBlocksStayFinite) {
    const GgmlType type = GetParam().type;
    const size_t n = 512;  // two super-blocks
    const auto check = [&](const std::vector<float>& x, const char* what) -> std::vector<float> {
        const std::vector<float> y = round_trip(type, x);
        size_t finite = 0;
        for (float v : y) finite += std::isfinite(v) ? 1 : 0;
        EXPECT_EQ(finite, n) << type_name(type) << ", " << what;
        return y;
    };
    for (float v : check(std::vector<float>(n, 0.0f), "zero")) EXPECT_EQ(v, 0.0f);
    for (float c : {0.75f, -0.75f}) {
        const std::vector<float> y = check(std::vector<float>(n, c), "constant");
        for (float v : y) EXPECT_NEAR(v, c, 0.02f * std::fabs(c)) << type_name(type);
    }
    std::vector<float> huge = normal_weights(n, 1e6f, 3);
    huge[5] = 3e38f;
    huge[300] = -3e38f;
    check(huge, "huge");
    check(normal_weights(n, 1e-30f, 4), "tiny");
    std::vector<float> one_spike(n, 0.0f);
    one_spike[17] = 1.0f;
    const std::vector<float> y = check(one_spike, "one spike");
    EXPECT_NEAR(y[17], 1.0f, 0.01f) << type_name(type);
    EXPECT_NEAR(y[18], 0.0f, 1e-3f) << type_name(type);
}

INSTANTIATE_TEST_SUITE_P(AllTypes, QuantizeWeights, testing::ValuesIn(kLlamaCppError),
                         [](const testing::TestParamInfo<Reference>& p) { return std::string(type_name(p.param.type)); });

TEST(QuantizeWeights, FloatTypesRoundTripAsConversions) {
    const std::vector<float> x = normal_weights(64, 1.0f, 5);
    EXPECT_EQ(round_trip(GgmlType::F32, x), x);
    const std::vector<float> h = round_trip(GgmlType::F16, x);
    for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(h[i], fp16_to_fp32(fp32_to_fp16(x[i])));
}

// The legacy types follow ggml's reference rule exactly; one block checked by hand.
TEST(QuantizeWeights, Q4_0MapsTheLargestMagnitudeToCodeZero) {
    std::vector<float> x(32);
    for (int j = 0; j < 32; ++j) x[j] = float(j - 8) * 0.25f;  // -2 … 5.75: the largest is 5.75
    BlockQ4_0 b;
    quantize(GgmlType::Q4_0, x.data(), &b, 32);
    EXPECT_EQ(b.d, fp32_to_fp16(5.75f / -8.0f));
    EXPECT_EQ(b.qs[15] >> 4, 0);  // weight 31, 5.75, is code 0 = -8 * d
}

TEST(QuantizeWeights, RefusesWhatItCannotWrite) {
    std::vector<float> x(256, 1.0f);
    std::vector<uint8_t> out(1024);
    try {
        quantize(GgmlType::IQ2_XXS, x.data(), out.data(), x.size());
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::UnsupportedType);
        EXPECT_NE(std::string(e.what()).find("IQ2_XXS"), std::string::npos);
    }
    try {
        quantize(GgmlType::Q4_K, x.data(), out.data(), 100);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    }
}

}  // namespace
}  // namespace chord
