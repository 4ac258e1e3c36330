// The weight types of GGUF, one row each: id, name, block layout, and the reference dequantizer.
// (The quantizers are in quantize_weights.hpp, so that a program that only reads models, like the
// wasm module, does not carry them.)
//
// Ids are ggml's `enum ggml_type`. The table also lists the types wasm-chord cannot compute with
// (IQ*, TQ*, MXFP4, …) so that a file using them can still be inspected and the error names the
// type; their `to_float` is null.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "chord/dequantize.hpp"
#include "chord/error.hpp"

namespace chord {

enum class GgmlType : uint32_t {
    F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
    Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
    IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19, IQ4_NL = 20, IQ3_S = 21, IQ2_S = 22,
    IQ4_XS = 23, I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, IQ1_M = 29, BF16 = 30,
    TQ1_0 = 34, TQ2_0 = 35, MXFP4 = 39, NVFP4 = 40, Q1_0 = 41,
};

// Converts `n_blocks` blocks (for F32/F16/BF16 a block is one element) to floats.
using DequantizeFn = void (*)(const void* src, float* dst, size_t n_blocks);

struct TypeTraits {
    GgmlType type;
    const char* name;
    uint32_t block_elements;  // weights per block
    uint32_t block_bytes;     // bytes per block
    DequantizeFn to_float;    // null: wasm-chord cannot compute with this type
};

inline constexpr TypeTraits kTypeTraits[] = {
    {GgmlType::F32, "F32", 1, 4, dequantize_f32},
    {GgmlType::F16, "F16", 1, 2, dequantize_f16},
    {GgmlType::BF16, "BF16", 1, 2, dequantize_bf16},
    {GgmlType::Q4_0, "Q4_0", 32, 18, dequantize_q4_0},
    {GgmlType::Q4_1, "Q4_1", 32, 20, dequantize_q4_1},
    {GgmlType::Q5_0, "Q5_0", 32, 22, dequantize_q5_0},
    {GgmlType::Q5_1, "Q5_1", 32, 24, dequantize_q5_1},
    {GgmlType::Q8_0, "Q8_0", 32, 34, dequantize_q8_0},
    {GgmlType::Q2_K, "Q2_K", 256, 84, dequantize_q2_k},
    {GgmlType::Q3_K, "Q3_K", 256, 110, dequantize_q3_k},
    {GgmlType::Q4_K, "Q4_K", 256, 144, dequantize_q4_k},
    {GgmlType::Q5_K, "Q5_K", 256, 176, dequantize_q5_k},
    {GgmlType::Q6_K, "Q6_K", 256, 210, dequantize_q6_k},
    {GgmlType::Q8_K, "Q8_K", 256, 292, dequantize_q8_k},
    // Known to ggml, not computed by wasm-chord.
    {GgmlType::Q8_1, "Q8_1", 32, 36, nullptr},
    {GgmlType::IQ2_XXS, "IQ2_XXS", 256, 66, nullptr},
    {GgmlType::IQ2_XS, "IQ2_XS", 256, 74, nullptr},
    {GgmlType::IQ3_XXS, "IQ3_XXS", 256, 98, nullptr},
    {GgmlType::IQ1_S, "IQ1_S", 256, 50, nullptr},
    {GgmlType::IQ4_NL, "IQ4_NL", 32, 18, nullptr},
    {GgmlType::IQ3_S, "IQ3_S", 256, 110, nullptr},
    {GgmlType::IQ2_S, "IQ2_S", 256, 82, nullptr},
    {GgmlType::IQ4_XS, "IQ4_XS", 256, 136, nullptr},
    {GgmlType::I8, "I8", 1, 1, nullptr},
    {GgmlType::I16, "I16", 1, 2, nullptr},
    {GgmlType::I32, "I32", 1, 4, nullptr},
    {GgmlType::I64, "I64", 1, 8, nullptr},
    {GgmlType::F64, "F64", 1, 8, nullptr},
    {GgmlType::IQ1_M, "IQ1_M", 256, 56, nullptr},
    {GgmlType::TQ1_0, "TQ1_0", 256, 54, nullptr},
    {GgmlType::TQ2_0, "TQ2_0", 256, 66, nullptr},
    {GgmlType::MXFP4, "MXFP4", 32, 17, nullptr},
    {GgmlType::NVFP4, "NVFP4", 64, 36, nullptr},
    {GgmlType::Q1_0, "Q1_0", 128, 18, nullptr},
};

// The row of a type id, or null for an id ggml never defined (or has retired).
inline const TypeTraits* find_type_traits(uint32_t id) {
    for (const TypeTraits& t : kTypeTraits)
        if (uint32_t(t.type) == id) return &t;
    return nullptr;
}

inline const TypeTraits& type_traits(GgmlType type) {
    const TypeTraits* t = find_type_traits(uint32_t(type));
    if (!t) throw Error(ErrorCode::UnsupportedType, "unknown tensor type id " + std::to_string(uint32_t(type)));
    return *t;
}

inline const char* type_name(GgmlType type) {
    const TypeTraits* t = find_type_traits(uint32_t(type));
    return t ? t->name : "unknown";
}

// Converts `n_elements` weights of `type` at `src` to floats. `n_elements` must be a whole number
// of blocks. Throws UnsupportedType for a type without a dequantizer.
inline void dequantize(GgmlType type, const void* src, float* dst, size_t n_elements) {
    const TypeTraits& t = type_traits(type);
    if (!t.to_float)
        throw Error(ErrorCode::UnsupportedType,
                    std::string("weight type ") + t.name + " is not supported by wasm-chord");
    if (n_elements % t.block_elements != 0)
        throw Error(ErrorCode::InvalidArgument, std::to_string(n_elements) + " elements of " + t.name +
                                                    " are not a whole number of " +
                                                    std::to_string(t.block_elements) + "-element blocks");
    t.to_float(src, dst, n_elements / t.block_elements);
}

}  // namespace chord
