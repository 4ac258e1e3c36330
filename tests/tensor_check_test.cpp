// find_non_finite / check_finite_weights: for every weight type, a NaN, +Inf or -Inf in the first,
// a middle and the last block (or element) is found where it is; clean tensors pass; a type
// wasm-chord cannot compute with is refused. Block fields are placed with offsetof on the block
// structs of quant_blocks.hpp, the layouts ggml writes.
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "chord/gguf.hpp"
#include "chord/quant_blocks.hpp"
#include "chord/quantize_weights.hpp"
#include "chord/tensor_check.hpp"
#include "test_support.hpp"

namespace chord {
namespace {

struct FloatField {
    const char* name;  // null: the elements of F32 / F16 / BF16
    size_t offset;
};

struct TypeCase {
    GgmlType type;
    std::vector<FloatField> fields;
    bool f32;  // the field is a float, else 16 bits
};

std::vector<TypeCase> type_cases() {
    return {
        {GgmlType::F32, {{nullptr, 0}}, true},
        {GgmlType::F16, {{nullptr, 0}}, false},
        {GgmlType::BF16, {{nullptr, 0}}, false},
        {GgmlType::Q4_0, {{"d", offsetof(BlockQ4_0, d)}}, false},
        {GgmlType::Q4_1, {{"d", offsetof(BlockQ4_1, d)}, {"m", offsetof(BlockQ4_1, m)}}, false},
        {GgmlType::Q5_0, {{"d", offsetof(BlockQ5_0, d)}}, false},
        {GgmlType::Q5_1, {{"d", offsetof(BlockQ5_1, d)}, {"m", offsetof(BlockQ5_1, m)}}, false},
        {GgmlType::Q8_0, {{"d", offsetof(BlockQ8_0, d)}}, false},
        {GgmlType::Q2_K, {{"d", offsetof(BlockQ2_K, d)}, {"dmin", offsetof(BlockQ2_K, dmin)}}, false},
        {GgmlType::Q3_K, {{"d", offsetof(BlockQ3_K, d)}}, false},
        {GgmlType::Q4_K, {{"d", offsetof(BlockQ4_K, d)}, {"dmin", offsetof(BlockQ4_K, dmin)}}, false},
        {GgmlType::Q5_K, {{"d", offsetof(BlockQ5_K, d)}, {"dmin", offsetof(BlockQ5_K, dmin)}}, false},
        {GgmlType::Q6_K, {{"d", offsetof(BlockQ6_K, d)}}, false},
        {GgmlType::Q8_K, {{"d", offsetof(BlockQ8_K, d)}}, true},
    };
}

// A 1-D tensor of `n_blocks` blocks (F32/F16/BF16: elements; enough that the scan runs over
// several chunks), quantized from random weights.
struct OwnedTensor {
    TensorInfo info{};
    std::vector<uint8_t> bytes;

    OwnedTensor(GgmlType type, uint64_t n_blocks) {
        const TypeTraits& traits = type_traits(type);
        const uint64_t n = n_blocks * traits.block_elements;
        info.name = "blk.7.test.weight";
        info.type = type;
        info.n_dims = 1;
        info.shape = {n, 1, 1, 1};
        info.n_elements = n;
        info.n_bytes = n_blocks * traits.block_bytes;
        bytes.resize(size_t(info.n_bytes));
        const std::vector<float> weights = test::random_normal(size_t(n), 3, 1.0f);
        quantize(type, weights.data(), bytes.data(), size_t(n));
    }
    TensorView view() const { return TensorView{&info, bytes.data(), bytes.size()}; }

    void set(uint64_t block, size_t offset, bool f32, uint32_t bits) {
        uint8_t* at = bytes.data() + block * type_traits(info.type).block_bytes + offset;
        if (f32) {
            std::memcpy(at, &bits, 4);
        } else {
            const auto half = uint16_t(bits);
            std::memcpy(at, &half, 2);
        }
    }
};

// NaN, +Inf, -Inf in the field's format; the second member: whether it is NaN.
std::vector<std::pair<uint32_t, bool>> non_finite_values(GgmlType type, bool f32) {
    if (f32) return {{0x7FC00000u, true}, {0xFFC00001u, true}, {0x7F800000u, false}, {0xFF800000u, false}};
    if (type == GgmlType::BF16) return {{0x7FC0u, true}, {0xFF81u, true}, {0x7F80u, false}, {0xFF80u, false}};
    return {{0x7E00u, true}, {0xFC01u, true}, {0x7C00u, false}, {0xFC00u, false}};
}

uint64_t blocks_for(GgmlType type) { return type_traits(type).block_elements == 1 ? 5000 : 40; }

TEST(TensorCheck, CleanTensorsPass) {
    for (const TypeCase& c : type_cases()) {
        const OwnedTensor t(c.type, blocks_for(c.type));
        EXPECT_FALSE(find_non_finite(t.view()).has_value()) << type_name(c.type);
        EXPECT_NO_THROW(check_finite_weights(t.view())) << type_name(c.type);
    }
}

TEST(TensorCheck, FindsNaNAndInfInFirstMiddleAndLastBlock) {
    size_t checked = 0;
    for (const TypeCase& c : type_cases()) {
        const uint64_t n_blocks = blocks_for(c.type);
        for (const FloatField& field : c.fields)
            for (uint64_t block : {uint64_t(0), uint64_t(1023), uint64_t(1024), n_blocks / 2, n_blocks - 1}) {
                if (block >= n_blocks) continue;
                for (const auto& [bits, nan] : non_finite_values(c.type, c.f32)) {
                    OwnedTensor t(c.type, n_blocks);
                    t.set(block, field.offset, c.f32, bits);
                    const std::optional<NonFiniteWeight> found = find_non_finite(t.view());
                    const std::string what = std::string(type_name(c.type)) + " " + (field.name ? field.name : "element") + " " +
                                             std::to_string(block) + " bits " + std::to_string(bits);
                    ASSERT_TRUE(found.has_value()) << what;
                    EXPECT_EQ(found->index, block) << what;
                    EXPECT_EQ(found->nan, nan) << what;
                    if (field.name) {
                        ASSERT_NE(found->field, nullptr) << what;
                        EXPECT_STREQ(found->field, field.name) << what;
                    } else {
                        EXPECT_EQ(found->field, nullptr) << what;
                    }
                    ++checked;
                }
            }
    }
    EXPECT_EQ(checked, 252u);  // 3 element types × 5 places + 16 block fields × 3, × 4 values
}

TEST(TensorCheck, ReportsTheFirstBlockWhicheverFieldHoldsIt) {
    OwnedTensor t(GgmlType::Q4_K, 10);
    t.set(7, offsetof(BlockQ4_K, d), false, 0x7C00);
    t.set(3, offsetof(BlockQ4_K, dmin), false, 0x7E00);
    const std::optional<NonFiniteWeight> found = find_non_finite(t.view());
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->index, 3u);
    EXPECT_STREQ(found->field, "dmin");
    EXPECT_TRUE(found->nan);
}

TEST(TensorCheck, LargeFiniteValuesAndSubnormalsPass) {
    OwnedTensor f16(GgmlType::F16, 4);
    f16.set(0, 0, false, 0x7BFF);  // 65504, the largest half
    f16.set(1, 0, false, 0x0001);  // the smallest subnormal
    f16.set(2, 0, false, 0xFBFF);  // -65504
    EXPECT_FALSE(find_non_finite(f16.view()).has_value());
    OwnedTensor f32(GgmlType::F32, 2);
    f32.set(0, 0, true, 0x7F7FFFFFu);  // FLT_MAX
    EXPECT_FALSE(find_non_finite(f32.view()).has_value());
}

TEST(TensorCheck, ErrorNamesTheTensorAndWhere) {
    OwnedTensor elements(GgmlType::F16, 100);
    elements.set(42, 0, false, 0x7E00);
    try {
        check_finite_weights(elements.view());
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Malformed);
        EXPECT_STREQ(e.what(), "tensor 'blk.7.test.weight' holds NaN at element 42 (F16): a non-finite weight makes every output NaN");
    }
    OwnedTensor blocks(GgmlType::Q6_K, 3);
    blocks.set(2, offsetof(BlockQ6_K, d), false, 0xFC00);
    try {
        check_finite_weights(blocks.view());
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Malformed);
        EXPECT_STREQ(e.what(),
                     "tensor 'blk.7.test.weight' holds Inf in the d field of block 2 (Q6_K): a non-finite weight makes every output NaN");
    }
}

TEST(TensorCheck, TypesWasmChordCannotComputeAreRefused) {
    for (GgmlType type : {GgmlType::IQ2_XXS, GgmlType::IQ4_NL, GgmlType::Q8_1, GgmlType::I8, GgmlType::I32, GgmlType::F64, GgmlType::TQ1_0}) {
        const TypeTraits& traits = type_traits(type);
        TensorInfo info{};
        info.name = "w";
        info.type = type;
        info.n_dims = 1;
        info.shape = {traits.block_elements, 1, 1, 1};
        info.n_elements = traits.block_elements;
        info.n_bytes = traits.block_bytes;
        const std::vector<uint8_t> bytes(traits.block_bytes);
        try {
            find_non_finite(TensorView{&info, bytes.data(), bytes.size()});
            ADD_FAILURE() << traits.name << " accepted";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::UnsupportedType) << traits.name;
            EXPECT_EQ(std::string(e.what()), std::string("tensor 'w': weight type ") + traits.name + " is not supported by wasm-chord");
        }
    }
}

// What the check costs at load: every tensor of each shared model.
TEST(TensorCheck, CostOnTheSharedModels) {
    for (const auto& path : test::shared_files("models", ".gguf")) {
        const GgufFile file = GgufFile::open(path.string());
        for (const TensorInfo& t : file.tensors()) (void)find_non_finite(file.tensor(t));  // pages in the file
        const auto start = std::chrono::steady_clock::now();
        uint64_t bytes = 0;
        for (const TensorInfo& t : file.tensors()) {
            ASSERT_FALSE(find_non_finite(file.tensor(t)).has_value()) << t.name;
            bytes += t.n_bytes;
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("[ measured ] NaN/Inf scan of %s: %.1f MB in %.3f ms (%.1f GB/s)\n", path.filename().c_str(), double(bytes) / 1e6,
                    seconds * 1e3, double(bytes) / seconds / 1e9);
    }
}

}  // namespace
}  // namespace chord
