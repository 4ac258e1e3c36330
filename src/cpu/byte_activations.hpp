// The activations of a product as the relaxed-SIMD kernels read them: the numbers of
// IntActivations (int_rows.hpp), in plain row order and at their quantized width — per token, its
// int8 values, a float scale per scale block and an int16 sum per group of 16.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "int_rows.hpp"

namespace chord::cpu {

struct ByteActivations {
    size_t cols = 0, scale_block = 0;
    std::vector<int8_t> x;     // [rows × cols]
    std::vector<float> scale;  // [rows × cols/S]
    std::vector<int16_t> sum;  // [rows × cols/16]

    // Shaped as `from`; grows the buffers only when it holds more than ever before.
    void prepare(const IntActivations& from) {
        cols = from.cols;
        scale_block = from.scale_block;
        if (x.size() < from.rows * cols) x.resize(from.rows * cols);
        if (scale.size() < from.rows * from.blocks()) scale.resize(from.rows * from.blocks());
        if (sum.size() < from.rows * (cols / kGroup)) sum.resize(from.rows * (cols / kGroup));
    }

    // Rows [begin, end) copied from `from` (whose values all fit int8). Separate ranges may be
    // copied by separate threads.
    void copy_rows(const IntActivations& from, size_t begin, size_t end) {
        const size_t blocks = from.blocks(), groups = scale_block / kGroup;
        for (size_t t = begin; t < end; ++t)
            for (size_t b = 0; b < blocks; ++b) {
                const int16_t* values = from.block(t, b);
                int8_t* to = x.data() + t * cols + b * scale_block;
                for (size_t j = 0; j < scale_block; ++j) to[j] = int8_t(values[j]);
                scale[t * blocks + b] = from.block_scale(t, b);
                const int16_t* sums = from.block_sums(t, b);
                std::copy(sums, sums + groups, sum.data() + (t * blocks + b) * groups);
            }
    }
};

}  // namespace chord::cpu
