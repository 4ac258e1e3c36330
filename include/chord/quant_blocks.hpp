// Block layouts of the GGUF weight types, byte for byte as ggml writes them.
//
// A quantized row is an array of blocks; each block holds a fixed number of weights (32 for the
// legacy types, 256 for the K-quants) and its own scales. Half-precision fields are raw IEEE half
// bits (see fp16.hpp). The static_asserts pin the sizes: a wrong layout fails to compile.
#pragma once

#include <cstdint>

namespace chord {

constexpr int kQK = 32;    // weights per block of the legacy types (Q4_0 … Q8_0)
constexpr int kQK_K = 256;  // weights per super-block of the K-quants

struct BlockQ4_0 {
    uint16_t d;             // scale (half)
    uint8_t qs[kQK / 2];    // weight j in the low nibble of qs[j], weight j+16 in the high nibble
};

struct BlockQ4_1 {
    uint16_t d;             // scale (half)
    uint16_t m;             // minimum (half): weight = q * d + m
    uint8_t qs[kQK / 2];
};

struct BlockQ5_0 {
    uint16_t d;             // scale (half)
    uint8_t qh[4];          // fifth bit of each of the 32 weights, little-endian bit j = weight j
    uint8_t qs[kQK / 2];    // low four bits, packed as in Q4_0
};

struct BlockQ5_1 {
    uint16_t d;
    uint16_t m;
    uint8_t qh[4];
    uint8_t qs[kQK / 2];
};

struct BlockQ8_0 {
    uint16_t d;             // scale (half)
    int8_t qs[kQK];
};

// Q2_K: 16 sub-blocks of 16 weights; weight = d * scale_i * q - dmin * min_i, q in 0..3.
struct BlockQ2_K {
    uint8_t scales[kQK_K / 16];  // low nibble: scale, high nibble: min, per sub-block
    uint8_t qs[kQK_K / 4];       // 2-bit quants, four weights per byte
    uint16_t d;                  // super-block scale of the scales (half)
    uint16_t dmin;               // super-block scale of the mins (half)
};

// Q3_K: 16 sub-blocks of 16 weights; weight = d * (scale_i - 32) * (q - 4 * !high_bit).
struct BlockQ3_K {
    uint8_t hmask[kQK_K / 8];  // high bit of each 3-bit quant
    uint8_t qs[kQK_K / 4];     // low 2 bits
    uint8_t scales[12];        // sixteen 6-bit scales, packed
    uint16_t d;                // super-block scale (half)
};

// Q4_K: 8 sub-blocks of 32 weights; weight = d * scale_i * q - dmin * min_i, q in 0..15.
struct BlockQ4_K {
    uint16_t d;
    uint16_t dmin;
    uint8_t scales[12];        // eight 6-bit scales and eight 6-bit mins, packed
    uint8_t qs[kQK_K / 2];
};

// Q5_K: as Q4_K with a fifth bit per weight.
struct BlockQ5_K {
    uint16_t d;
    uint16_t dmin;
    uint8_t scales[12];
    uint8_t qh[kQK_K / 8];
    uint8_t qs[kQK_K / 2];
};

// Q6_K: 16 sub-blocks of 16 weights; weight = d * scale_i * (q - 32), q in 0..63.
struct BlockQ6_K {
    uint8_t ql[kQK_K / 2];     // low 4 bits
    uint8_t qh[kQK_K / 4];     // high 2 bits
    int8_t scales[kQK_K / 16]; // 8-bit signed sub-block scales
    uint16_t d;                // super-block scale (half)
};

// Q8_K: activations only (never stored in files by ggml's writers, but a valid tensor type).
struct BlockQ8_K {
    float d;                     // scale: value = d * q
    int8_t qs[kQK_K];
    int16_t bsums[kQK_K / 16];   // sum of each group of 16 quants, used by the K-quant dot products
};

static_assert(sizeof(BlockQ4_0) == 18, "Q4_0 block layout");
static_assert(sizeof(BlockQ4_1) == 20, "Q4_1 block layout");
static_assert(sizeof(BlockQ5_0) == 22, "Q5_0 block layout");
static_assert(sizeof(BlockQ5_1) == 24, "Q5_1 block layout");
static_assert(sizeof(BlockQ8_0) == 34, "Q8_0 block layout");
static_assert(sizeof(BlockQ2_K) == 84, "Q2_K block layout");
static_assert(sizeof(BlockQ3_K) == 110, "Q3_K block layout");
static_assert(sizeof(BlockQ4_K) == 144, "Q4_K block layout");
static_assert(sizeof(BlockQ5_K) == 176, "Q5_K block layout");
static_assert(sizeof(BlockQ6_K) == 210, "Q6_K block layout");
static_assert(sizeof(BlockQ8_K) == 292, "Q8_K block layout");

}  // namespace chord
