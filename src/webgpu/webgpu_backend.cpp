// The WebGPU backend: each Backend operation records one or a few WGSL dispatches (shaders/)
// through webgpu_library.js. Buffers live on the GPU; reading back is asynchronous (begin_read(),
// then read() once JS has awaited it), except in the asyncified test build, whose read() waits.
// A decoding step (one token) runs as a plan of fused dispatches (decode_plan.hpp), recorded on
// the first step and replayed on the others.
#include "chord/webgpu_backend.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "../cpu/pointwise.hpp"
#include "chord/quant.hpp"
#include "decode_plan.hpp"
#include "gpu_context.hpp"
#include "gpu_device.hpp"
#include "wgsl_sources.hpp"

namespace chord {
namespace {

using webgpu::Buffer;
using webgpu::Grid;
using webgpu::Kind;
using webgpu::grid_for;
using webgpu::kGroupSize;
using webgpu::rounding_mode;

constexpr uint32_t kMatmulTile = 8;      // tokens per matmul workgroup (matmul.wgsl)
constexpr uint32_t kMatmulRows = 8;      // weight rows per matmul and matvec workgroup
constexpr uint32_t kTiledMatmulRows = 64, kTiledMatmulTokens = 64;  // a matmul_tiled workgroup's tile
constexpr size_t kFillingWorkgroups = 512;  // matmul_tiled workgroups that keep a large GPU busy
constexpr uint32_t kMaxSlices = 4;
constexpr double kScoresBytes = 64 << 20;  // attention's scratch for a prompt's scores, at most (one chunk)
constexpr uint32_t kAttentionTile = 16;     // attention_tiled.wgsl's TQ and TK

// The weight types the kernels read as they are; the others are converted to F32 at upload.
bool gpu_native(GgmlType type) {
    return type == GgmlType::F32 || type == GgmlType::F16 || type == GgmlType::Q4_0 || type == GgmlType::Q8_0 ||
           type == GgmlType::Q4_K || type == GgmlType::Q6_K;
}

// Whether a weight goes to the GPU as stored (else as floats: vectors, and the types the kernels
// do not read).
bool stored_as_is(const TensorInfo& info) {
    return gpu_native(info.type) && info.n_dims > 1 &&
           !(info.type == GgmlType::F16 && info.shape[0] % 2 != 0);  // F16 rows are read as pairs
}

// Bytes of one row of a weight as it is stored on the GPU.
double stored_row_bytes(const TensorInfo& info) {
    if (!stored_as_is(info)) return double(info.shape[0]) * 4;
    const TypeTraits& traits = type_traits(info.type);
    return double(info.shape[0] / traits.block_elements * traits.block_bytes);
}

// Rows in each part of a weight on this device (GpuContext's Buffer::parts): all of them where
// the device binds the whole weight; else as many as it binds, in multiples of 64 rows (a tile of
// matmul_tiled.wgsl) or of 4 (so that every part starts on a whole word). 0: not even 4 rows fit,
// or a vector (one row) does not.
size_t rows_per_part(const TensorInfo& info) {
    const double limit = chord_gpu_max_binding(), row_bytes = stored_row_bytes(info);
    const size_t rows = size_t(info.rows());
    if (double(rows) * row_bytes <= limit) return std::max<size_t>(rows, 1);
    if (info.n_dims == 1) return 0;
    const size_t fit = size_t(std::min(limit / row_bytes, double(rows)));
    return fit >= 64 ? fit / 64 * 64 : fit / 4 * 4;
}

// Why the weight cannot be bound on this device, even in parts, or "".
std::string binding_misfit(const TensorInfo& info) {
    if (rows_per_part(info) != 0) return "";
    const double bytes = info.n_dims == 1 ? stored_row_bytes(info) : stored_row_bytes(info) * 4;
    return "tensor '" + std::string(info.name) + "' takes " + std::to_string(uint64_t(bytes)) + " bytes " +
           (info.n_dims == 1 ? "" : "in 4 rows ") + "(the least a part of it can hold), more than this GPU binds at once (" +
           std::to_string(uint64_t(chord_gpu_max_binding())) + ")";
}

class WebGpuBackend final : public Backend, private webgpu::GpuContext {
public:
    WebGpuBackend(bool asynchronous_reads, bool plan_decoding)
        : asynchronous_reads_(asynchronous_reads), plan_decoding_(plan_decoding) {
        if (!chord_gpu_ready()) throw Error(ErrorCode::Unsupported, "no WebGPU device");
    }
    ~WebGpuBackend() override {
        for (auto& [id, plan] : plans_)
            for (uint32_t b : plan.step.owned) chord_gpu_release(b);
        for (const Buffer& b : buffers_) {
            if (b.gpu) chord_gpu_release(b.gpu);
            if (b.split())
                for (const webgpu::WeightPart& part : b.parts) chord_gpu_release(part.gpu);
        }
        if (placeholder_) chord_gpu_release(placeholder_);
        for (const Scratch* s : {&rounded_, &scores_, &ints_, &positions_, &angle_buffer_, &in_place_, &slices_, &cache_rows_})
            if (s->gpu) chord_gpu_release(s->gpu);
    }

    std::string name() const override { return "webgpu"; }
    std::string kernels() const override { return "wgsl"; }
    uint32_t preferred_batch_size() const override { return 256; }  // 4 tiles of matmul_tiled.wgsl's 64 tokens

    BackendMemory memory() const override {
        BackendMemory m;
        for (const Buffer& b : buffers_) {
            uint64_t& total = b.kind == Kind::Weight ? m.weights : b.kind == Kind::Cache ? m.kv_cache : m.activations;
            total += uint64_t(b.bytes);
        }
        for (const Scratch* s : {&rounded_, &scores_, &ints_, &positions_, &angle_buffer_, &in_place_, &slices_, &cache_rows_})
            m.scratch += s->bytes;
        for (const auto& [id, plan] : plans_) m.scratch += uint64_t(plan.step.owned_bytes);
        if (placeholder_) m.scratch += 16;
        return m;
    }
    uint64_t stored_weight_bytes(const TensorInfo& info) const override {
        return stored_as_is(info) ? info.n_bytes : info.n_elements * 4;
    }

    BufferId upload_weight(const TensorView& tensor) override {
        const BufferId id = create_weight(*tensor.info);
        fill_weight(id, 0, tensor.info->rows(), tensor.data);
        return id;
    }

    // Stored as in the file, or as floats (vectors, and the types the kernels do not read), in parts
    // of whole rows where the device does not bind it whole; vector weights are kept here too, as
    // floats, once they arrive (they come whole: one row).
    BufferId create_weight(const TensorInfo& info) override {
        const size_t per_part = rows_per_part(info);
        if (per_part == 0) throw Error(ErrorCode::Unsupported, binding_misfit(info));
        Buffer b;
        b.cols = size_t(info.shape[0]);
        b.rows = size_t(info.rows());
        b.file_type = info.type;
        b.type = stored_as_is(info) ? info.type : GgmlType::F32;
        b.bytes = double(stored_weight_bytes(info));
        for (size_t first = 0; first == 0 || first < b.rows; first += per_part) {
            const size_t rows = std::min(per_part, b.rows - first);
            b.parts.push_back({chord_gpu_buffer(double(rows) * stored_row_bytes(info)), first, rows});
        }
        b.gpu = b.split() ? 0 : b.parts[0].gpu;
        const BufferId id = register_buffer(Kind::Weight, b);
        if (info.n_dims == 1) host_vectors_[id];  // filled by fill_weight(): RoPE factors are read here, on the CPU
        return id;
    }

    void fill_weight(BufferId id, uint64_t first_row, uint64_t n_rows, const uint8_t* rows) override {
        const Buffer& b = get(id, Kind::Weight);
        if (first_row > b.rows || n_rows > b.rows - first_row)
            throw Error(ErrorCode::InvalidArgument, "fill_weight: rows " + std::to_string(first_row) + " + " + std::to_string(n_rows) +
                                                        " are outside the weight's " + std::to_string(b.rows));
        const TypeTraits& traits = type_traits(b.file_type);
        const uint64_t row_bytes = b.cols / traits.block_elements * traits.block_bytes;
        const auto vector = host_vectors_.find(id);
        const bool as_stored = b.type == b.file_type && vector == host_vectors_.end();
        if (as_stored && first_row * row_bytes % 4 != 0)
            throw Error(ErrorCode::InvalidArgument, "fill_weight: a piece off a 4-byte boundary");
        std::vector<float> values;
        if (!as_stored) {
            values.resize(size_t(n_rows * b.cols));
            dequantize(b.file_type, rows, values.data(), values.size());
        }
        const auto* bytes = as_stored ? rows : reinterpret_cast<const uint8_t*>(values.data());
        const uint64_t gpu_row_bytes = as_stored ? row_bytes : b.cols * 4;
        for (const webgpu::WeightPart& part : b.parts) {  // the piece's rows in each part they fall in
            const uint64_t begin = std::max<uint64_t>(first_row, part.first_row);
            const uint64_t end = std::min<uint64_t>(first_row + n_rows, part.first_row + part.rows);
            if (begin >= end) continue;
            chord_gpu_write(part.gpu, double((begin - part.first_row) * gpu_row_bytes), bytes + (begin - first_row) * gpu_row_bytes,
                            double((end - begin) * gpu_row_bytes));
        }
        if (vector != host_vectors_.end()) vector->second = std::move(values);  // one row: the whole vector
    }

    BufferId create_activations(size_t rows, size_t cols) override { return float_buffer(Kind::Activations, rows, cols); }
    // In the cache's type, laid out as kv_cache.wgsl says: as many bytes as on the CPU.
    BufferId create_cache(size_t n_ctx, size_t width, KvCacheType type) override {
        check_kv_cache_type(type, kQK);  // a known type
        if (type == KvCacheType::Q8_0 && width % kQK != 0)
            throw Error(ErrorCode::InvalidArgument, "a q8_0 cache row must be a multiple of 32 values, not " + std::to_string(width));
        if (type == KvCacheType::F16 && width % 2 != 0)
            throw Error(ErrorCode::Unsupported, "an f16 KV cache of odd width on WebGPU (values are read in pairs)");
        const double bytes = cache_bytes(n_ctx, width, type);
        if (bytes > chord_gpu_max_binding())
            throw Error(ErrorCode::OutOfMemory, "a KV cache of " + std::to_string(n_ctx) + " positions takes " +
                                                    std::to_string(uint64_t(bytes)) + " bytes a layer, more than this GPU binds at once (" +
                                                    std::to_string(uint64_t(chord_gpu_max_binding())) + " bytes): ask for a smaller context");
        Buffer b;
        b.rows = n_ctx;
        b.cols = width;
        b.cache_type = type;
        b.bytes = bytes;
        b.gpu = chord_gpu_buffer(bytes);
        return register_buffer(Kind::Cache, b);
    }

    bool reads_asynchronously() const override { return asynchronous_reads_; }
    bool buffers_in_host_memory() const override { return false; }

    void begin_read(BufferId id, size_t row, size_t n_rows) override {
        const Buffer& a = get(id, Kind::Activations);
        check_rows(a, row + n_rows);
        chord_gpu_begin_read(a.gpu, double(row * a.cols * 4), double(n_rows * a.cols * 4));
    }

    void read(BufferId id, size_t row, size_t n_rows, float* out) const override {
        const Buffer& a = get(id, Kind::Activations);
        check_rows(a, row + n_rows);
        const double offset = double(row * a.cols * 4), bytes = double(n_rows * a.cols * 4);
        if (asynchronous_reads_ && !chord_gpu_read_ready(a.gpu, offset, bytes))
            throw Error(ErrorCode::InvalidArgument, "a WebGPU read was not begun and awaited before read()");
        chord_gpu_read(a.gpu, offset, out, bytes);
    }

    void write(BufferId id, size_t row, size_t n_rows, const float* in) override {
        const Buffer& a = get(id, Kind::Activations);
        check_rows(a, row + n_rows);
        rounded_from_ = {};
        chord_gpu_write(a.gpu, double(row * a.cols * 4), in, double(n_rows * a.cols * 4));
    }

    void embed(BufferId table_id, const int32_t* tokens, size_t n, BufferId out_id) override {
        const Buffer& table = get(table_id, Kind::Weight);
        const Buffer& out = get(out_id, Kind::Activations);
        check_rows(out, n);
        for (size_t i = 0; i < n; ++i)
            if (tokens[i] < 0 || size_t(tokens[i]) >= table.rows)
                throw Error(ErrorCode::InvalidArgument, "token id " + std::to_string(tokens[i]) + " is outside the embedding table");
        const uint32_t ids = small_data(tokens, n * 4, ints_);
        for (const webgpu::WeightPart& part : table.parts) {  // each writes the rows of its tokens
            const uint32_t params[4] = {uint32_t(table.cols), uint32_t(part.first_row), uint32_t(part.rows), 0};
            dispatch(weight_pipeline("embed", {wgsl::embed}, table), {part.gpu, ids, out.gpu}, params, uint32_t(n), 1);
        }
    }

    void rms_norm(BufferId x_id, BufferId weight_id, float eps, size_t n, BufferId out_id) override {
        const Buffer& x = get(x_id, Kind::Activations);
        const Buffer& w = get(weight_id, Kind::Weight);
        const Buffer& out = get(out_id, Kind::Activations);
        check_vector(w, x.cols);
        check_rows(x, n);
        uint32_t source = x.gpu;
        if (x_id == out_id) {  // in place: a buffer cannot be bound for reading and writing at once
            source = scratch(in_place_, n * x.cols * 4);
            chord_gpu_copy(x.gpu, 0, source, 0, double(n * x.cols * 4));
        }
        struct { uint32_t cols; float eps; uint32_t pad[2]; } params{uint32_t(x.cols), eps, {}};
        dispatch(pipeline("rms_norm", {wgsl::numerics, wgsl::rms, wgsl::rms_norm}), {source, w.gpu, out.gpu}, params, uint32_t(n), 1);
    }

    void matmul(BufferId weight_id, BufferId x_id, size_t n, BufferId out_id) override {
        const Buffer& w = get(weight_id, Kind::Weight);
        const Buffer& x = get(x_id, Kind::Activations);
        const Buffer& out = get(out_id, Kind::Activations);
        if (x.cols != w.cols || out.cols != w.rows)
            throw Error(ErrorCode::InvalidArgument, "matmul with mismatched shapes");
        check_rows(x, n);
        check_rows(out, n);
        const uint32_t rounded = rounded_activations(x, n, rounding_mode(w.file_type));
        const uint32_t out_rows = uint32_t(w.rows);
        // Each part of the weight (one unless it is larger than a binding) writes its rows' columns of out.
        if (n == 1 && w.cols % 32 == 0) {  // decoding: matvec.wgsl
            for (const webgpu::WeightPart& part : w.parts) {
                const Grid rows = grid_for(part.rows, kMatmulRows);
                const uint32_t params[4] = {uint32_t(part.rows), uint32_t(w.cols), rows.x, uint32_t(part.first_row)};
                dispatch(weight_pipeline("matvec", {wgsl::numerics, wgsl::weight_dots, wgsl::matvec}, w), {part.gpu, rounded, out.gpu},
                         params, rows.x, rows.y);
            }
        } else if (w.cols % 32 == 0 && !wide_sums(w)) {  // a prompt: matmul_tiled.wgsl
            const uint32_t token_tiles = uint32_t((n + kTiledMatmulTokens - 1) / kTiledMatmulTokens);
            const Grid all_tiles = grid_for(w.rows, kTiledMatmulRows);
            const uint32_t slices = matmul_slices(size_t(all_tiles.x) * all_tiles.y * token_tiles, w.cols);
            const uint32_t sums = slices > 1 ? scratch(slices_, n * w.rows * slices * 4) : out.gpu;
            for (const webgpu::WeightPart& part : w.parts) {
                const Grid tiles = grid_for(part.rows, kTiledMatmulRows);
                const uint32_t params[8] = {uint32_t(part.rows), uint32_t(w.cols), uint32_t(n), tiles.x, slices, out_rows,
                                            uint32_t(part.first_row), 0};
                dispatch(weight_pipeline("matmul_tiled", {wgsl::matmul_tiled}, w), {part.gpu, rounded, sums}, params, tiles.x, tiles.y,
                         token_tiles * slices);
            }
            if (slices > 1) {
                const Grid grid = grid_for(n * w.rows, kGroupSize);
                const uint32_t sum_params[4] = {uint32_t(n * w.rows), slices, grid.x, 0};
                dispatch(pipeline("sum_slices", {wgsl::sum_slices}), {sums, out.gpu}, sum_params, grid.x, grid.y);
            }
        } else {  // float rows with a partial run, and BF16's exact sums: matmul.wgsl
            for (const webgpu::WeightPart& part : w.parts) {
                const Grid rows = grid_for(part.rows, kMatmulRows);
                const uint32_t params[8] = {uint32_t(part.rows), uint32_t(w.cols), uint32_t(n), rows.x, out_rows,
                                            uint32_t(part.first_row), 0, 0};
                dispatch(weight_pipeline("matmul", {wgsl::numerics, wgsl::matmul}, w), {part.gpu, rounded, out.gpu}, params, rows.x,
                         rows.y, uint32_t((n + kMatmulTile - 1) / kMatmulTile));
            }
        }
        rounded_from_ = {x.gpu, rounded, uint32_t(n * x.cols), rounding_mode(w.file_type)};  // after dispatch() cleared it
    }

    void add_bias(BufferId x_id, BufferId bias_id, size_t n) override {
        const Buffer& x = get(x_id, Kind::Activations);
        const Buffer& bias = get(bias_id, Kind::Weight);
        check_vector(bias, x.cols);
        elementwise(x, bias.gpu, n, 1);
    }

    void copy_rows(BufferId src_id, size_t first, size_t n, BufferId dst_id) override {
        const Buffer& src = get(src_id, Kind::Activations);
        const Buffer& dst = get(dst_id, Kind::Activations);
        if (src.cols != dst.cols) throw Error(ErrorCode::InvalidArgument, "copy_rows between different widths");
        check_rows(src, first + n);
        check_rows(dst, n);
        rounded_from_ = {};
        if (n) chord_gpu_copy(src.gpu, double(first * src.cols * 4), dst.gpu, 0, double(n * src.cols * 4));
    }

    void copy_columns(BufferId src_id, size_t col, size_t n, BufferId dst_id) override {
        const Buffer& src = get(src_id, Kind::Activations);
        const Buffer& dst = get(dst_id, Kind::Activations);
        if (col + dst.cols > src.cols) throw Error(ErrorCode::InvalidArgument, "column range out of bounds");
        check_rows(src, n);
        check_rows(dst, n);
        rounded_from_ = {};
        for (size_t i = 0; i < n; ++i)
            chord_gpu_copy(src.gpu, double((i * src.cols + col) * 4), dst.gpu, double(i * dst.cols * 4), double(dst.cols * 4));
    }

    void rope(BufferId x_id, const RopeParams& p, const int32_t* positions, size_t n) override {
        const Buffer& x = get(x_id, Kind::Activations);
        check_rows(x, n);
        const size_t pairs = p.n_rot / 2;
        rope_angles(p, positions, n);
        const uint32_t table = small_data(angles_.data(), angles_.size() * 4, angle_buffer_);
        const uint32_t params[8] = {uint32_t(n), uint32_t(x.cols), p.head_dim, p.n_rot, p.neox ? 1u : 0u, 0, 0, 0};
        const Grid grid = grid_for(n * (x.cols / p.head_dim) * pairs, kGroupSize);
        dispatch(pipeline("rope", {wgsl::rope}), {x.gpu, table}, params, grid.x, grid.y);
    }

    void attention(BufferId q_id, BufferId k_id, BufferId v_id, BufferId k_cache_id, BufferId v_cache_id,
                   const AttentionParams& p, const int32_t* positions, size_t n, BufferId out_id) override {
        const Buffer& q = get(q_id, Kind::Activations);
        const Buffer& k = get(k_id, Kind::Activations);
        const Buffer& v = get(v_id, Kind::Activations);
        const Buffer& k_cache = get(k_cache_id, Kind::Cache);
        const Buffer& v_cache = get(v_cache_id, Kind::Cache);
        const Buffer& out = get(out_id, Kind::Activations);
        if (p.head_dim > 256) throw Error(ErrorCode::Unsupported, "attention heads wider than 256 on WebGPU");
        for (size_t i = 0; i < n; ++i)
            if (positions[i] < 0 || size_t(positions[i]) >= k_cache.rows)
                throw Error(ErrorCode::InvalidArgument, "position " + std::to_string(positions[i]) + " is outside the cache");
        const size_t kv_width = size_t(p.n_head_kv) * p.head_dim;
        const KvCacheType type = k_cache.cache_type;
        if (v_cache.cache_type != type || k_cache.rows != v_cache.rows)
            throw Error(ErrorCode::InvalidArgument, "attention: the key and value caches differ in type or length");
        if (k_cache.cols != kv_width || v_cache.cols != kv_width || k.cols != kv_width || v.cols != kv_width)
            throw Error(ErrorCode::InvalidArgument, "attention: the keys, values and caches are not n_head_kv x head_dim wide");
        check_kv_cache_type(type, p.head_dim);
        if (type == KvCacheType::F16 && p.head_dim % 2 != 0)
            throw Error(ErrorCode::Unsupported, "attention heads of odd size over an f16 KV cache on WebGPU");
        const uint32_t pos = small_data(positions, n * 4, positions_);
        // A thread per value (F32), pair of values (F16) or block of 32 (Q8_0).
        const size_t per_row = type == KvCacheType::F32 ? kv_width : type == KvCacheType::F16 ? kv_width / 2 : kv_width / kQK;
        const uint32_t store_params[4] = {uint32_t(n), uint32_t(kv_width), uint32_t(k_cache.rows), 0};
        const Grid grid = grid_for(n * per_row, kGroupSize);
        const uint32_t store = kv_pipeline("store_kv", {wgsl::numerics, wgsl::kv_cache, wgsl::store_kv}, type);
        dispatch(store, {k.gpu, pos, k_cache.gpu}, store_params, grid.x, grid.y);
        dispatch(store, {v.gpu, pos, v_cache.gpu}, store_params, grid.x, grid.y);
        // The scores take n_ctx floats per (token, head): a prompt goes through in chunks of tokens
        // whose scores fit kScoresBytes and one binding (a long context would not fit them whole).
        const double per_token = double(p.n_head) * double(k_cache.rows) * 4;
        const double budget = std::min(kScoresBytes, chord_gpu_max_binding());
        const size_t chunk = std::max<size_t>(1, std::min({n, size_t(budget / per_token), size_t(webgpu::kMaxGroups / p.n_head)}));
        const uint32_t scores = scratch(scores_, size_t(double(chunk) * per_token));
        const uint32_t tiled = n > 1 ? tiled_attention_pipeline(type, p.head_dim) : 0;
        const uint32_t pipeline = tiled ? tiled : kv_pipeline("attention", {wgsl::numerics, wgsl::kv_cache, wgsl::attention}, type);
        for (size_t first = 0; first < n; first += chunk) {
            const uint32_t tokens = uint32_t(std::min(chunk, n - first));
            struct {
                uint32_t n_head, n_head_kv, head_dim, n_ctx;
                float scale, softcap;
                uint32_t window, first_token, n, pad[3];
            } params{p.n_head, p.n_head_kv, p.head_dim, uint32_t(k_cache.rows), p.scale, p.softcap, p.window, uint32_t(first), tokens, {}};
            const uint32_t groups = tiled ? (tokens + kAttentionTile - 1) / kAttentionTile : tokens;
            dispatch(pipeline, {q.gpu, k_cache.gpu, v_cache.gpu, pos, scores, out.gpu}, params, groups * p.n_head, 1);
        }
    }

    // attention_tiled.wgsl for a prompt over an F16 or F32 cache, where its tiles fit the device's
    // workgroup memory; else 0 (attention.wgsl a token at a time).
    uint32_t tiled_attention_pipeline(KvCacheType type, uint32_t head_dim) {
        const uint32_t tile = kAttentionTile;
        const double bytes = double(2 * tile) * head_dim * 4 + 2.0 * tile * tile * 4 + tile * 8 + 8;
        if (type == KvCacheType::Q8_0 || head_dim % tile != 0 || head_dim > 16 * tile || bytes > chord_gpu_workgroup_bytes()) return 0;
        const std::string key = std::string("attention_tiled_") + kv_cache_type_name(type) + "_" + std::to_string(head_dim);
        if (const uint32_t found = compiled(key)) return found;
        return compile(key, "const KV_TYPE: u32 = " + std::to_string(uint32_t(type)) + "u;\nconst HEAD_DIM: u32 = " +
                                std::to_string(head_dim) + "u;\n" + wgsl::numerics + wgsl::kv_cache + wgsl::attention_tiled);
    }

    void swiglu(BufferId gate_id, BufferId up_id, size_t n) override {
        const Buffer& up = get(up_id, Kind::Activations);
        elementwise(get(gate_id, Kind::Activations), up.gpu, n, 2);
    }

    void add(BufferId x_id, BufferId y_id, size_t n) override {
        const Buffer& y = get(y_id, Kind::Activations);
        elementwise(get(x_id, Kind::Activations), y.gpu, n, 0);
    }

    void geglu(BufferId gate_id, BufferId up_id, size_t n) override {
        const Buffer& up = get(up_id, Kind::Activations);
        elementwise(get(gate_id, Kind::Activations), up.gpu, n, 3);
    }

    void scale(BufferId x_id, float factor, size_t n) override {
        const Buffer& x = get(x_id, Kind::Activations);
        elementwise(x, placeholder(), n, 4, factor);
    }

    void soft_cap(BufferId x_id, float cap, size_t n) override {
        const Buffer& x = get(x_id, Kind::Activations);
        elementwise(x, placeholder(), n, 5, cap);
    }

    void rms_norm_heads(BufferId x_id, BufferId weight_id, float eps, uint32_t head_dim, size_t n) override {
        const Buffer& x = get(x_id, Kind::Activations);
        const Buffer& w = get(weight_id, Kind::Weight);
        check_vector(w, head_dim);
        if (head_dim == 0 || x.cols % head_dim != 0)
            throw Error(ErrorCode::InvalidArgument, "rms_norm_heads: rows are not a whole number of heads");
        check_rows(x, n);
        // rms_norm.wgsl over rows of head_dim values: one row per (token, head).
        const uint32_t source = scratch(in_place_, n * x.cols * 4);
        chord_gpu_copy(x.gpu, 0, source, 0, double(n * x.cols * 4));
        struct { uint32_t cols; float eps; uint32_t pad[2]; } params{head_dim, eps, {}};
        dispatch(pipeline("rms_norm", {wgsl::numerics, wgsl::rms, wgsl::rms_norm}), {source, w.gpu, x.gpu}, params,
                 uint32_t(n * (x.cols / head_dim)), 1);
    }

    void shift_cache(BufferId k_id, BufferId v_id, const RopeParams& rope, size_t n_used, size_t first, size_t count) override {
        const Buffer& k = get(k_id, Kind::Cache);
        const Buffer& v = get(v_id, Kind::Cache);
        check_shift_cache(k.rows, k.cols, v.rows, v.cols, rope, n_used, first, count);
        const int32_t turns[2] = {0, -int32_t(count)};  // the keys before `first`, and the moved ones
        rope_angles(rope, turns, 2);
        const uint32_t table = small_data(angles_.data(), angles_.size() * 4, angle_buffer_);
        for (const Buffer* cache : {&k, &v}) {
            // From a copy: a buffer is not copied onto itself, and the rows overlap.
            const double bytes = cache_bytes(cache->rows, cache->cols, cache->cache_type);
            const uint32_t old = scratch(cache_rows_, size_t(bytes));
            chord_gpu_copy(cache->gpu, 0, old, 0, bytes);
            move_cache_rows(*cache, old, table, 0, n_used - count, first, count, cache == &k ? &rope : nullptr);
        }
    }

    // Q8_0's codes and scales lie apart on the GPU (kv_cache.wgsl): its rows are read as those two
    // spans and made blocks here.
    void begin_read_cache_rows(BufferId id, size_t first, size_t n) override {
        const Buffer& c = get(id, Kind::Cache);
        check_cache_rows(c.rows, first, n);
        if (n == 0) return;
        const CacheSpans spans = cache_spans(c, first, n);
        chord_gpu_begin_read(c.gpu, spans.rows.offset, spans.rows.bytes);
        if (spans.scales.bytes > 0) chord_gpu_begin_read(c.gpu, spans.scales.offset, spans.scales.bytes);
    }

    void read_cache_rows(BufferId id, size_t first, size_t n, uint8_t* out) const override {
        const Buffer& c = get(id, Kind::Cache);
        check_cache_rows(c.rows, first, n);
        if (n == 0) return;
        const CacheSpans spans = cache_spans(c, first, n);
        for (const Span* span : {&spans.rows, &spans.scales})
            if (asynchronous_reads_ && span->bytes > 0 && !chord_gpu_read_ready(c.gpu, span->offset, span->bytes))
                throw Error(ErrorCode::InvalidArgument, "cache rows were not begun and awaited before read_cache_rows()");
        if (c.cache_type != KvCacheType::Q8_0) return chord_gpu_read(c.gpu, spans.rows.offset, out, spans.rows.bytes);
        std::vector<int8_t> codes(size_t(spans.rows.bytes));
        std::vector<uint16_t> scales(size_t(spans.scales.bytes) / 2);
        chord_gpu_read(c.gpu, spans.rows.offset, codes.data(), spans.rows.bytes);
        chord_gpu_read(c.gpu, spans.scales.offset, scales.data(), spans.scales.bytes);
        for (size_t b = 0; b < n * c.cols / kQK; ++b) {
            BlockQ8_0 block;
            block.d = scales[spans.first_scale + b];
            std::copy(codes.begin() + std::ptrdiff_t(b * kQK), codes.begin() + std::ptrdiff_t((b + 1) * kQK), block.qs);
            std::memcpy(out + b * sizeof block, &block, sizeof block);
        }
    }

    void write_cache_rows(BufferId id, size_t first, size_t n, const uint8_t* in) override {
        const Buffer& c = get(id, Kind::Cache);
        check_cache_rows(c.rows, first, n);
        if (n == 0) return;
        const CacheSpans spans = cache_spans(c, first, n);
        if (c.cache_type != KvCacheType::Q8_0) return chord_gpu_write(c.gpu, spans.rows.offset, in, spans.rows.bytes);
        // Into a buffer of the cache's layout, then moved into the cache by a kernel, which sets
        // each scale's own half of a word: the first and last word may hold a neighbour's too.
        std::vector<int8_t> codes(size_t(spans.rows.bytes));
        std::vector<uint16_t> scales(size_t(spans.scales.bytes) / 2);
        for (size_t b = 0; b < n * c.cols / kQK; ++b) {
            BlockQ8_0 block;
            std::memcpy(&block, in + b * sizeof block, sizeof block);
            scales[spans.first_scale + b] = block.d;
            std::copy(block.qs, block.qs + kQK, codes.begin() + std::ptrdiff_t(b * kQK));
        }
        const uint32_t rows = scratch(cache_rows_, size_t(cache_bytes(c.rows, c.cols, c.cache_type)));
        chord_gpu_write(rows, spans.rows.offset, codes.data(), spans.rows.bytes);
        chord_gpu_write(rows, spans.scales.offset, scales.data(), spans.scales.bytes);
        move_cache_rows(c, rows, placeholder(), first, first + n, first, 0, nullptr);
    }

    // Decoding steps (one token) run as a plan, built on the first step and replayed after it;
    // anything else op by op.
    void run(const StepGraph& graph, const StepInputs& step) override {
        if (step.n != 1 || !plan_decoding_) {
            run_op_by_op(*this, graph, step);
            return;
        }
        Plan& plan = plans_[graph.id];
        if (!plan.id) build_plan(plan, graph);
        if (step.tokens[0] < 0 || size_t(step.tokens[0]) >= plan.embed_rows)
            throw Error(ErrorCode::InvalidArgument, "token id " + std::to_string(step.tokens[0]) + " is outside the embedding table");
        if (step.positions[0] < 0 || size_t(step.positions[0]) >= plan.cache_rows)
            throw Error(ErrorCode::InvalidArgument, "position " + std::to_string(step.positions[0]) + " is outside the cache");
        write_step(plan, step);
        if (!chord_gpu_plan_run(plan.id)) {  // a buffer it used was released (a scratch buffer grew): plan again
            build_plan(plan, graph);
            write_step(plan, step);
            chord_gpu_plan_run(plan.id);
        }
        rounded_from_ = {};
    }
    uint32_t planned_dispatches() const override {
        uint32_t most = 0;
        for (const auto& [id, plan] : plans_) most = std::max(most, plan.dispatches);
        return most;
    }

private:
    // A GPU buffer reused by calls that need one of at least some size.
    struct Scratch {
        uint32_t gpu = 0;
        size_t bytes = 0;
        std::vector<uint8_t> held;  // what small_data() last wrote there
    };

    BufferId float_buffer(Kind kind, size_t rows, size_t cols) {
        const double bytes = double(rows) * double(cols) * 4;  // size_t is 32 bits in wasm: no wrap-around
        if (bytes > chord_gpu_max_binding())
            throw Error(ErrorCode::OutOfMemory, "a buffer of " + std::to_string(rows) + " x " + std::to_string(cols) +
                                                    " floats is more than this GPU binds at once (" +
                                                    std::to_string(uint64_t(chord_gpu_max_binding())) +
                                                    " bytes): ask for a smaller context");
        Buffer b;
        b.rows = rows;
        b.cols = cols;
        b.bytes = bytes;
        b.gpu = chord_gpu_buffer(bytes);
        return register_buffer(kind, b);
    }
    // Bytes of a cache's GPU buffer: as many as on the CPU, in whole words.
    static double cache_bytes(size_t n_ctx, size_t width, KvCacheType type) {
        return std::ceil(double(n_ctx) * double(kv_cache_row_bytes(type, width)) / 4) * 4;
    }

    // Where rows [first, first + n) of a cache lie in its GPU buffer, in whole words: `rows` (F32
    // and F16 rows, each whole words laid out as on the CPU; Q8_0's codes) and, for Q8_0, the words
    // of their scales, whose half first_scale is the first row's first.
    struct Span {
        double offset = 0, bytes = 0;
    };
    struct CacheSpans {
        Span rows, scales;
        size_t first_scale = 0;
    };
    static CacheSpans cache_spans(const Buffer& c, size_t first, size_t n) {
        CacheSpans s;
        if (c.cache_type != KvCacheType::Q8_0) {
            const double row_bytes = double(kv_cache_row_bytes(c.cache_type, c.cols));
            s.rows = {double(first) * row_bytes, double(n) * row_bytes};
            return s;
        }
        const size_t blocks = c.cols / kQK, begin = first * blocks, end = (first + n) * blocks;  // scale halves
        s.rows = {double(first) * double(c.cols), double(n) * double(c.cols)};
        s.scales = {double(c.rows) * double(c.cols) + double(begin / 2) * 4, double((end + 1) / 2 - begin / 2) * 4};
        s.first_scale = begin % 2;
        return s;
    }

    // Rows [begin, end) of a cache from `old`, a buffer of its layout (move_kv.wgsl): row r from
    // row r before `first`, r + count after it; keys (a `rope`) turned by `angles` on the way.
    void move_cache_rows(const Buffer& cache, uint32_t old, uint32_t angles, size_t begin, size_t end, size_t first, size_t count,
                         const RopeParams* rope) {
        const KvCacheType type = cache.cache_type;
        const size_t per_row = type == KvCacheType::F32 ? cache.cols : type == KvCacheType::F16 ? cache.cols / 2 : cache.cols / kQK;
        const uint32_t params[12] = {uint32_t(begin), uint32_t(end), uint32_t(first), uint32_t(count), uint32_t(cache.cols),
                                     uint32_t(cache.rows), rope ? rope->head_dim : 1, rope ? rope->n_rot : 0,
                                     rope && rope->neox ? 1u : 0u, rope ? 1u : 0u, 0, 0};
        const Grid grid = grid_for((end - begin) * per_row, kGroupSize);
        dispatch(kv_pipeline("move_kv", {wgsl::numerics, wgsl::kv_cache, wgsl::move_kv}, type), {old, angles, cache.gpu}, params,
                 grid.x, grid.y);
    }

    const std::vector<float>& host_vector(BufferId id, size_t width) const {
        const auto it = host_vectors_.find(id);
        if (it == host_vectors_.end() || it->second.size() != width)
            throw Error(ErrorCode::InvalidArgument, "a vector weight of the wrong width");
        return it->second;
    }
    uint32_t placeholder() {
        if (!placeholder_) placeholder_ = chord_gpu_buffer(16);
        return placeholder_;
    }

    // The (cos, sin) of each token's RoPE angles into angles_, as the CPU backend steps the
    // angles (position · base^(-2k/n_rot), by repeated multiplication in float, over the pair's
    // frequency factor), with the CPU's cos and sin.
    void rope_angles(const RopeParams& p, const int32_t* positions, size_t n) {
        const size_t pairs = p.n_rot / 2;
        const float* factors = p.freq_factors == kNoBuffer ? nullptr : host_vector(p.freq_factors, pairs).data();
        angles_.resize(n * pairs * 2);
        const float theta_scale = std::pow(p.freq_base, -2.0f / float(p.n_rot));
        for (size_t i = 0; i < n; ++i) {
            float theta = float(positions[i]);
            for (size_t k = 0; k < pairs; ++k, theta *= theta_scale)
                cpu::rope_cos_sin(factors ? theta / factors[k] : theta, p, k, angles_[(i * pairs + k) * 2],
                                  angles_[(i * pairs + k) * 2 + 1]);
        }
    }

    // A decoding step's plan (decode_plan.hpp) and the buffers of its per-token inputs.
    struct Plan {
        uint32_t id = 0, dispatches = 0;
        size_t embed_rows = 0, cache_rows = 0;  // for the checks the op-by-op path makes
        webgpu::StepBuffers step;
    };

    void build_plan(Plan& plan, const StepGraph& graph) {
        for (uint32_t b : plan.step.owned) chord_gpu_release(b);
        plan = Plan{};
        plan.cache_rows = SIZE_MAX;
        for (const Op& op : graph.ops) {
            if (const auto* o = std::get_if<EmbedOp>(&op)) plan.embed_rows = get(o->table, Kind::Weight).rows;
            if (const auto* o = std::get_if<AttentionOp>(&op)) plan.cache_rows = std::min(plan.cache_rows, get(o->k_cache, Kind::Cache).rows);
        }
        plan.step.token = chord_gpu_buffer(16);
        plan.step.position = chord_gpu_buffer(16);
        plan.step.owned = {plan.step.token, plan.step.position};
        plan.step.owned_bytes = 32;
        rounded_from_ = {};
        chord_gpu_plan_begin();
        try {
            // Products over 256 workgroups at most on a GPU: each workgroup normalizes and rounds the
            // whole input first, and fewer doing more rows each took 6–10 % less GPU time than 1024
            // on an H100 and an H200 (bench/webgpu/README.md); 16 on a CPU adapter.
            const uint32_t asked = chord_gpu_product_workgroups();
            const uint32_t lanes = chord_gpu_product_lanes();
            const webgpu::DeviceLimits limits{chord_gpu_workgroup_bytes(), asked ? asked : chord_gpu_is_cpu() ? 16u : 256u,
                                              chord_gpu_round_in_products() != 0, lanes == 8 || lanes == 16 ? lanes : 32u,
                                              chord_gpu_subgroup_size()};
            webgpu::DecodePlanner(*this, *this, plan.step, limits, host_vectors_, placeholder()).plan(graph);
        } catch (...) {
            chord_gpu_plan_end();
            throw;
        }
        plan.id = chord_gpu_plan_end();
        plan.dispatches = chord_gpu_plan_dispatches(plan.id);
        rounded_from_ = {};
    }

    // The token, its position and the RoPE tables into the plan's input buffers.
    void write_step(Plan& plan, const StepInputs& step) {
        chord_gpu_write(plan.step.token, 0, step.tokens, 4);
        chord_gpu_write(plan.step.position, 0, step.positions, 4);
        for (size_t i = 0; i < plan.step.ropes.size(); ++i) {
            rope_angles(plan.step.ropes[i], step.positions, 1);
            chord_gpu_write(plan.step.angle_tables[i], 0, angles_.data(), double(angles_.size() * 4));
        }
    }

    // Slices a prompt's product cuts its columns into (matmul_tiled.wgsl): where its tiles make
    // fewer than kFillingWorkgroups workgroups, up to kMaxSlices slices of at least 512 columns,
    // so that a short prompt or a small matrix still spreads over the GPU; one on a CPU adapter
    // (Module.chordGpuPlanOptions.matmulSlices asks for a number: tests, benchmarks).
    static uint32_t matmul_slices(size_t workgroups, size_t cols) {
        if (const uint32_t asked = chord_gpu_matmul_slices()) return std::min<uint32_t>(asked, uint32_t(cols / 16));
        uint32_t slices = 1;
        while (!chord_gpu_is_cpu() && slices < kMaxSlices && workgroups * slices < kFillingWorkgroups && cols / (2 * slices) >= 512)
            slices *= 2;
        return slices;
    }

    static void check_vector(const Buffer& w, size_t width) {
        if (w.rows != 1 || w.cols != width) throw Error(ErrorCode::InvalidArgument, "a vector weight of the wrong width");
    }

    uint32_t scratch(Scratch& s, size_t bytes) {
        if (s.bytes < bytes) {
            if (s.gpu) chord_gpu_release(s.gpu);
            s.gpu = chord_gpu_buffer(double(bytes));
            s.bytes = bytes;
            s.held.clear();
        }
        return s.gpu;
    }
    // Per-call data (token ids, positions, rope angles) into its scratch buffer. Every layer of a
    // forward pass sends the same positions and angles: those are written once (a write into a
    // buffer that recorded work uses would submit that work first).
    uint32_t small_data(const void* data, size_t bytes, Scratch& s) {
        const uint32_t gpu = scratch(s, std::max<size_t>(bytes, 4));
        const auto* begin = static_cast<const uint8_t*>(data);
        if (s.held.size() != bytes || !std::equal(begin, begin + bytes, s.held.begin())) {
            chord_gpu_write(gpu, 0, data, double(bytes));
            s.held.assign(begin, begin + bytes);
        }
        return gpu;
    }

    void elementwise(const Buffer& x, uint32_t y, size_t n, uint32_t mode, float factor = 0.0f) {
        check_rows(x, n);
        const uint32_t count = uint32_t(n * x.cols);
        struct { uint32_t count, cols, mode; float factor; } params{count, uint32_t(x.cols), mode, factor};
        const Grid grid = grid_for(count, kGroupSize);
        dispatch(pipeline("elementwise", {wgsl::numerics, wgsl::activations, wgsl::elementwise}), {x.gpu, y}, params, grid.x, grid.y);
    }

    // Records a dispatch (GpuContext::record), after which the rounded scratch is not trusted.
    template <typename Params>
    void dispatch(uint32_t pipeline_id, std::initializer_list<uint32_t> buffers, const Params& params, uint32_t x,
                  uint32_t y, uint32_t z = 1) {
        rounded_from_ = {};
        record(pipeline_id, buffers, params, x, y, z);
    }

    // The activations rounded as the CPU rounds them for a weight type, in scratch. Products that
    // follow one another on the same input (q, k, v; gate, up) round it once: rounded_from_ says
    // what the scratch holds, and anything that may write a buffer forgets it.
    uint32_t rounded_activations(const Buffer& x, size_t n, uint32_t mode) {
        const uint32_t count = uint32_t(n * x.cols);
        const uint32_t rounded = scratch(rounded_, size_t(count) * 4);
        const Rounded wanted{x.gpu, rounded, count, mode};
        if (rounded_from_ == wanted) return rounded;
        if (mode == 4) {  // Q8_K: a workgroup per block of 256
            const uint32_t params[4] = {count, 0, 0, 0};
            const Grid blocks = grid_for(count / kQK_K, 1);
            dispatch(pipeline("round_q8_k", {wgsl::numerics, wgsl::round_q8_k}), {x.gpu, rounded}, params, blocks.x, blocks.y);
            return rounded;
        }
        const uint32_t block = mode == 3 ? kQK : 1;
        const uint32_t params[4] = {count, mode, block, 0};
        const Grid blocks = grid_for(count / block, kGroupSize);
        dispatch(pipeline("round_activations", {wgsl::numerics, wgsl::round_activations}), {x.gpu, rounded}, params, blocks.x,
                 blocks.y);
        return rounded;
    }

    const bool asynchronous_reads_;
    const bool plan_decoding_;
    std::map<uint64_t, Plan> plans_;  // by StepGraph id
    Scratch rounded_, scores_, ints_, positions_, angle_buffer_, in_place_, slices_;
    Scratch cache_rows_;  // a cache's rows on their way in: its copy before a shift, Q8_0 rows written
    struct Rounded {
        uint32_t source = 0, scratch = 0, count = 0, mode = 0;
        bool operator==(const Rounded& o) const {
            return source == o.source && scratch == o.scratch && count == o.count && mode == o.mode;
        }
    } rounded_from_;
    std::vector<float> angles_;
    std::map<BufferId, std::vector<float>> host_vectors_;  // vector weights, also kept here
    uint32_t placeholder_ = 0;  // bound where a kernel's second input goes unread (x may not be bound twice)
};

}  // namespace

bool webgpu_available() { return chord_gpu_ready() != 0; }

std::string webgpu_misfit(const GgufFile& file) {
    for (const TensorInfo& info : file.tensors()) {
        const std::string misfit = binding_misfit(info);
        if (!misfit.empty()) return misfit;
    }
    return "";
}

std::unique_ptr<Backend> make_webgpu_backend(bool asynchronous_reads, bool plan_decoding) {
    return std::make_unique<WebGpuBackend>(asynchronous_reads, plan_decoding);
}

}  // namespace chord
