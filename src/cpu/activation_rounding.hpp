// Before a dot product with quantized weights, llama.cpp quantizes the activations to the
// weight type's partner format (Q8_0 for the 32-element types, Q8_K for the K-quants, half or
// bfloat for F16/BF16). Rounding the activations the same way keeps our logits next to its own.
#pragma once

#include <vector>

#include "chord/quant.hpp"

namespace chord::cpu {

// Replaces x[0, n) by the values it has after the rounding the weight type's dot product implies.
inline void round_activations_for(GgmlType weight_type, float* x, size_t n) {
    switch (weight_type) {
        case GgmlType::F32: return;
        case GgmlType::F16:
            for (size_t i = 0; i < n; ++i) x[i] = fp16_to_fp32(fp32_to_fp16(x[i]));
            return;
        case GgmlType::BF16:
            for (size_t i = 0; i < n; ++i) x[i] = bf16_to_fp32(fp32_to_bf16(x[i]));
            return;
        case GgmlType::Q4_0: case GgmlType::Q4_1: case GgmlType::Q5_0: case GgmlType::Q5_1: case GgmlType::Q8_0: {
            std::vector<BlockQ8_0> blocks(n / kQK);  // Q8_1 (for Q4_1/Q5_1) holds the same values
            quantize_q8_0(x, blocks.data(), n);
            dequantize_q8_0(blocks.data(), x, blocks.size());
            return;
        }
        case GgmlType::Q2_K: case GgmlType::Q3_K: case GgmlType::Q4_K: case GgmlType::Q5_K: case GgmlType::Q6_K: {
            std::vector<BlockQ8_K> blocks(n / kQK_K);
            quantize_q8_k(x, blocks.data(), n);
            dequantize_q8_k(blocks.data(), x, blocks.size());
            return;
        }
        default:
            throw Error(ErrorCode::UnsupportedType, std::string("matrix multiplication with ") + type_name(weight_type) +
                                                        " weights is not supported");
    }
}

}  // namespace chord::cpu
