// Finds NaN and infinite weights before a model runs on them: one NaN weight makes every logit
// NaN, far from its cause. Checked at load, over every weight, so the loops are plain scans of the
// exponent bits, written so that the compiler vectorizes them.
//
// F32, F16 and BF16 tensors are checked element by element. In the quantized types only the
// float fields of each block (its scale d, and the minimum m / dmin where the type has one) can
// hold NaN or Inf; the quants themselves are small integers.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <optional>
#include <string>

#include "chord/error.hpp"
#include "chord/gguf.hpp"
#include "chord/quant_blocks.hpp"
#include "chord/type_traits.hpp"

namespace chord {

// The first NaN or infinite weight of a tensor.
struct NonFiniteWeight {
    uint64_t index;     // element (F32, F16, BF16) or block (quantized types)
    const char* field;  // the block field that holds it ("d", "m", "dmin"); null for elements
    bool nan;           // NaN, else +-Inf
};

namespace tensor_check {

// A float field inside each block: `Word` bits whose exponent is all ones are NaN or Inf.
struct FloatField {
    const char* name;
    uint32_t offset;  // bytes from the start of the block
    bool f32;         // a float; else a half
};

// Index of the first of `count` consecutive words at `data` whose exponent bits (`exponent`) are
// all ones; `count` if none. Chunks of plain OR-reduced comparisons vectorize; only a chunk that
// holds a hit is scanned again.
template <typename Word>
uint64_t first_all_ones_exponent(const uint8_t* data, uint64_t count, Word exponent) {
    constexpr uint64_t kChunk = 1024;
    for (uint64_t begin = 0; begin < count; begin += kChunk) {
        const uint64_t end = std::min(count, begin + kChunk);
        bool any = false;
        for (uint64_t i = begin; i < end; ++i) {
            Word w;
            std::memcpy(&w, data + i * sizeof(Word), sizeof w);
            any |= (w & exponent) == exponent;
        }
        if (!any) continue;
        for (uint64_t i = begin; i < end; ++i) {
            Word w;
            std::memcpy(&w, data + i * sizeof(Word), sizeof w);
            if ((w & exponent) == exponent) return i;
        }
    }
    return count;
}

// The same over one field of each block: `count` words `stride` bytes apart. A plain loop, one
// compiled copy for every block type (a block's fields are a few bytes of a cache line or more).
template <typename Word>
uint64_t first_all_ones_exponent_strided(const uint8_t* data, uint64_t count, size_t stride, Word exponent) {
    for (uint64_t i = 0; i < count; ++i) {
        Word w;
        std::memcpy(&w, data + i * stride, sizeof w);
        if ((w & exponent) == exponent) return i;
    }
    return count;
}

template <typename Word>
bool is_nan_bits(Word w, Word exponent) {
    return (w & exponent) == exponent && (w & Word(~exponent) & Word(~(Word(1) << (8 * sizeof(Word) - 1)))) != 0;
}

// Elements of a float type: F32, or half-width F16 / BF16.
template <typename Word>
std::optional<NonFiniteWeight> check_elements(const uint8_t* data, uint64_t count, Word exponent) {
    const uint64_t i = first_all_ones_exponent<Word>(data, count, exponent);
    if (i == count) return std::nullopt;
    Word w;
    std::memcpy(&w, data + i * sizeof(Word), sizeof w);
    return NonFiniteWeight{i, nullptr, is_nan_bits(w, exponent)};
}

// The float fields of blocks of `block_bytes`, the first hit by block, then by field order.
inline std::optional<NonFiniteWeight> check_blocks(const uint8_t* data, uint64_t n_blocks, size_t block_bytes,
                                                   const FloatField* fields, size_t n_fields) {
    std::optional<NonFiniteWeight> first;
    for (size_t k = 0; k < n_fields; ++k) {
        const FloatField& f = fields[k];
        const uint64_t limit = first ? first->index : n_blocks;  // a later block cannot come first
        uint64_t block;
        bool nan;
        if (f.f32) {
            block = first_all_ones_exponent_strided<uint32_t>(data + f.offset, limit, block_bytes, 0x7F800000u);
            if (block == limit) continue;
            uint32_t w;
            std::memcpy(&w, data + block * block_bytes + f.offset, sizeof w);
            nan = is_nan_bits<uint32_t>(w, 0x7F800000u);
        } else {
            block = first_all_ones_exponent_strided<uint16_t>(data + f.offset, limit, block_bytes, uint16_t(0x7C00));
            if (block == limit) continue;
            uint16_t w;
            std::memcpy(&w, data + block * block_bytes + f.offset, sizeof w);
            nan = is_nan_bits<uint16_t>(w, uint16_t(0x7C00));
        }
        if (!first || block < first->index) first = NonFiniteWeight{block, f.name, nan};
    }
    return first;
}

#define CHORD_HALF(Block, field) FloatField{#field, uint32_t(offsetof(Block, field)), false}

inline constexpr FloatField kQ4_0[] = {CHORD_HALF(BlockQ4_0, d)};
inline constexpr FloatField kQ4_1[] = {CHORD_HALF(BlockQ4_1, d), CHORD_HALF(BlockQ4_1, m)};
inline constexpr FloatField kQ5_0[] = {CHORD_HALF(BlockQ5_0, d)};
inline constexpr FloatField kQ5_1[] = {CHORD_HALF(BlockQ5_1, d), CHORD_HALF(BlockQ5_1, m)};
inline constexpr FloatField kQ8_0[] = {CHORD_HALF(BlockQ8_0, d)};
inline constexpr FloatField kQ2_K[] = {CHORD_HALF(BlockQ2_K, d), CHORD_HALF(BlockQ2_K, dmin)};
inline constexpr FloatField kQ3_K[] = {CHORD_HALF(BlockQ3_K, d)};
inline constexpr FloatField kQ4_K[] = {CHORD_HALF(BlockQ4_K, d), CHORD_HALF(BlockQ4_K, dmin)};
inline constexpr FloatField kQ5_K[] = {CHORD_HALF(BlockQ5_K, d), CHORD_HALF(BlockQ5_K, dmin)};
inline constexpr FloatField kQ6_K[] = {CHORD_HALF(BlockQ6_K, d)};
inline constexpr FloatField kQ8_K[] = {FloatField{"d", uint32_t(offsetof(BlockQ8_K, d)), true}};

#undef CHORD_HALF

}  // namespace tensor_check

// The first NaN or infinite weight of `tensor`, or none. Throws UnsupportedType for a weight type
// wasm-chord cannot compute with (it would fail later, at the first token, otherwise).
inline std::optional<NonFiniteWeight> find_non_finite(const TensorView& tensor) {
    using namespace tensor_check;
    const TypeTraits& traits = tensor.info->traits();
    const uint8_t* p = tensor.data;
    const uint64_t blocks = tensor.size / traits.block_bytes;  // elements for F32/F16/BF16
    switch (tensor.info->type) {
        case GgmlType::F32: return check_elements<uint32_t>(p, blocks, 0x7F800000u);
        case GgmlType::F16: return check_elements<uint16_t>(p, blocks, uint16_t(0x7C00));
        case GgmlType::BF16: return check_elements<uint16_t>(p, blocks, uint16_t(0x7F80));
        case GgmlType::Q4_0: return check_blocks(p, blocks, sizeof(BlockQ4_0), kQ4_0, std::size(kQ4_0));
        case GgmlType::Q4_1: return check_blocks(p, blocks, sizeof(BlockQ4_1), kQ4_1, std::size(kQ4_1));
        case GgmlType::Q5_0: return check_blocks(p, blocks, sizeof(BlockQ5_0), kQ5_0, std::size(kQ5_0));
        case GgmlType::Q5_1: return check_blocks(p, blocks, sizeof(BlockQ5_1), kQ5_1, std::size(kQ5_1));
        case GgmlType::Q8_0: return check_blocks(p, blocks, sizeof(BlockQ8_0), kQ8_0, std::size(kQ8_0));
        case GgmlType::Q2_K: return check_blocks(p, blocks, sizeof(BlockQ2_K), kQ2_K, std::size(kQ2_K));
        case GgmlType::Q3_K: return check_blocks(p, blocks, sizeof(BlockQ3_K), kQ3_K, std::size(kQ3_K));
        case GgmlType::Q4_K: return check_blocks(p, blocks, sizeof(BlockQ4_K), kQ4_K, std::size(kQ4_K));
        case GgmlType::Q5_K: return check_blocks(p, blocks, sizeof(BlockQ5_K), kQ5_K, std::size(kQ5_K));
        case GgmlType::Q6_K: return check_blocks(p, blocks, sizeof(BlockQ6_K), kQ6_K, std::size(kQ6_K));
        case GgmlType::Q8_K: return check_blocks(p, blocks, sizeof(BlockQ8_K), kQ8_K, std::size(kQ8_K));
        default:
            throw Error(ErrorCode::UnsupportedType, "tensor '" + std::string(tensor.info->name) + "': weight type " +
                                                        traits.name + " is not supported by wasm-chord");
    }
}

// Throws UnsupportedType for a weight type wasm-chord cannot compute with, before the weight's bytes
// are there (a streamed load checks them as they arrive).
inline void check_weight_type(const TensorInfo& info) { find_non_finite(TensorView{&info, nullptr, 0}); }

// Throws Malformed naming the tensor and the element or block of the first NaN or Inf weight in its
// rows [first_row, first_row + n_rows), whose bytes are at `rows` (a piece of a streamed tensor:
// weight_stream.hpp); elements and blocks are counted from the tensor's start.
inline void check_finite_weight_rows(const TensorInfo& info, const uint8_t* rows, uint64_t first_row, uint64_t n_rows) {
    const TypeTraits& traits = info.traits();
    const uint64_t row_bytes = info.shape[0] / traits.block_elements * traits.block_bytes;
    std::optional<NonFiniteWeight> bad = find_non_finite(TensorView{&info, rows, size_t(n_rows * row_bytes)});
    if (!bad) return;
    bad->index += first_row * (row_bytes / traits.block_bytes);
    const std::string what = bad->nan ? "NaN" : "Inf";
    const std::string where = bad->field ? "in the " + std::string(bad->field) + " field of block " + std::to_string(bad->index)
                                         : "at element " + std::to_string(bad->index);
    throw Error(ErrorCode::Malformed, "tensor '" + std::string(info.name) + "' holds " + what + " " + where + " (" +
                                          traits.name + "): a non-finite weight makes every output NaN");
}

// The same over a whole tensor.
inline void check_finite_weights(const TensorView& tensor) { check_finite_weight_rows(*tensor.info, tensor.data, 0, tensor.info->rows()); }

}  // namespace chord
