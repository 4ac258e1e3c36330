// Decoding's matrix-vector products, fused (decode_plan.hpp): up to three weight matrices that
// read the same activations x (q, k and v; gate and up). x comes rounded as the CPU rounds it for
// the weight type, either by a rounding dispatch before (x is then a storage buffer) or by each
// workgroup itself (matvec_fused_rounding.wgsl, x in workgroup memory), which may first normalize
// it (NORM: the RMSNorm before the products, computed from the residual stream). Then the rows, as
// matvec.wgsl: 32 threads a row, runs of 32 weights (weight_dots.wgsl, instantiated once per
// matrix with the suffix _m), double-float partial sums added in lane order. EPILOGUE: 0 stores
// each row into its matrix's output y_m, 1 adds it to y_0 (the residual: x += W·a), 2 and 3 take a
// row of matrix 0 (gate) and the same row of matrix 1 (up) and store silu(gate)·up (2) or
// gelu(gate)·up (3) into y_0.
// The backend generates the bindings (w_m, then x or `input`, then y_m, then NORM's weights, then
// p), the constants, stage_input (rounding x, or nothing), and row_dot(m, r, lane, stride) /
// store_row(m, r, v), which switch over the matrices. matvec_fused_subgroups.wgsl replaces this
// file where the device has subgroups.
struct Params { rows_0: u32, rows_1: u32, rows_2: u32, cols: u32, grid_x: u32, iterations: u32, eps: f32, pad: u32 }  // eps: NORM

// LANES (generated): threads per row, 32 as matvec.wgsl (bit for bit its sums); 256 / LANES rows at a time.
const SLOTS = 256u / LANES;
var<workgroup> partial: array<vec2f, 256>;

// The sum of the lanes' partial sums of the row whose lane 0 is `first`, in lane order (as
// matvec.wgsl adds them): one thread adds them, after a single barrier.
fn row_sum(first: u32) -> f32 {
    var s = partial[first];
    for (var lane = 1u; lane < LANES; lane++) { s = add_wide(s, partial[first + lane]); }
    return s.x + s.y;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) lid: u32) {
    stage_input(lid);
    workgroupBarrier();
    let lane = lid % LANES;
    let slot = lid / LANES;
    // Each workgroup takes `iterations` groups of rows in turn, so that a large matrix (the
    // logits) does not round its input in thousands of workgroups.
    for (var it = 0u; it < p.iterations; it++) {
        let first = (group.x + group.y * p.grid_x) * p.iterations + it;  // this group of rows
        if (EPILOGUE >= 2u) {  // SLOTS / 2 rows of the activation: the first half of the slots the gate rows, the second the up rows
            let half = SLOTS / 2u;
            let r = first * half + slot % half;
            var acc = vec2f(0.0);
            if (r < p.rows_0) { acc = row_dot(slot / half, r, lane, LANES); }
            partial[lid] = acc;
            workgroupBarrier();
            if (r < p.rows_0 && lane == 0u && slot < half) {
                let gate = row_sum(lid);
                let up = row_sum(lid + half * LANES);
                y_0[r] = select(gelu_as_ggml(gate), silu_as_cpu(gate), EPILOGUE == 2u) * up;
            }
        } else {  // SLOTS rows, counted through the matrices in order
            let total = p.rows_0 + p.rows_1 + p.rows_2;
            let row = first * SLOTS + slot;
            var m = 0u;
            var r = row;
            if (r >= p.rows_0) { m = 1u; r -= p.rows_0; }
            if (m == 1u && r >= p.rows_1) { m = 2u; r -= p.rows_1; }
            var acc = vec2f(0.0);
            if (row < total) { acc = row_dot(m, r, lane, LANES); }
            partial[lid] = acc;
            workgroupBarrier();
            if (row < total && lane == 0u) {
                let sum = row_sum(lid);
                if (EPILOGUE == 1u) { y_0[r] = y_0[r] + sum; } else { store_row(m, r, sum); }
            }
        }
        if (p.iterations > 1u) { workgroupBarrier(); }  // partial is read above before the next group writes it
    }
}
