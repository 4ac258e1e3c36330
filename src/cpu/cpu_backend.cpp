// The CPU backend: each operation a plain loop over rows, matching llama.cpp's numerics where
// they matter (8-bit activations in quantized products, the KV cache's rounding, double
// accumulation in RMSNorm). Quantized products and attention are split over the thread pool;
// quantized products run on the integer kernels of int_dot.hpp unless `reference` is set, or, in
// the WebAssembly build where the engine has relaxed SIMD, on those of relaxed/relaxed_kernels.cpp.
#include <cmath>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "activation_rounding.hpp"
#include "byte_activations.hpp"
#include "chord/cpu_backend.hpp"
#include "chord/quant.hpp"
#include "decode_simd128.hpp"
#include "float_vector.hpp"
#include "int_dot.hpp"
#include "kv_cache_rows.hpp"
#include "pointwise.hpp"
#include "relaxed_simd.hpp"
#include "rope_row.hpp"
#include "thread_pool.hpp"
#include "weight_unpack.hpp"

namespace chord {
namespace {

// rows × cols floats; a count whose bytes do not fit size_t (32 bits in wasm) is an error, not a
// small buffer. (Model's memory budget refuses such sizes first; this keeps other callers safe.)
size_t float_count(size_t rows, size_t cols) {
    size_t n;
    if (__builtin_mul_overflow(rows, cols, &n) || n > std::vector<float>().max_size())
        throw Error(ErrorCode::OutOfMemory, "a buffer of " + std::to_string(rows) + " x " + std::to_string(cols) +
                                                " floats does not fit in memory");
    return n;
}

struct Activations {
    size_t rows = 0, cols = 0;
    std::vector<float> data;  // [rows × cols]
    float* row(size_t i) { return data.data() + i * cols; }
    const float* row(size_t i) const { return data.data() + i * cols; }
};

// Keys and values in the cache's type (F16, Q8_0 or F32): kv_cache_rows.hpp.
using KvRows = cpu::KvCacheRows;

// Rows of the products handed to a thread at a time: enough to amortize the hand-out.
constexpr size_t kRowsPerChunk = 16;

bool relaxed_simd_available() {
#if defined(__EMSCRIPTEN__)
    return chord_relaxed_available() != 0;
#else
    return false;
#endif
}

unsigned resolve_threads(unsigned requested) {
    if (requested != 0) return requested;
    const unsigned hardware = std::thread::hardware_concurrency();
    return hardware == 0 ? 1 : hardware;
}

class CpuBackend final : public Backend {
public:
    explicit CpuBackend(const CpuOptions& options)
        : kernels_(options.kernels),
          pool_(kernels_ == CpuKernels::Reference ? 1 : resolve_threads(options.threads)),
          dot_row_(kernels_ == CpuKernels::Fast ? cpu::best_dot_row() : cpu::dot_row_scalar),
          relaxed_(kernels_ == CpuKernels::Fast && relaxed_simd_available()),
          weight_rows_(pool_.size()),
          attention_scratch_(pool_.size()) {}

    std::string name() const override { return "cpu"; }
    unsigned threads() const override { return unsigned(pool_.size()); }
    std::string kernels() const override {
        if (kernels_ != CpuKernels::Fast) return kernels_ == CpuKernels::Plain ? "plain" : "reference";
        if (relaxed_) return "relaxed-simd";
#if defined(__wasm_simd128__)
        return "simd128";
#else
        return dot_row_ == cpu::dot_row_scalar ? "plain" : "avx2";
#endif
    }

    BackendMemory memory() const override {
        BackendMemory m;
        for (size_t i = 0; i < weights_.size(); ++i) m.weights += weights_[i].size + vector_weights_[i].capacity() * sizeof(float);
        for (const KvRows& c : caches_) m.kv_cache += uint64_t(c.n_ctx()) * c.row_bytes();
        for (const Activations& a : activations_) m.activations += a.data.capacity() * sizeof(float);
        const auto floats = [](const auto& v) { return uint64_t(v.capacity()) * sizeof(v[0]); };
        m.scratch = floats(rounded_) + floats(row_);
        for (const AttentionScratch& s : attention_scratch_)
            m.scratch += floats(s.scores) + floats(s.acc) + floats(s.row) + floats(s.dots) + floats(s.weights) + floats(s.totals) +
                         floats(s.queries);
        return m;
    }

    BufferId upload_weight(const TensorView& tensor) override {
        weights_.push_back(tensor);  // zero-copy: matrices are computed on in place
        // Vectors (norm weights, biases) are small and used whole on every token: keep them as floats.
        vector_weights_.push_back(tensor.info->n_dims == 1 ? tensor.to_floats() : std::vector<float>());
        return encode(Kind::Weight, weights_.size() - 1);
    }

    BufferId create_activations(size_t rows, size_t cols) override {
        activations_.push_back({rows, cols, std::vector<float>(float_count(rows, cols))});
        return encode(Kind::Activations, activations_.size() - 1);
    }

    BufferId create_cache(size_t n_ctx, size_t width, KvCacheType type) override {
        caches_.emplace_back(n_ctx, width, type);
        return encode(Kind::Cache, caches_.size() - 1);
    }

    void read(BufferId id, size_t row, size_t n_rows, float* out) const override {
        const Activations& a = activations(id);
        check_rows(a, row + n_rows);
        std::copy(a.row(row), a.row(row) + n_rows * a.cols, out);
    }

    void write(BufferId id, size_t row, size_t n_rows, const float* in) override {
        Activations& a = activations(id);
        check_rows(a, row + n_rows);
        std::copy(in, in + n_rows * a.cols, a.row(row));
    }

    void embed(BufferId table_id, const int32_t* tokens, size_t n, BufferId out_id) override {
        const TensorView& table = weight(table_id);
        Activations& out = activations(out_id);
        check_rows(out, n);
        const size_t row_bytes = size_t(table.info->n_bytes / table.info->rows());
        for (size_t i = 0; i < n; ++i) {
            if (tokens[i] < 0 || uint64_t(tokens[i]) >= table.info->rows())
                throw Error(ErrorCode::InvalidArgument, "token id " + std::to_string(tokens[i]) + " is outside the embedding table");
            dequantize(table.info->type, table.data + size_t(tokens[i]) * row_bytes, out.row(i), out.cols);
        }
    }

    void rms_norm(BufferId x_id, BufferId weight_id, float eps, size_t n, BufferId out_id) override {
        const Activations& x = activations(x_id);
        Activations& out = activations(out_id);
        const std::vector<float>& w = vector_weight(weight_id, x.cols);
        pool_.parallel_for(n, 1, [&](size_t begin, size_t end, size_t) {
            for (size_t i = begin; i < end; ++i) {
                double sum = 0;  // ggml sums squares in double
                for (size_t j = 0; j < x.cols; ++j) sum += double(x.row(i)[j] * x.row(i)[j]);
                const float scale = 1.0f / std::sqrt(float(sum / double(x.cols)) + eps);
                for (size_t j = 0; j < x.cols; ++j) out.row(i)[j] = x.row(i)[j] * scale * w[j];
            }
        });
    }

    void matmul(BufferId weight_id, BufferId x_id, size_t n, BufferId out_id) override {
        const TensorView& w = weight(weight_id);
        const Activations& x = activations(x_id);
        Activations& out = activations(out_id);
        const size_t in_cols = size_t(w.info->shape[0]), out_cols = size_t(w.info->rows());
        if (x.cols != in_cols || out.cols != out_cols)
            throw Error(ErrorCode::InvalidArgument, "matmul of '" + std::string(w.info->name) + "' with mismatched shapes");
        check_rows(x, n);
        check_rows(out, n);
        if (kernels_ != CpuKernels::Reference && cpu::scale_block_of(w.info->type) != 0)
            integer_matmul(w, x, n, out);
        else
            reference_matmul(w, x, n, out);
    }

    void add_bias(BufferId x_id, BufferId bias_id, size_t n) override {
        Activations& x = activations(x_id);
        const std::vector<float>& b = vector_weight(bias_id, x.cols);
        for (size_t i = 0; i < n; ++i)
            for (size_t j = 0; j < x.cols; ++j) x.row(i)[j] += b[j];
    }

    void copy_rows(BufferId src_id, size_t first, size_t n, BufferId dst_id) override {
        const Activations& src = activations(src_id);
        Activations& dst = activations(dst_id);
        if (src.cols != dst.cols) throw Error(ErrorCode::InvalidArgument, "copy_rows between different widths");
        check_rows(src, first + n);
        check_rows(dst, n);
        std::copy(src.row(first), src.row(first) + n * src.cols, dst.row(0));
    }

    void copy_columns(BufferId src_id, size_t col, size_t n, BufferId dst_id) override {
        const Activations& src = activations(src_id);
        Activations& dst = activations(dst_id);
        if (col + dst.cols > src.cols) throw Error(ErrorCode::InvalidArgument, "column range out of bounds");
        for (size_t i = 0; i < n; ++i) std::copy(src.row(i) + col, src.row(i) + col + dst.cols, dst.row(i));
    }

    void rope(BufferId x_id, const RopeParams& p, const int32_t* positions, size_t n) override {
        Activations& x = activations(x_id);
        const size_t n_heads = x.cols / p.head_dim;
        const float* factors = rope_factors(p);
        for (size_t i = 0; i < n; ++i) cpu::rope_row(x.row(i), n_heads, p, factors, positions[i]);
    }

    void rms_norm_heads(BufferId x_id, BufferId weight_id, float eps, uint32_t head_dim, size_t n) override {
        Activations& x = activations(x_id);
        const std::vector<float>& w = vector_weight(weight_id, head_dim);
        if (head_dim == 0 || x.cols % head_dim != 0)
            throw Error(ErrorCode::InvalidArgument, "rms_norm_heads: rows are not a whole number of heads");
        for (size_t i = 0; i < n; ++i)
            for (size_t h = 0; h < x.cols / head_dim; ++h) {
                float* head = x.row(i) + h * head_dim;
                double sum = 0;
                for (size_t j = 0; j < head_dim; ++j) sum += double(head[j] * head[j]);
                const float scale = 1.0f / std::sqrt(float(sum / double(head_dim)) + eps);
                for (size_t j = 0; j < head_dim; ++j) head[j] = head[j] * scale * w[j];
            }
    }

    void attention(BufferId q_id, BufferId k_id, BufferId v_id, BufferId k_cache_id, BufferId v_cache_id,
                   const AttentionParams& p, const int32_t* positions, size_t n, BufferId out_id) override {
        const Activations& q = activations(q_id);
        const Activations& k = activations(k_id);
        const Activations& v = activations(v_id);
        KvRows& k_cache = cache(k_cache_id);
        KvRows& v_cache = cache(v_cache_id);
        Activations& out = activations(out_id);
        const size_t kv_width = size_t(p.n_head_kv) * p.head_dim;
        if (k_cache.width() != kv_width || v_cache.width() != kv_width || k.cols != kv_width || v.cols != kv_width)
            throw Error(ErrorCode::InvalidArgument, "attention: the keys, values and caches are not n_head_kv x head_dim wide");
        for (size_t i = 0; i < n; ++i) {
            if (positions[i] < 0 || size_t(positions[i]) >= k_cache.n_ctx() || size_t(positions[i]) >= v_cache.n_ctx())
                throw Error(ErrorCode::InvalidArgument, "position " + std::to_string(positions[i]) + " is outside the cache");
            k_cache.store(size_t(positions[i]), k.row(i));
            v_cache.store(size_t(positions[i]), v.row(i));
        }
        // One item per token and run of query heads that share a key/value head (the cached rows
        // are read, and converted, once for the run): independent, so they split over the
        // threads. Runs are whole groups unless that leaves threads idle.
        const size_t group = p.n_head / p.n_head_kv;
        size_t runs = 1;  // per group
        while (runs < group && n * p.n_head_kv * runs < 2 * pool_.size()) {
            do ++runs;
            while (group % runs != 0);
        }
        const size_t run = group / runs, items_per_token = size_t(p.n_head) / run;
        pool_.parallel_for(n * items_per_token, 1, [&](size_t begin, size_t end, size_t thread) {
            for (size_t item = begin; item < end; ++item) {
                const size_t i = item / items_per_token;
                attend(q, k_cache, v_cache, p, i, (item % items_per_token) * run, run, size_t(positions[i]) + 1,
                       attention_scratch_[thread], out);
            }
        });
    }

    void swiglu(BufferId gate_id, BufferId up_id, size_t n) override {
        Activations& gate = activations(gate_id);
        const Activations& up = activations(up_id);
        pool_.parallel_for(n, 1, [&](size_t begin, size_t end, size_t) {
            for (size_t i = begin; i < end; ++i)
                for (size_t j = 0; j < gate.cols; ++j) {
                    const float g = gate.row(i)[j];
                    gate.row(i)[j] = g / (1.0f + std::exp(-g)) * up.row(i)[j];
                }
        });
    }

    void geglu(BufferId gate_id, BufferId up_id, size_t n) override {
        Activations& gate = activations(gate_id);
        const Activations& up = activations(up_id);
        pool_.parallel_for(n, 1, [&](size_t begin, size_t end, size_t) {
            for (size_t i = begin; i < end; ++i)
                for (size_t j = 0; j < gate.cols; ++j) gate.row(i)[j] = cpu::gelu_as_ggml(gate.row(i)[j]) * up.row(i)[j];
        });
    }

    void add(BufferId x_id, BufferId y_id, size_t n) override {
        Activations& x = activations(x_id);
        const Activations& y = activations(y_id);
        for (size_t i = 0; i < n; ++i)
            for (size_t j = 0; j < x.cols; ++j) x.row(i)[j] += y.row(i)[j];
    }

    void scale(BufferId x_id, float factor, size_t n) override {
        Activations& x = activations(x_id);
        check_rows(x, n);
        for (size_t i = 0; i < n * x.cols; ++i) x.data[i] *= factor;
    }

    void soft_cap(BufferId x_id, float cap, size_t n) override {
        Activations& x = activations(x_id);
        check_rows(x, n);
        for (size_t i = 0; i < n * x.cols; ++i) x.data[i] = cpu::soft_capped(x.data[i], cap);
    }

    void shift_cache(BufferId k_cache_id, BufferId v_cache_id, const RopeParams& rope, size_t n_used, size_t first,
                     size_t count) override {
        KvRows& k_cache = cache(k_cache_id);
        KvRows& v_cache = cache(v_cache_id);
        check_shift_cache(k_cache.n_ctx(), k_cache.width(), v_cache.n_ctx(), v_cache.width(), rope, n_used, first, count);
        const size_t moved = n_used - first - count;
        k_cache.move_rows(first + count, first, moved);
        v_cache.move_rows(first + count, first, moved);
        // Every key in use turns through its change of position: dequantized, turned, stored again
        // (as llama.cpp's K-shift casts a quantized cache to float and back).
        const float* factors = rope_factors(rope);
        const size_t n_heads = k_cache.width() / rope.head_dim;
        pool_.parallel_for(n_used - count, 16, [&](size_t begin, size_t end, size_t) {
            std::vector<float> row(k_cache.width());
            for (size_t pos = begin; pos < end; ++pos) {
                k_cache.load_row(pos, row.data());
                cpu::rope_row(row.data(), n_heads, rope, factors, pos < first ? 0 : -int32_t(count));
                k_cache.store(pos, row.data());
            }
        });
    }

    void read_cache_rows(BufferId id, size_t first, size_t n, uint8_t* out) const override {
        const KvRows& c = cache(id);
        check_cache_rows(c.n_ctx(), first, n);
        std::memcpy(out, c.row_data(first), n * c.row_bytes());
    }

    void write_cache_rows(BufferId id, size_t first, size_t n, const uint8_t* in) override {
        KvRows& c = cache(id);
        check_cache_rows(c.n_ctx(), first, n);
        std::memcpy(c.row_data(first), in, n * c.row_bytes());
    }

private:
    struct WeightRows {
        cpu::IntWeightRow first, second;
    };
    struct AttentionScratch {
        std::vector<float> scores, acc, row, dots, weights;
        std::vector<double> totals;
        std::vector<cpu::KvQuery> queries;
    };

    // out[i] for the `count` query heads from h0 (all of one key/value head): each head's softmax
    // over the first n_past cached keys (the last `window` of them with a sliding window), then
    // its weighted values. Each head's arithmetic is its own, in the same order whatever `count`.
    static void attend(const Activations& q, const KvRows& k_cache, const KvRows& v_cache, const AttentionParams& p, size_t i,
                       size_t h0, size_t count, size_t n_past, AttentionScratch& scratch, Activations& out) {
        const size_t head_dim = p.head_dim;
        const size_t offset = h0 / (p.n_head / p.n_head_kv) * head_dim;  // of the key/value head in a cached row
        scratch.scores.resize(std::max(scratch.scores.size(), count * n_past));
        scratch.acc.assign(count * head_dim, 0.0f);
        scratch.row.resize(head_dim);
        scratch.dots.resize(count);
        scratch.weights.resize(count);
        scratch.totals.assign(count, 0.0);
        if (scratch.queries.size() < count) scratch.queries.resize(count);
        float* scores = scratch.scores.data();  // [count × n_past]
        // The queries meet the keys rounded as their type asks (kv_cache.hpp), as in ggml.
        for (size_t j = 0; j < count; ++j) k_cache.prepare(q.row(i) + (h0 + j) * head_dim, head_dim, scratch.queries[j]);
        // A sliding window hides the keys more than `window` positions back (their weight is 0).
        const size_t first = p.window != 0 && n_past > p.window ? n_past - p.window : 0;
        for (size_t t = first; t < n_past; ++t) {
            k_cache.key_dots(scratch.queries.data(), count, t, offset, head_dim, scratch.row.data(), scratch.dots.data());
            for (size_t j = 0; j < count; ++j) {
                float s = scratch.dots[j] * p.scale;
                if (p.softcap != 0.0f) s = cpu::soft_capped(s, p.softcap);
                scores[j * n_past + t] = s;
            }
        }
        for (size_t j = 0; j < count; ++j) {
            float* s = scores + j * n_past;
            const float max_score = *std::max_element(s + first, s + n_past);
            double total = 0;
            for (size_t t = first; t < n_past; ++t) {
                s[t] = std::exp(s[t] - max_score);
                total += s[t];
            }
            scratch.totals[j] = total;
        }
        for (size_t t = first; t < n_past; ++t) {
            for (size_t j = 0; j < count; ++j) scratch.weights[j] = v_cache.weight(float(scores[j * n_past + t] / scratch.totals[j]));
            v_cache.add_values(scratch.weights.data(), count, t, offset, head_dim, scratch.row.data(), scratch.acc.data());
        }
        for (size_t j = 0; j < count; ++j)
            std::copy(scratch.acc.data() + j * head_dim, scratch.acc.data() + (j + 1) * head_dim, out.row(i) + (h0 + j) * head_dim);
    }

    // Activations quantized once, then each thread unpacks its weight rows and multiplies each
    // with every activation row.
    void integer_matmul(const TensorView& w, const Activations& x, size_t n, Activations& out) {
        const size_t in_cols = x.cols, out_cols = out.cols;
        const GgmlType type = w.info->type;
        int_x_.prepare(n, in_cols, cpu::scale_block_of(type));
        pool_.parallel_for(n, 1, [&](size_t begin, size_t end, size_t) { int_x_.quantize_rows(x.data.data(), begin, end); });
#if defined(__EMSCRIPTEN__)
        // Decoding (and up to three tokens): prefill is faster on the tiles below, which unpack
        // each weight row once for all tokens.
        if (relaxed_ && n < cpu::kTile && cpu::relaxed::has_kernel(type)) return relaxed_matmul(w, n, out);
#endif
        const bool mins = cpu::has_mins(type);
        const size_t row_bytes = size_t(w.info->n_bytes) / out_cols;
        pool_.parallel_for(out_cols, kRowsPerChunk, [&](size_t begin, size_t end, size_t thread) {
            WeightRows& rows = weight_rows_[thread];
            if (rows.first.w.size() < in_cols) {  // once per thread and width: no allocation when decoding
                rows.first.reserve(in_cols);
                rows.second.reserve(in_cols);
            }
            size_t r = begin;
#if defined(__wasm_simd128__)
            const bool fast = kernels_ == CpuKernels::Fast;
            if (fast && n == 1 && cpu::decode_simd128::has_kernel(type)) {  // decoding: straight from the blocks
                for (; r < end; ++r) cpu::decode_simd128::decode_row(type, w.data + r * row_bytes, int_x_, out.data.data() + r);
                return;
            }
            // Two rows at a time: each activation vector loaded serves both.
            for (; fast && r + 2 <= end && n >= cpu::kTile; r += 2) {
                cpu::unpack_weight_row(type, w.data + r * row_bytes, in_cols, rows.first);
                cpu::unpack_weight_row(type, w.data + (r + 1) * row_bytes, in_cols, rows.second);
                cpu::dot_2rows_simd128(rows.first, rows.second, mins, int_x_, out.data.data() + r, out_cols);
            }
#endif
            for (; r < end; ++r) {
                cpu::unpack_weight_row(type, w.data + r * row_bytes, in_cols, rows.first);
                dot_row_(rows.first, mins, int_x_, out.data.data() + r, out_cols);
            }
        });
    }

#if defined(__EMSCRIPTEN__)
    // The product on the relaxed-SIMD kernels, which take the activations quantized in int_x_ as
    // bytes in row order, and a chunk of weight rows per call (each call goes through JS into the
    // other module: chunks of some eight per thread).
    void relaxed_matmul(const TensorView& w, size_t n, Activations& out) {
        byte_x_.prepare(int_x_);
        byte_x_.copy_rows(int_x_, 0, n);
        const size_t out_cols = out.cols, row_bytes = size_t(w.info->n_bytes) / out_cols;
        const size_t grain = std::max(kRowsPerChunk, out_cols / (pool_.size() * 8));
        pool_.parallel_for(out_cols, grain, [&](size_t begin, size_t end, size_t) {
            chord_relaxed_rows(uint32_t(w.info->type), w.data + begin * row_bytes, uint32_t(row_bytes), uint32_t(end - begin),
                               uint32_t(int_x_.cols), byte_x_.x.data(), byte_x_.scale.data(), byte_x_.sum.data(),
                               uint32_t(n), out.data.data() + begin, uint32_t(out_cols));
        });
    }
#endif

    // One weight row at a time, dequantized into a row buffer (never the whole matrix), against
    // activations rounded as llama.cpp's dot product for this weight type rounds them.
    void reference_matmul(const TensorView& w, const Activations& x, size_t n, Activations& out) {
        const size_t in_cols = x.cols, out_cols = out.cols;
        rounded_.assign(x.data.begin(), x.data.begin() + std::ptrdiff_t(n * in_cols));
        for (size_t i = 0; i < n; ++i) cpu::round_activations_for(w.info->type, rounded_.data() + i * in_cols, in_cols);
        row_.resize(in_cols);
        const size_t row_bytes = size_t(w.info->n_bytes) / out_cols;
        for (size_t r = 0; r < out_cols; ++r) {
            dequantize(w.info->type, w.data + r * row_bytes, row_.data(), in_cols);
            for (size_t i = 0; i < n; ++i) {
                const float* xi = rounded_.data() + i * in_cols;
                // In double: the reference stays closer to the exact sum than any kernel it checks
                // (a float sum of 512 products drifts enough to flip later 8-bit roundings).
                double sum = 0.0;
                for (size_t j = 0; j < in_cols; ++j) sum += double(row_[j]) * double(xi[j]);
                out.row(i)[r] = float(sum);
            }
        }
    }

    // Ids carry their kind in the top bits, so that a wrong kind is caught, not misread.
    enum class Kind : uint32_t { Weight = 1, Activations = 2, Cache = 3 };
    static BufferId encode(Kind kind, size_t index) { return BufferId(uint32_t(kind) << 28 | uint32_t(index)); }
    static size_t index_of(BufferId id, Kind kind, size_t count) {
        const size_t index = id & 0x0FFFFFFFu;
        if ((id >> 28) != uint32_t(kind) || index >= count)
            throw Error(ErrorCode::InvalidArgument, "invalid buffer id " + std::to_string(id));
        return index;
    }
    const TensorView& weight(BufferId id) const { return weights_[index_of(id, Kind::Weight, weights_.size())]; }
    const std::vector<float>& vector_weight(BufferId id, size_t width) const {
        const std::vector<float>& v = vector_weights_[index_of(id, Kind::Weight, weights_.size())];
        if (v.size() != width) throw Error(ErrorCode::InvalidArgument, "a vector weight of the wrong width");
        return v;
    }
    Activations& activations(BufferId id) { return activations_[index_of(id, Kind::Activations, activations_.size())]; }
    const Activations& activations(BufferId id) const {
        return activations_[index_of(id, Kind::Activations, activations_.size())];
    }
    KvRows& cache(BufferId id) { return caches_[index_of(id, Kind::Cache, caches_.size())]; }
    const KvRows& cache(BufferId id) const { return caches_[index_of(id, Kind::Cache, caches_.size())]; }
    static void check_rows(const Activations& a, size_t rows) {
        if (rows > a.rows) throw Error(ErrorCode::InvalidArgument, "more rows than the buffer holds");
    }
    // RoPE's frequency factors (n_rot/2 floats), or none.
    const float* rope_factors(const RopeParams& p) const {
        return p.freq_factors == kNoBuffer ? nullptr : vector_weight(p.freq_factors, p.n_rot / 2).data();
    }

    std::vector<TensorView> weights_;
    std::vector<std::vector<float>> vector_weights_;  // float copies of the 1-D weights
    std::vector<Activations> activations_;
    std::vector<KvRows> caches_;
    const CpuKernels kernels_;
    cpu::ThreadPool pool_;
    const cpu::DotRowFn dot_row_;
    const bool relaxed_;                           // the relaxed-SIMD kernels compute what they can
    cpu::IntActivations int_x_;                    // the activations of the current product
    cpu::ByteActivations byte_x_;                  // the same as bytes, for the relaxed-SIMD kernels
    std::vector<WeightRows> weight_rows_;          // per thread: the weight rows being multiplied
    std::vector<AttentionScratch> attention_scratch_;  // per thread
    std::vector<float> rounded_, row_;             // scratch of the reference product
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(const CpuOptions& options) { return std::make_unique<CpuBackend>(options); }

}  // namespace chord
