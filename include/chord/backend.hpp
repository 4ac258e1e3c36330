// The backend interface: the only place that computes.
//
// Operations are whole steps of a transformer on backend-resident buffers, so that a GPU backend
// can keep a full forward pass on the device and read back only the logits. Weights are handed
// over once, at load, in their quantized form (a backend may repack them then). Buffers are
// named by ids the backend gives out; activations are row-major [rows × cols] of float.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "chord/gguf.hpp"
#include "chord/kv_cache.hpp"
#include "chord/step_graph.hpp"

namespace chord {

// The bytes a backend holds now, by what they are for; where they live is the backend's
// (buffers_in_host_memory()). Weights the CPU computes on in place count as the file's bytes.
struct BackendMemory {
    uint64_t weights = 0;
    uint64_t kv_cache = 0;
    uint64_t activations = 0;  // activations, logits
    uint64_t scratch = 0;      // reused work areas (attention scores, rounded inputs, a plan's own buffers)
};

class Backend {
public:
    virtual ~Backend() = default;
    virtual std::string name() const = 0;
    virtual unsigned threads() const { return 1; }  // CPU threads it computes on
    virtual std::string kernels() const { return ""; }  // which kernels compute, for info and benchmarks
    // Whether caches and activations live in this process's memory (the CPU), not a device's.
    virtual bool buffers_in_host_memory() const { return true; }
    // Prompt tokens per forward pass when the caller does not say: a GPU's tiled products fill its
    // cores only with many tokens at once; a CPU gains little past 64 and keeps the steps short.
    virtual uint32_t preferred_batch_size() const { return 64; }
    virtual BackendMemory memory() const { return {}; }
    // The bytes a weight will take once uploaded (a GPU may widen a type its kernels do not read).
    virtual uint64_t stored_weight_bytes(const TensorInfo& info) const { return info.n_bytes; }

    // --- buffers ---
    // A weight tensor, uploaded (or repacked) once; the view must outlive the backend's use.
    virtual BufferId upload_weight(const TensorView& tensor) = 0;
    // A weight whose bytes come later (a streamed load, weight_stream.hpp): the buffer now, then
    // fill_weight() with whole rows [first_row, first_row + n_rows) in the file's type, each piece
    // starting on a 4-byte boundary of the tensor (a GPU writes whole words). A backend that
    // computes on views into the file (the CPU) cannot: Error(Unsupported).
    virtual BufferId create_weight(const TensorInfo& info) {
        throw Error(ErrorCode::Unsupported, "the " + name() + " backend cannot take weights streamed in (tensor '" +
                                                std::string(info.name) + "'): it computes on the file's bytes in place");
    }
    virtual void fill_weight(BufferId /*weight*/, uint64_t /*first_row*/, uint64_t /*n_rows*/, const uint8_t* /*rows*/) {
        throw Error(ErrorCode::Unsupported, "the " + name() + " backend cannot take weights streamed in");
    }
    virtual BufferId create_activations(size_t rows, size_t cols) = 0;
    // One layer's key or value cache: `n_ctx` positions of `width` values, stored in `type` and
    // read by attention() as that type asks (kv_cache.hpp).
    virtual BufferId create_cache(size_t n_ctx, size_t width, KvCacheType type) = 0;
    virtual void read(BufferId activations, size_t row, size_t n_rows, float* out) const = 0;
    // Backends whose results wait on a device (WebGPU in the browser, which cannot block) read
    // asynchronously: begin_read() starts bringing rows back, the caller returns to the JS event
    // loop until they are there (the Session says so with Step::pending), then read() returns them.
    virtual bool reads_asynchronously() const { return false; }
    virtual void begin_read(BufferId /*activations*/, size_t /*row*/, size_t /*n_rows*/) {}
    virtual void write(BufferId activations, size_t row, size_t n_rows, const float* in) = 0;

    // --- operations on rows [0, n) of activation buffers ---
    // out[i] = row tokens[i] of the embedding table.
    virtual void embed(BufferId table, const int32_t* tokens, size_t n, BufferId out) = 0;
    // out[i] = x[i] / rms(x[i]) * weight
    virtual void rms_norm(BufferId x, BufferId weight, float eps, size_t n, BufferId out) = 0;
    // out[i] = W · x[i] (+ bias); W is [out_cols × in_cols] in the file's layout.
    virtual void matmul(BufferId weight, BufferId x, size_t n, BufferId out) = 0;
    virtual void add_bias(BufferId x, BufferId bias, size_t n) = 0;
    // dst[i] = src[first + i], for rows [0, n).
    virtual void copy_rows(BufferId src, size_t first, size_t n, BufferId dst) = 0;
    // dst[i] = src[i][col, col + dst.cols): to split fused projections.
    virtual void copy_columns(BufferId src, size_t col, size_t n, BufferId dst) = 0;
    // Rotates every head of x[i] by position positions[i].
    virtual void rope(BufferId x, const RopeParams& params, const int32_t* positions, size_t n) = 0;
    // Stores k[i], v[i] in the caches at positions[i], then out[i] = softmax(q[i]·K) · V over the
    // cached positions 0..positions[i] (causal).
    virtual void attention(BufferId q, BufferId k, BufferId v, BufferId k_cache, BufferId v_cache,
                           const AttentionParams& params, const int32_t* positions, size_t n, BufferId out) = 0;
    // Each head_dim-wide slice of x[i] divided by its own RMS and times `weight` (head_dim
    // values), in place: the per-head query/key norms of Qwen3 and Gemma 3.
    virtual void rms_norm_heads(BufferId x, BufferId weight, float eps, uint32_t head_dim, size_t n) = 0;
    // gate[i] = silu(gate[i]) * up[i]
    virtual void swiglu(BufferId gate, BufferId up, size_t n) = 0;
    // gate[i] = gelu(gate[i]) * up[i], GELU in its tanh form, as ggml (Gemma)
    virtual void geglu(BufferId gate, BufferId up, size_t n) = 0;
    // x[i] += y[i]
    virtual void add(BufferId x, BufferId y, size_t n) = 0;
    // x[i] *= factor
    virtual void scale(BufferId x, float factor, size_t n) = 0;
    // x[i] = cap * tanh(x[i] / cap): Gemma 2's final logit soft-capping
    virtual void soft_cap(BufferId x, float cap, size_t n) = 0;

    // --- the KV cache between steps: context shifts and saved sessions ---
    // A backend without them throws Error(Unsupported), before it changes anything.
    //
    // One layer's context shift, as llama.cpp's (llama_memory_seq_rm, seq_add and its K-shift):
    // the positions [first, first + count) leave both caches, those of [first + count, n_used) move
    // down by `count`, and every key left in [0, n_used − count) is turned by `rope` (the layer's
    // own) through its change of position, then stored again in the cache's type. The keys before
    // `first` turn by 0, as llama.cpp turns every cell: a no-op, except that RoPE's magnitude factor
    // (YaRN, LongRoPE's attention factor) scales them as it does the moved ones.
    virtual void shift_cache(BufferId /*k_cache*/, BufferId /*v_cache*/, const RopeParams& /*rope*/, size_t /*n_used*/,
                             size_t /*first*/, size_t /*count*/) {
        throw Error(ErrorCode::Unsupported, "the " + name() + " backend cannot shift its KV cache");
    }
    // Rows [first, first + n) of a cache as the bytes of its type: kv_cache_row_bytes() a row, laid
    // out as on the CPU (little-endian halves, floats, or Q8_0 blocks). A backend that reads
    // asynchronously returns them once begin_read_cache_rows() has started bringing them back and
    // the caller has awaited them, as begin_read() and read() do for activations.
    virtual void read_cache_rows(BufferId /*cache*/, size_t /*first*/, size_t /*n*/, uint8_t* /*out*/) const {
        throw Error(ErrorCode::Unsupported, "the " + name() + " backend cannot read its KV cache back");
    }
    virtual void begin_read_cache_rows(BufferId /*cache*/, size_t /*first*/, size_t /*n*/) {}
    virtual void write_cache_rows(BufferId /*cache*/, size_t /*first*/, size_t /*n*/, const uint8_t* /*in*/) {
        throw Error(ErrorCode::Unsupported, "the " + name() + " backend cannot write its KV cache");
    }

    // --- a whole step ---
    // The operations of `graph` on the step's rows, in order. A backend may plan the graph as a
    // whole (fuse, reuse); the result must be that of run_op_by_op.
    virtual void run(const StepGraph& graph, const StepInputs& step);
    // Dispatches a planned decoding step records on a GPU (0: steps are not planned).
    virtual uint32_t planned_dispatches() const { return 0; }
};

// Each operation of the graph as the Backend call of the same name (a visitor: an op type without
// its call here does not compile).
struct OpByOp {
    Backend& be;
    const StepInputs& step;
    void operator()(const EmbedOp& o) const { be.embed(o.table, step.tokens, step.n, o.out); }
    void operator()(const ScaleOp& o) const { be.scale(o.x, o.factor, step.n); }
    void operator()(const RmsNormOp& o) const { be.rms_norm(o.x, o.weight, o.eps, step.n, o.out); }
    void operator()(const MatmulOp& o) const { be.matmul(o.weight, o.x, step.n, o.out); }
    void operator()(const AddBiasOp& o) const { be.add_bias(o.x, o.bias, step.n); }
    void operator()(const LastRowOp& o) const { be.copy_rows(o.src, step.n - 1, 1, o.dst); }
    void operator()(const CopyColumnsOp& o) const { be.copy_columns(o.src, o.col, step.n, o.dst); }
    void operator()(const RmsNormHeadsOp& o) const { be.rms_norm_heads(o.x, o.weight, o.eps, o.head_dim, step.n); }
    void operator()(const RopeOp& o) const { be.rope(o.x, o.params, step.positions, step.n); }
    void operator()(const AttentionOp& o) const {
        be.attention(o.q, o.k, o.v, o.k_cache, o.v_cache, o.params, step.positions, step.n, o.out);
    }
    void operator()(const SwigluOp& o) const { be.swiglu(o.gate, o.up, step.n); }
    void operator()(const GegluOp& o) const { be.geglu(o.gate, o.up, step.n); }
    void operator()(const AddOp& o) const { be.add(o.x, o.y, step.n); }
    void operator()(const SoftCapOp& o) const { be.soft_cap(o.x, o.cap, step.n); }
};

inline void run_op_by_op(Backend& be, const StepGraph& graph, const StepInputs& step) {
    const StepInputs last_row{step.tokens + step.n - 1, step.positions + step.n - 1, 1};
    for (size_t i = 0; i < graph.ops.size(); ++i) std::visit(OpByOp{be, i < graph.one_row_from ? step : last_row}, graph.ops[i]);
}

inline void Backend::run(const StepGraph& graph, const StepInputs& step) { run_op_by_op(*this, graph, step); }

// The checks every backend's shift_cache() makes of its arguments, before it changes anything:
// caches of `rows` positions of `width` values.
inline void check_shift_cache(size_t k_rows, size_t k_width, size_t v_rows, size_t v_width, const RopeParams& rope,
                              size_t n_used, size_t first, size_t count) {
    if (k_rows != v_rows || k_width != v_width)
        throw Error(ErrorCode::InvalidArgument, "shift_cache: the key and value caches differ in shape");
    if (n_used > k_rows || first > n_used || count > n_used - first)
        throw Error(ErrorCode::InvalidArgument, "shift_cache: dropping " + std::to_string(count) + " positions from " +
                                                    std::to_string(first) + " of " + std::to_string(n_used) +
                                                    " in use does not fit the cache of " + std::to_string(k_rows));
    if (rope.head_dim == 0 || k_width % rope.head_dim != 0 || rope.n_rot > rope.head_dim || rope.n_rot % 2 != 0)
        throw Error(ErrorCode::InvalidArgument, "shift_cache: the RoPE does not fit the cache's heads");
}

// And those of read_cache_rows() and write_cache_rows() on a cache of `rows` positions.
inline void check_cache_rows(size_t rows, size_t first, size_t n) {
    if (first > rows || n > rows - first)
        throw Error(ErrorCode::InvalidArgument, "cache rows " + std::to_string(first) + " + " + std::to_string(n) +
                                                    " are outside the cache of " + std::to_string(rows));
}

}  // namespace chord
