// The CPU backend's KV cache: one layer's keys or values in the cache's type (kv_cache.hpp says
// what each type rounds, as llama.cpp does), and the three things attention does with them —
// store a row, dot a query head with a cached key, add a weighted cached value.
//
// Half-precision rows are read eight values at a time and converted exactly (every half is a
// float), with the lanes and the order of float sums of float_vector.hpp's dot() and
// add_scaled(): the same numbers as those loops on the converted floats. Query heads that share a
// key/value head read each cached row once (key_dots, add_values).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "chord/error.hpp"
#include "chord/fp16.hpp"
#include "chord/kv_cache.hpp"
#include "chord/quant_blocks.hpp"
#include "chord/quantize.hpp"
#include "float_vector.hpp"

namespace chord::cpu {

typedef uint16_t u16x8 __attribute__((vector_size(16)));

// Eight halves to floats (the first four in `low`), with 16-bit integer lanes and one
// multiplication (WASM SIMD128 and SSE2 have no half conversion): each half's exponent and
// mantissa go where a float has them, unbiased, and times 2^112 the exponent is rebiased — which
// also gives zeros and subnormals exactly; exponent 31 (inf, nan) becomes 255 first. The same
// floats as fp16_to_fp32 (a NaN stays a NaN; ggml's caches hold quiet ones only, kept bit for bit).
inline void load8_half(const uint16_t* p, f32x4& low, f32x4& high) {
    u16x8 h;
    std::memcpy(&h, p, sizeof h);
    const u16x8 special = (u16x8)((h & 0x7C00) == 0x7C00);
    const u16x8 top = ((h & 0x7FFF) >> 3) | (special & 0x7F80) | (h & 0x8000);  // the float's high 16 bits
    const u16x8 bottom = h << 13;                                                 // and its low 16 bits
    const u16x8 a = __builtin_shufflevector(bottom, top, 0, 8, 1, 9, 2, 10, 3, 11);
    const u16x8 b = __builtin_shufflevector(bottom, top, 4, 12, 5, 13, 6, 14, 7, 15);
    std::memcpy(&low, &a, sizeof low);
    std::memcpy(&high, &b, sizeof high);
    low *= 5.192296858534828e+33f;  // 2^112
    high *= 5.192296858534828e+33f;
}

// Σ a[i]·half(b[i]): float_vector.hpp's dot() on the converted values.
inline float dot_half(const float* a, const uint16_t* b, size_t n) {
    f32x4 sum0 = {0, 0, 0, 0}, sum1 = sum0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        f32x4 low, high;
        load8_half(b + i, low, high);
        sum0 += load4(a + i) * low;
        sum1 += load4(a + i + 4) * high;
    }
    const f32x4 sum = sum0 + sum1;
    float total = (sum[0] + sum[1]) + (sum[2] + sum[3]);
    for (; i < n; ++i) total += a[i] * fp16_to_fp32(b[i]);
    return total;
}

// y[i] += a·half(x[i]): float_vector.hpp's add_scaled() on the converted values.
inline void add_scaled_half(float a, const uint16_t* x, float* y, size_t n) {
    const f32x4 scale = {a, a, a, a};
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        f32x4 low, high;
        load8_half(x + i, low, high);
        const f32x4 sum0 = load4(y + i) + scale * low, sum1 = load4(y + i + 4) + scale * high;
        std::memcpy(y + i, &sum0, sizeof sum0);
        std::memcpy(y + i + 4, &sum1, sizeof sum1);
    }
    for (; i < n; ++i) y[i] += a * fp16_to_fp32(x[i]);
}

// ggml's Q8_0 × Q8_0 dot product (its generic form): per block the exact integer sum of the
// products times the product of the two scales, summed over the blocks in float.
inline float dot_q8_0(const BlockQ8_0* key, const BlockQ8_0* query, size_t blocks) {
    float sum = 0.0f;
    for (size_t b = 0; b < blocks; ++b) {
        int32_t products = 0;
        for (int j = 0; j < kQK; ++j) products += int32_t(key[b].qs[j]) * int32_t(query[b].qs[j]);
        sum += float(products) * (fp16_to_fp32(key[b].d) * fp16_to_fp32(query[b].d));
    }
    return sum;
}

// y[i] += a·v[i] with v dequantized (d·q, exact in float), as llama.cpp's flash attention adds
// its dequantized Q8_0 values.
inline void add_scaled_q8_0(float a, const BlockQ8_0* v, float* y, size_t blocks) {
    for (size_t b = 0; b < blocks; ++b, y += kQK) {
        const float d = fp16_to_fp32(v[b].d);
        for (int j = 0; j < kQK; ++j) y[j] += a * (d * float(v[b].qs[j]));
    }
}

// A query head as the keys' dot product takes it: rounded to half (F16 keys), quantized to Q8_0
// blocks (Q8_0 keys), or as it is (F32).
struct KvQuery {
    std::vector<float> values;
    std::vector<BlockQ8_0> blocks;
    const float* floats = nullptr;  // the values the dot product reads (F16, F32)
};

// One layer's keys or values: `n_ctx` rows of `width` values.
class KvCacheRows {
public:
    KvCacheRows(size_t n_ctx, size_t width, KvCacheType type) : n_ctx_(n_ctx), width_(width), type_(type) {
        if (type == KvCacheType::Q8_0 && width % kQK != 0)
            throw Error(ErrorCode::InvalidArgument, "a q8_0 cache row must be a multiple of 32 values, not " + std::to_string(width));
        switch (type) {
            case KvCacheType::F32: f32_.resize(count<float>(n_ctx, width)); break;
            case KvCacheType::F16: f16_.resize(count<uint16_t>(n_ctx, width)); break;
            case KvCacheType::Q8_0: q8_0_.resize(count<BlockQ8_0>(n_ctx, width / kQK)); break;
        }
    }

    size_t n_ctx() const { return n_ctx_; }
    size_t width() const { return width_; }
    KvCacheType type() const { return type_; }

    // Row `pos` = x[0, width), rounded as the type stores it.
    void store(size_t pos, const float* x) {
        switch (type_) {
            case KvCacheType::F32: std::copy(x, x + width_, f32_.data() + pos * width_); return;
            case KvCacheType::F16:
                for (size_t j = 0; j < width_; ++j) f16_[pos * width_ + j] = fp32_to_fp16(x[j]);
                return;
            case KvCacheType::Q8_0: quantize_q8_0(x, q8_0_.data() + pos * (width_ / kQK), width_); return;
        }
    }

    // Row `pos`, values [first, first + n), as floats (for tests).
    void load(size_t pos, size_t first, size_t n, float* out) const {
        for (size_t j = first; j < first + n; ++j) {
            const size_t at = pos * width_ + j;
            switch (type_) {
                case KvCacheType::F32: out[j - first] = f32_[at]; break;
                case KvCacheType::F16: out[j - first] = fp16_to_fp32(f16_[at]); break;
                case KvCacheType::Q8_0: out[j - first] = fp16_to_fp32(q8_0_[at / kQK].d) * float(q8_0_[at / kQK].qs[at % kQK]); break;
            }
        }
    }

    // Row `pos` whole, as floats (width of them): what store() kept, exactly.
    void load_row(size_t pos, float* out) const {
        switch (type_) {
            case KvCacheType::F32: std::copy(f32_.data() + pos * width_, f32_.data() + (pos + 1) * width_, out); return;
            case KvCacheType::F16: to_floats(f16_.data() + pos * width_, out, width_); return;
            case KvCacheType::Q8_0:
                for (size_t b = 0; b < width_ / kQK; ++b) {
                    const BlockQ8_0& block = q8_0_[pos * (width_ / kQK) + b];
                    const float d = fp16_to_fp32(block.d);
                    for (int k = 0; k < kQK; ++k) out[b * kQK + size_t(k)] = d * float(block.qs[k]);
                }
                return;
        }
    }

    // The bytes of rows, in the type's own layout (kv_cache_row_bytes each): moved as they are by a
    // context shift, saved and restored whole by a session.
    size_t row_bytes() const { return size_t(kv_cache_row_bytes(type_, width_)); }
    uint8_t* row_data(size_t pos) { return bytes() + pos * row_bytes(); }
    const uint8_t* row_data(size_t pos) const { return const_cast<KvCacheRows*>(this)->row_data(pos); }
    // Rows [from, from + n) to [to, to + n); the ranges may overlap.
    void move_rows(size_t from, size_t to, size_t n) { std::memmove(row_data(to), row_data(from), n * row_bytes()); }

    // Prepares the query head q[0, head_dim) for key_dot().
    void prepare(const float* q, size_t head_dim, KvQuery& query) const {
        switch (type_) {
            case KvCacheType::F32: query.floats = q; return;
            case KvCacheType::F16:
                query.values.resize(head_dim);
                for (size_t d = 0; d < head_dim; ++d) query.values[d] = fp16_to_fp32(fp32_to_fp16(q[d]));
                query.floats = query.values.data();
                return;
            case KvCacheType::Q8_0:
                query.blocks.resize(head_dim / kQK);
                quantize_q8_0(q, query.blocks.data(), head_dim);
                return;
        }
    }

    // dots[j] = queries[j] (prepared) · the key in row `pos`, values [first, first + head_dim), for
    // j < n: query heads that share the key meet it converted once (into `row`, head_dim floats).
    // Each dot is key_dot()'s.
    void key_dots(const KvQuery* queries, size_t n, size_t pos, size_t first, size_t head_dim, float* row, float* dots) const {
        if (type_ == KvCacheType::F16 && n > 1) {
            to_floats(f16_.data() + pos * width_ + first, row, head_dim);
            for (size_t j = 0; j < n; ++j) dots[j] = dot(queries[j].floats, row, head_dim);
            return;
        }
        for (size_t j = 0; j < n; ++j) dots[j] = key_dot(queries[j], pos, first, head_dim);
    }

    // accs[j · head_dim + d] += weights[j] · value d of row `pos` (from `first`), for j < n: the
    // value converted once (into `row`) for query heads that share it. Each sum is add_value()'s.
    void add_values(const float* weights, size_t n, size_t pos, size_t first, size_t head_dim, float* row, float* accs) const {
        if (type_ == KvCacheType::F32 || n == 1) {
            for (size_t j = 0; j < n; ++j) add_value(weights[j], pos, first, head_dim, accs + j * head_dim);
            return;
        }
        const size_t at = pos * width_ + first;
        if (type_ == KvCacheType::F16) {
            to_floats(f16_.data() + at, row, head_dim);
        } else {  // d·q: exact in float, as add_scaled_q8_0 makes each value
            for (size_t b = 0; b < head_dim / kQK; ++b) {
                const BlockQ8_0& block = q8_0_[at / kQK + b];
                const float d = fp16_to_fp32(block.d);
                for (int k = 0; k < kQK; ++k) row[b * kQK + size_t(k)] = d * float(block.qs[k]);
            }
        }
        for (size_t j = 0; j < n; ++j) add_scaled(weights[j], row, accs + j * head_dim, head_dim);
    }

    // The prepared query head · the key in row `pos`, values [first, first + head_dim).
    float key_dot(const KvQuery& query, size_t pos, size_t first, size_t head_dim) const {
        const size_t at = pos * width_ + first;
        switch (type_) {
            case KvCacheType::F32: return dot(query.floats, f32_.data() + at, head_dim);
            case KvCacheType::F16: return dot_half(query.floats, f16_.data() + at, head_dim);
            case KvCacheType::Q8_0: return dot_q8_0(q8_0_.data() + at / kQK, query.blocks.data(), head_dim / kQK);
        }
        return 0.0f;
    }

    // A softmax weight as it scales the values: rounded to half for F16 values (llama.cpp converts
    // the weights to F16 for their product with the F16 value matrix), as it is otherwise.
    float weight(float share) const { return type_ == KvCacheType::F16 ? fp16_to_fp32(fp32_to_fp16(share)) : share; }

    // acc[0, head_dim) += weight · the value in row `pos`, values [first, first + head_dim).
    void add_value(float weight, size_t pos, size_t first, size_t head_dim, float* acc) const {
        const size_t at = pos * width_ + first;
        switch (type_) {
            case KvCacheType::F32: add_scaled(weight, f32_.data() + at, acc, head_dim); return;
            case KvCacheType::F16: add_scaled_half(weight, f16_.data() + at, acc, head_dim); return;
            case KvCacheType::Q8_0: add_scaled_q8_0(weight, q8_0_.data() + at / kQK, acc, head_dim / kQK); return;
        }
    }

private:
    uint8_t* bytes() {
        switch (type_) {
            case KvCacheType::F32: return reinterpret_cast<uint8_t*>(f32_.data());
            case KvCacheType::F16: return reinterpret_cast<uint8_t*>(f16_.data());
            case KvCacheType::Q8_0: return reinterpret_cast<uint8_t*>(q8_0_.data());
        }
        return nullptr;
    }

    static void to_floats(const uint16_t* h, float* out, size_t n) {
        size_t i = 0;
        for (; i + 8 <= n; i += 8) {
            f32x4 low, high;
            load8_half(h + i, low, high);
            std::memcpy(out + i, &low, sizeof low);
            std::memcpy(out + i + 4, &high, sizeof high);
        }
        for (; i < n; ++i) out[i] = fp16_to_fp32(h[i]);
    }

    // rows × cols elements of T; a count whose bytes do not fit size_t (32 bits in wasm) is an
    // error, not a small buffer.
    template <typename T>
    static size_t count(size_t rows, size_t cols) {
        size_t n;
        if (__builtin_mul_overflow(rows, cols, &n) || n > std::vector<T>().max_size())
            throw Error(ErrorCode::OutOfMemory, "a KV cache of " + std::to_string(rows) + " x " + std::to_string(cols) + " " +
                                                    kv_cache_type_name_of<T>() + " does not fit in memory");
        return n;
    }
    template <typename T>
    static const char* kv_cache_type_name_of() {
        return sizeof(T) == 4 ? "floats" : sizeof(T) == 2 ? "halves" : "q8_0 blocks";
    }

    size_t n_ctx_, width_;
    KvCacheType type_;
    std::vector<float> f32_;        // F32
    std::vector<uint16_t> f16_;     // F16: half bits
    std::vector<BlockQ8_0> q8_0_;   // Q8_0: width / 32 blocks a row
};

}  // namespace chord::cpu
