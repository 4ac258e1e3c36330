// The decoding planner (decode_plan.hpp): pattern by pattern, the fused kernels it records.
#include "decode_plan.hpp"

#include <cctype>
#include <set>

namespace chord::webgpu {
namespace {

// Whether `op` reads buffer `b`, or writes it without reading it first (then later reads see
// the new values).
struct Touches {
    BufferId b;
    bool reads = false, overwrites = false;
    void operator()(const EmbedOp& o) { overwrites = o.out == b; }
    void operator()(const ScaleOp& o) { reads = o.x == b; }
    void operator()(const RmsNormOp& o) { reads = o.x == b || o.weight == b; overwrites = !reads && o.out == b; }
    void operator()(const MatmulOp& o) { reads = o.x == b || o.weight == b; overwrites = !reads && o.out == b; }
    void operator()(const AddBiasOp& o) { reads = o.x == b || o.bias == b; }
    void operator()(const LastRowOp& o) { reads = o.src == b; overwrites = !reads && o.dst == b; }
    void operator()(const CopyColumnsOp& o) { reads = o.src == b; }
    void operator()(const RmsNormHeadsOp& o) { reads = o.x == b || o.weight == b; }
    void operator()(const RopeOp& o) { reads = o.x == b; }
    void operator()(const AttentionOp& o) {
        reads = o.q == b || o.k == b || o.v == b || o.k_cache == b || o.v_cache == b;
        overwrites = !reads && o.out == b;
    }
    void operator()(const SwigluOp& o) { reads = o.gate == b || o.up == b; }
    void operator()(const GegluOp& o) { reads = o.gate == b || o.up == b; }
    void operator()(const AddOp& o) { reads = o.x == b || o.y == b; }
    void operator()(const SoftCapOp& o) { reads = o.x == b; }
};

// Whether what buffer `b` holds after op `from` − 1 is read by a later op (before it is overwritten).
bool read_later(const std::vector<Op>& ops, size_t from, BufferId b) {
    for (size_t j = from; j < ops.size(); ++j) {
        Touches t{b};
        std::visit(t, ops[j]);
        if (t.reads) return true;
        if (t.overwrites) return false;
    }
    return false;
}

// weights.wgsl and weight_dots.wgsl for matrix m of a fused product: their functions, the buffer
// `w` and the constants WEIGHT_TYPE / WIDE_SUMS renamed with the suffix _m.
std::string weight_functions_for_matrix(uint32_t m) {
    static const std::set<std::string> renamed = {
        "w", "WEIGHT_TYPE", "WIDE_SUMS", "byte_at", "int8_at", "half_at", "q4_k_scale_and_min", "row_bytes", "weight_part", "weight_chunk",
        "word_at", "low_nibbles", "bytes_of", "signed_bytes_of", "run_dot", "run_dot_wide"};
    const std::string suffix = "_" + std::to_string(m);
    std::string out;
    for (const char* part : {wgsl::weights, wgsl::weight_dots}) {
        const std::string source = part;
        for (size_t i = 0; i < source.size();) {
            const bool starts_name = std::isalpha(static_cast<unsigned char>(source[i])) || source[i] == '_';
            if (!starts_name) {
                out += source[i++];
                continue;
            }
            size_t end = i;
            while (end < source.size() && (std::isalnum(static_cast<unsigned char>(source[end])) || source[end] == '_')) ++end;
            const std::string name = source.substr(i, end - i);
            out += name;
            const bool member = i > 0 && source[i - 1] == '.';  // v.w is a vector's component
            if (renamed.count(name) && !member) out += suffix;
            i = end;
        }
    }
    return out;
}

// Workgroup memory the fused product takes for `cols` inputs in rounding mode `mode`.
uint32_t fused_product_bytes(size_t cols, uint32_t mode) {
    const size_t winners = mode == 4 ? cols / 8 : 1, blocks = mode == 4 ? cols / 256 : 1;
    return uint32_t(cols * 4 + winners * 4 + blocks * 8 + 256 * 8 + 64 * 8);  // + rms.wgsl's partial sums
}

}  // namespace

void DecodePlanner::plan(const StepGraph& graph) {
    for (size_t i = 0; i < graph.ops.size();) i += emit(graph.ops, i);
}

size_t DecodePlanner::emit(const std::vector<Op>& ops, size_t i) {
    const Op& op = ops[i];
    if (const auto* o = std::get_if<EmbedOp>(&op)) {
        embed(*o);
        return 1;
    }
    if (const auto* o = std::get_if<LastRowOp>(&op)) {  // one row: the final norm can read it where it is
        const auto* norm = i + 1 < ops.size() ? std::get_if<RmsNormOp>(&ops[i + 1]) : nullptr;
        if (norm && norm->x == o->dst && norm->out == o->dst) {
            RmsNormOp in_place = *norm;
            in_place.x = o->src;
            if (const size_t used = fused_products(ops, i + 2, &in_place)) return 2 + used;
            backend_.rms_norm(o->src, norm->weight, norm->eps, 1, o->dst);
            return 2;
        }
        backend_.copy_rows(o->src, 0, 1, o->dst);
        return 1;
    }
    if (const auto* norm = std::get_if<RmsNormOp>(&op)) {
        if (const size_t used = fused_residual_norm(ops, i)) return used;
        if (const size_t used = fused_products(ops, i + 1, norm)) return 1 + used;
    }
    if (std::holds_alternative<MatmulOp>(op)) {
        if (const size_t used = fused_products(ops, i)) return used;
    }
    if (std::holds_alternative<AddBiasOp>(op) || std::holds_alternative<RmsNormHeadsOp>(op) || std::holds_alternative<RopeOp>(op)) {
        if (const size_t used = fused_rope_store(ops, i)) return used;
    }
    if (const auto* o = std::get_if<RopeOp>(&op)) {
        rope(*o);
        return 1;
    }
    if (const auto* o = std::get_if<AttentionOp>(&op)) {
        attention(*o, /*store=*/true);
        return 1;
    }
    // The rest take no per-token input: the backend's own operation records into the plan.
    static const int32_t kNone = 0;
    std::visit(OpByOp{backend_, StepInputs{&kNone, &kNone, 1}}, op);
    return 1;
}

// Up to three products of the same input (q, k, v; gate, up) in one matvec_fused dispatch, with
// the SwiGLU/GeGLU that follows gate and up, or the residual addition that follows a single product.
// With `norm` (the op before i) the products' input is its output, which the workgroups compute
// from its input themselves where they round it, when nothing else reads that output.
size_t DecodePlanner::fused_products(const std::vector<Op>& ops, size_t i, const RmsNormOp* norm) {
    const auto* first_op = i < ops.size() ? std::get_if<MatmulOp>(&ops[i]) : nullptr;
    if (!first_op || (norm && first_op->x != norm->out)) return 0;
    // A weight in parts (larger than a binding) is the backend's matmul, a dispatch a part.
    const auto split = [&](const MatmulOp& o) { return gpu_.get(o.weight, Kind::Weight).split(); };
    if (split(*first_op)) return 0;
    const MatmulOp& first = *first_op;
    const Buffer& x = gpu_.get(first.x, Kind::Activations);
    const uint32_t mode = rounding_mode(gpu_.get(first.weight, Kind::Weight).file_type);
    if (x.cols % 256 != 0 && (mode == 4 || x.cols % 32 != 0)) return 0;
    // Each workgroup rounds the input itself, or a rounding dispatch does it once before.
    const bool own_rounding = limits_.round_in_products && fused_product_bytes(x.cols, mode) <= limits_.workgroup_bytes;
    if (norm && !own_rounding) return 0;
    std::vector<const MatmulOp*> group;
    for (size_t j = i; j < ops.size() && group.size() < 3; ++j) {
        const auto* o = std::get_if<MatmulOp>(&ops[j]);
        if (!o || o->x != first.x || o->out == first.x || split(*o)) break;
        if (rounding_mode(gpu_.get(o->weight, Kind::Weight).file_type) != mode) break;
        group.push_back(o);
    }
    const size_t next = i + group.size();
    if (norm && read_later(ops, next, norm->out)) return 0;
    uint32_t epilogue = 0;  // matvec_fused.wgsl's
    BufferId target = kNoBuffer;
    if (group.size() == 2 && next < ops.size()) {
        const auto* swiglu = std::get_if<SwigluOp>(&ops[next]);
        const auto* geglu = std::get_if<GegluOp>(&ops[next]);
        const BufferId gate = swiglu ? swiglu->gate : geglu ? geglu->gate : kNoBuffer;
        const BufferId up = swiglu ? swiglu->up : geglu ? geglu->up : kNoBuffer;
        if (gate == group[0]->out && up == group[1]->out && !read_later(ops, next + 1, up) &&
            gpu_.get(group[0]->weight, Kind::Weight).rows == gpu_.get(group[1]->weight, Kind::Weight).rows) {
            epilogue = swiglu ? 2 : 3;
        }
    }
    if (group.size() == 1 && next < ops.size()) {
        const auto* add = std::get_if<AddOp>(&ops[next]);
        if (add && add->y == group[0]->out && add->x != first.x && !read_later(ops, next + 1, add->y)) {
            epilogue = 1;
            target = add->x;
        }
    }

    // The pipeline: bindings, constants and the per-matrix functions generated here.
    const uint32_t matrices = uint32_t(group.size());
    // A row a subgroup where the device has subgroups, unless a matrix sums exactly (BF16: WIDE_SUMS).
    bool subgroups = limits_.subgroup_size != 0;
    for (const MatmulOp* o : group) subgroups &= !GpuContext::wide_sums(gpu_.get(o->weight, Kind::Weight));
    const uint32_t lanes = subgroups ? limits_.subgroup_size : limits_.lanes;
    std::string key = std::string(subgroups ? "matvec_fused_sg" : "matvec_fused_l") + std::to_string(lanes) + "_m" + std::to_string(mode) +
                      (own_rounding ? "_c" + std::to_string(x.cols) : "_rounded") + "_e" + std::to_string(epilogue) + (norm ? "_norm" : "");
    for (const MatmulOp* o : group) key += "_" + GpuContext::weight_key(gpu_.get(o->weight, Kind::Weight));
    uint32_t pipeline = gpu_.compiled(key);
    if (!pipeline) {
        const uint32_t outputs = epilogue == 0 ? matrices : 1;
        std::string s = subgroups ? "enable subgroups;\nconst ROWS: u32 = " + std::to_string(256 / lanes) + "u;\n" : "";
        s += "const LANES: u32 = " + std::to_string(lanes) + "u;\nconst ROUND_MODE: u32 = " + std::to_string(mode) +
                        "u;\nconst EPILOGUE: u32 = " +
                        std::to_string(epilogue) + "u;\nconst X_VEC4: u32 = " + std::to_string(x.cols / 4) +
                        "u;\nconst WINNERS: u32 = " + std::to_string(mode == 4 ? x.cols / 8 : 1) +
                        "u;\nconst BLOCKS_K: u32 = " + std::to_string(mode == 4 ? x.cols / 256 : 1) + "u;\n";
        for (uint32_t m = 0; m < matrices; ++m) {
            s += GpuContext::weight_constants(gpu_.get(group[m]->weight, Kind::Weight), "_" + std::to_string(m));
            s += "@group(0) @binding(" + std::to_string(m) + ") var<storage, read> w_" + std::to_string(m) + ": array<u32>;\n";
        }
        const std::string input = own_rounding ? "input" : "x";
        s += "@group(0) @binding(" + std::to_string(matrices) + ") var<storage, read> " + input + ": array<vec4f>;\n";
        if (!own_rounding) s += "fn stage_input(lid: u32) {}\n";
        for (uint32_t m = 0; m < outputs; ++m)
            s += "@group(0) @binding(" + std::to_string(matrices + 1 + m) + ") var<storage, read_write> y_" + std::to_string(m) +
                 ": array<f32>;\n";
        s += std::string("const NORM: bool = ") + (norm ? "true" : "false") + ";\n";
        if (norm) {
            s += "@group(0) @binding(" + std::to_string(matrices + 1 + outputs) + ") var<storage, read> norm_weights: array<vec4f>;\n";
            s += "fn norm_weight(i: u32) -> vec4f { return norm_weights[i]; }\n";
        } else if (own_rounding) {
            s += "fn norm_weight(i: u32) -> vec4f { return vec4f(1.0); }\n";
        }
        // the uniform data last (GpuContext binds it after the buffers)
        s += "@group(0) @binding(" + std::to_string(matrices + 1 + outputs + (norm ? 1 : 0)) + ") var<uniform> p: Params;\n";
        s += "fn row_dot(m: u32, r: u32, lane: u32, stride: u32) -> vec2f {\n    var acc = vec2f(0.0);\n    switch m {\n";
        for (uint32_t m = 0; m < matrices; ++m) {
            const std::string n = std::to_string(m);
            s += "        case " + n + "u: {\n            let row = r * row_bytes_" + n + "(p.cols);\n" +
                 "            for (var c = lane; c < p.cols / 32u; c += stride) {\n" +
                 "                if (WIDE_SUMS_" + n + ") { acc = run_dot_wide_" + n + "(row, c, c * 8u, acc); } else { acc.x += run_dot_" +
                 n + "(row, c, c * 8u); }\n            }\n        }\n";
        }
        s += "        default: {}\n    }\n    return acc;\n}\n";
        s += "fn store_row(m: u32, r: u32, v: f32) {\n    switch m {\n";
        for (uint32_t m = 0; m < outputs; ++m) s += "        case " + std::to_string(m) + "u: { y_" + std::to_string(m) + "[r] = v; }\n";
        s += "        default: {}\n    }\n}\n";
        for (uint32_t m = 0; m < matrices; ++m) s += weight_functions_for_matrix(m);
        s += wgsl::numerics;
        s += wgsl::activations;
        if (own_rounding) {
            s += wgsl::rms;
            s += wgsl::matvec_fused_rounding;
        }
        s += subgroups ? wgsl::matvec_fused_subgroups : wgsl::matvec_fused;
        pipeline = gpu_.compile(key, s);
    }

    uint32_t rows[3] = {0, 0, 0};
    std::vector<uint32_t> bindings;
    for (uint32_t m = 0; m < matrices; ++m) {
        const Buffer& w = gpu_.get(group[m]->weight, Kind::Weight);
        if (w.cols != x.cols) throw Error(ErrorCode::InvalidArgument, "matmul with mismatched shapes");
        rows[m] = uint32_t(w.rows);
        bindings.push_back(w.gpu);
    }
    bindings.push_back(norm ? gpu_.get(norm->x, Kind::Activations).gpu : own_rounding || mode == 0 ? x.gpu : rounded(x, mode));
    if (epilogue == 0) {
        for (const MatmulOp* o : group) bindings.push_back(gpu_.get(o->out, Kind::Activations).gpu);
    } else {
        bindings.push_back(gpu_.get(epilogue == 1 ? target : group[0]->out, Kind::Activations).gpu);
    }
    // Groups of 256 / lanes rows (half as many with an activation, unless a subgroup takes a gate
    // and an up row), over at most limits_.workgroups workgroups: each rounds the whole input,
    // which a GPU does beside its memory reads but a CPU pays for.
    const size_t total = epilogue >= 2 ? rows[0] : size_t(rows[0]) + rows[1] + rows[2];
    const size_t group_rows = (256 / lanes) / (epilogue >= 2 && !subgroups ? 2 : 1);
    const size_t row_groups = (total + group_rows - 1) / group_rows;
    const uint32_t iterations = uint32_t((row_groups + limits_.workgroups - 1) / limits_.workgroups);
    const Grid grid = grid_for(row_groups, iterations);
    if (norm) bindings.push_back(gpu_.get(norm->weight, Kind::Weight).gpu);
    uint32_t eps_bits = 0;
    if (norm) std::memcpy(&eps_bits, &norm->eps, 4);
    const uint32_t params[8] = {rows[0], rows[1], rows[2], uint32_t(x.cols), grid.x, iterations, eps_bits, 0};
    chord_gpu_dispatch(pipeline, bindings.data(), uint32_t(bindings.size()), params, sizeof(params), grid.x, grid.y, 1);
    return group.size() + (epilogue == 0 ? 0 : 1);
}

// [q, k, v biases,] [q norm, k norm,] RoPE on q and k, attention → rope_store (biases, norms,
// rotation, K/V into the caches) and attention.
size_t DecodePlanner::fused_rope_store(const std::vector<Op>& ops, size_t i) {
    const auto at = [&](size_t j) { return j < ops.size() ? &ops[j] : nullptr; };
    const AddBiasOp* biases[3] = {};
    size_t n = i;  // the op after the biases
    for (const AddBiasOp*& b : biases)
        if ((b = std::get_if<AddBiasOp>(at(n)))) ++n;
    if (biases[0] && !biases[2]) return 0;  // all three or none
    const auto* q_norm = std::get_if<RmsNormHeadsOp>(at(n));
    const size_t r = q_norm ? n + 2 : n;
    const auto* k_norm = q_norm ? std::get_if<RmsNormHeadsOp>(at(n + 1)) : nullptr;
    const auto* rope_q = std::get_if<RopeOp>(at(r));  // (get_if of no op: nullptr)
    const auto* rope_k = std::get_if<RopeOp>(at(r + 1));
    const auto* att = std::get_if<AttentionOp>(at(r + 2));
    if ((q_norm && !k_norm) || !rope_q || !rope_k || !att) return 0;
    if (rope_q->x != att->q || rope_k->x != att->k || !same_rope(rope_q->params, rope_k->params)) return 0;
    if (q_norm && (q_norm->x != att->q || k_norm->x != att->k || q_norm->eps != k_norm->eps)) return 0;
    // k and v with their biases go only into the caches: nothing may read them after the attention
    const auto width = [&](const AddBiasOp* b) { return host_vectors_.at(b->bias).size(); };
    if (biases[0] && (biases[0]->x != att->q || biases[1]->x != att->k || biases[2]->x != att->v || read_later(ops, r + 3, att->k) ||
                      read_later(ops, r + 3, att->v) || width(biases[0]) != size_t(att->params.n_head) * att->params.head_dim ||
                      width(biases[1]) != size_t(att->params.n_head_kv) * att->params.head_dim || width(biases[2]) != width(biases[1])))
        return 0;
    const AttentionParams& a = att->params;
    const Buffer& k_cache = gpu_.get(att->k_cache, Kind::Cache);
    const KvCacheType type = k_cache.cache_type;
    const uint32_t hd = a.head_dim;
    if (hd > 256 || hd % 2 != 0 || (type == KvCacheType::Q8_0 && hd % 32 != 0) || rope_q->params.head_dim != hd ||
        rope_q->params.n_rot > hd)
        return 0;
    if (q_norm && (q_norm->head_dim != hd || k_norm->head_dim != hd)) return 0;

    uint32_t norms = placeholder_;
    std::vector<float> vectors;  // norm weights and biases in one buffer: the kernel has no binding to spare
    for (BufferId v : {q_norm ? q_norm->weight : kNoBuffer, q_norm ? k_norm->weight : kNoBuffer, biases[0] ? biases[0]->bias : kNoBuffer,
                       biases[1] ? biases[1]->bias : kNoBuffer, biases[2] ? biases[2]->bias : kNoBuffer}) {
        if (v == kNoBuffer) continue;
        const std::vector<float>& values = host_vectors_.at(v);
        vectors.insert(vectors.end(), values.begin(), values.end());
    }
    if (!vectors.empty()) {
        norms = new_buffer(double(vectors.size() * 4));
        chord_gpu_write(norms, 0, vectors.data(), double(vectors.size() * 4));
    }
    const std::string key = std::string("rope_store_") + kv_cache_type_name(type) + (q_norm ? "_norm" : "") + (biases[0] ? "_bias" : "");
    uint32_t pipeline = gpu_.compiled(key);
    if (!pipeline) {
        const std::string source = "const KV_TYPE: u32 = " + std::to_string(uint32_t(type)) + "u;\nconst QK_NORM: bool = " +
                                   (q_norm ? "true" : "false") + ";\nconst BIAS: bool = " + (biases[0] ? "true" : "false") + ";\n" +
                                   wgsl::numerics + wgsl::kv_cache + wgsl::rms + wgsl::rope_store;
        pipeline = gpu_.compile(key, source);
    }
    const RopeParams& rp = rope_q->params;
    struct {
        uint32_t n_head, n_head_kv, head_dim, n_rot, n_ctx, neox;
        float eps;
        uint32_t pad;
    } params{a.n_head, a.n_head_kv, hd, rp.n_rot, uint32_t(k_cache.rows), rp.neox ? 1u : 0u, q_norm ? q_norm->eps : 0.0f, 0};
    GpuContext::record(pipeline,
                       {gpu_.get(att->q, Kind::Activations).gpu, gpu_.get(att->k, Kind::Activations).gpu,
                        gpu_.get(att->v, Kind::Activations).gpu, k_cache.gpu, gpu_.get(att->v_cache, Kind::Cache).gpu, step_.position,
                        angle_table(rp), norms},
                       params, a.n_head + 2 * a.n_head_kv, 1);
    attention(*att, /*store=*/false);
    return r + 3 - i;
}

// A post-norm in place, the residual addition and the next norm (Gemma) → residual_norm: the
// norm of the block's output, added to x, and the next block's input (or, after the last layer,
// the final norm of the one row).
size_t DecodePlanner::fused_residual_norm(const std::vector<Op>& ops, size_t i) {
    const auto at = [&](size_t j) { return j < ops.size() ? &ops[j] : nullptr; };
    const auto& post = std::get<RmsNormOp>(ops[i]);
    const auto* add = std::get_if<AddOp>(at(i + 1));
    if (post.x != post.out || !add || add->y != post.x || add->x == post.x) return 0;
    const auto* next = std::get_if<RmsNormOp>(at(i + 2));
    size_t used = 3;
    BufferId out = next ? next->out : kNoBuffer;
    if (const auto* last = std::get_if<LastRowOp>(at(i + 2))) {  // one row: the final norm reads x where it is
        next = std::get_if<RmsNormOp>(at(i + 3));
        if (!next || last->src != add->x || next->x != last->dst || next->out != last->dst) return 0;
        out = last->dst;
        used = 4;
    } else if (!next || next->x != add->x || next->out == add->x) {
        return 0;
    }
    if (next->eps != post.eps) return 0;
    const Buffer& x = gpu_.get(add->x, Kind::Activations);
    const struct { uint32_t cols; float eps; uint32_t pad[2]; } params{uint32_t(x.cols), post.eps, {}};
    GpuContext::record(gpu_.pipeline("residual_norm", {wgsl::numerics, wgsl::rms, wgsl::residual_norm}),
                       {gpu_.get(post.x, Kind::Activations).gpu, gpu_.get(post.weight, Kind::Weight).gpu, x.gpu,
                        gpu_.get(next->weight, Kind::Weight).gpu, gpu_.get(out, Kind::Activations).gpu},
                       params, 1, 1);
    return used;
}

// x rounded as the CPU rounds it for the weights' mode (round_activations.wgsl, round_q8_k.wgsl),
// into the plan's buffer of that width (each product reads it right after its rounding: one serves all).
uint32_t DecodePlanner::rounded(const Buffer& x, uint32_t mode) {
    const uint32_t count = uint32_t(x.cols);
    uint32_t& out = step_.rounded[count];
    if (!out) out = new_buffer(double(count) * 4);
    if (mode == 4) {
        const uint32_t params[4] = {count, 0, 0, 0};
        const Grid blocks = grid_for(count / kQK_K, 1);
        GpuContext::record(gpu_.pipeline("round_q8_k", {wgsl::numerics, wgsl::round_q8_k}), {x.gpu, out}, params, blocks.x, blocks.y);
    } else {
        const uint32_t block = mode == 3 ? kQK : 1;
        const uint32_t params[4] = {count, mode, block, 0};
        const Grid blocks = grid_for(count / block, kGroupSize);
        GpuContext::record(gpu_.pipeline("round_activations", {wgsl::numerics, wgsl::round_activations}), {x.gpu, out}, params, blocks.x,
                           blocks.y);
    }
    return out;
}

void DecodePlanner::embed(const EmbedOp& op) {
    const Buffer& table = gpu_.get(op.table, Kind::Weight);
    for (const WeightPart& part : table.parts) {  // the part that holds the token writes its row
        const uint32_t params[4] = {uint32_t(table.cols), uint32_t(part.first_row), uint32_t(part.rows), 0};
        GpuContext::record(gpu_.weight_pipeline("embed", {wgsl::embed}, table),
                           {part.gpu, step_.token, gpu_.get(op.out, Kind::Activations).gpu}, params, 1, 1);
    }
}

void DecodePlanner::rope(const RopeOp& op) {
    const Buffer& x = gpu_.get(op.x, Kind::Activations);
    const RopeParams& p = op.params;
    const uint32_t params[8] = {1, uint32_t(x.cols), p.head_dim, p.n_rot, p.neox ? 1u : 0u, 0, 0, 0};
    const Grid grid = grid_for((x.cols / p.head_dim) * (p.n_rot / 2), kGroupSize);
    GpuContext::record(gpu_.pipeline("rope", {wgsl::rope}), {x.gpu, angle_table(p)}, params, grid.x, grid.y);
}

// The backend's attention for one token (its checks were made when the graph ran op by op).
void DecodePlanner::attention(const AttentionOp& op, bool store) {
    const AttentionParams& p = op.params;
    const Buffer& k_cache = gpu_.get(op.k_cache, Kind::Cache);
    const KvCacheType type = k_cache.cache_type;
    const size_t kv_width = size_t(p.n_head_kv) * p.head_dim;
    if (store) {
        const size_t per_row = type == KvCacheType::F32 ? kv_width : type == KvCacheType::F16 ? kv_width / 2 : kv_width / kQK;
        const uint32_t store_params[4] = {1, uint32_t(kv_width), uint32_t(k_cache.rows), 0};
        const Grid grid = grid_for(per_row, kGroupSize);
        const uint32_t pipeline = gpu_.kv_pipeline("store_kv", {wgsl::numerics, wgsl::kv_cache, wgsl::store_kv}, type);
        GpuContext::record(pipeline, {gpu_.get(op.k, Kind::Activations).gpu, step_.position, k_cache.gpu}, store_params, grid.x, grid.y);
        GpuContext::record(pipeline, {gpu_.get(op.v, Kind::Activations).gpu, step_.position, gpu_.get(op.v_cache, Kind::Cache).gpu},
                           store_params, grid.x, grid.y);
    }
    if (!step_.scores) step_.scores = new_buffer(double(p.n_head) * double(k_cache.rows) * 4);
    struct {
        uint32_t n_head, n_head_kv, head_dim, n_ctx;
        float scale, softcap;
        uint32_t window, first_token;
    } params{p.n_head, p.n_head_kv, p.head_dim, uint32_t(k_cache.rows), p.scale, p.softcap, p.window, 0};
    GpuContext::record(gpu_.kv_pipeline("attention", {wgsl::numerics, wgsl::kv_cache, wgsl::attention}, type),
                       {gpu_.get(op.q, Kind::Activations).gpu, k_cache.gpu, gpu_.get(op.v_cache, Kind::Cache).gpu, step_.position,
                        step_.scores, gpu_.get(op.out, Kind::Activations).gpu},
                       params, p.n_head, 1);
}

uint32_t DecodePlanner::angle_table(const RopeParams& rope) {
    for (size_t i = 0; i < step_.ropes.size(); ++i)
        if (same_rope(step_.ropes[i], rope)) return step_.angle_tables[i];
    step_.ropes.push_back(rope);
    step_.angle_tables.push_back(new_buffer(double(rope.n_rot / 2) * 8));
    return step_.angle_tables.back();
}

uint32_t DecodePlanner::new_buffer(double bytes) {
    step_.owned.push_back(chord_gpu_buffer(bytes));
    step_.owned_bytes += bytes;
    return step_.owned.back();
}

}  // namespace chord::webgpu
