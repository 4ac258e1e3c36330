// Decoding's matrix-vector products, fused (decode_plan.hpp): up to MATRICES weight matrices that
// read the same activations x (q, k and v; gate and up), each workgroup first rounding x into
// workgroup memory as the CPU rounds it for the weight type (ROUND_MODE, as round_activations.wgsl
// and round_q8_k.wgsl: 0 none, 1 half, 2 bfloat, 3 Q8_0 blocks of 32, 4 Q8_K blocks of 256), so that
// no separate rounding dispatch runs. Then the rows, as matvec.wgsl: 32 threads a row, runs of 32
// weights (weight_dots.wgsl, instantiated once per matrix with the suffix _m), double-float
// partial sums added in lane order. EPILOGUE: 0 stores each row into its matrix's output y_m, 1 adds it to y_0 (the
// residual: x += W·a), 2 and 3 take a row of matrix 0 (gate) and the same row of matrix 1 (up) and
// store silu(gate)·up (2) or gelu(gate)·up (3) into y_0.
// The backend generates the bindings (w_m, then `input`, then y_m, then p), the constants, and
// row_dot(m, r, lane) / store_row(m, r, v), which switch over the matrices.
struct Params { rows_0: u32, rows_1: u32, rows_2: u32, cols: u32, grid_x: u32, iterations: u32, pad0: u32, pad1: u32 }

const LANES = 32u;  // threads per row
var<workgroup> x: array<vec4f, X_VEC4>;
var<workgroup> partial: array<vec2f, 256>;
var<workgroup> winners: array<u32, WINNERS>;         // Q8_K: the first largest |x| of each run of 8
var<workgroup> block_scale: array<vec2f, BLOCKS_K>;  // Q8_K: (inverse, d) of each block of 256

fn x_at(i: u32) -> f32 { return x[i >> 2u][i & 3u]; }
fn input_at(i: u32) -> f32 { return input[i >> 2u][i & 3u]; }

// x = the input rounded, written once; every thread of the workgroup calls it (barriers inside
// for Q8_K only).
fn stage_rounded_input(lid: u32) {
    let cols = p.cols;
    if (ROUND_MODE == 0u) {
        for (var i = lid; i < cols / 4u; i += 256u) { x[i] = input[i]; }
    } else if (ROUND_MODE == 1u) {
        for (var i = lid; i < cols / 4u; i += 256u) {
            let v = input[i];
            x[i] = vec4f(round_to_half(v.x), round_to_half(v.y), round_to_half(v.z), round_to_half(v.w));
        }
    } else if (ROUND_MODE == 2u) {  // to nearest even, as fp32_to_bf16
        for (var i = lid; i < cols / 4u; i += 256u) {
            let bits = bitcast<vec4u>(input[i]);
            x[i] = bitcast<vec4f>((bits + 0x7FFFu + ((bits >> vec4u(16u)) & vec4u(1u))) & vec4u(0xFFFF0000u));
        }
    } else if (ROUND_MODE == 3u) {  // a thread per block of 32
        for (var b = lid; b < cols / 32u; b += 256u) {
            var amax = 0.0;
            for (var k = 0u; k < 8u; k++) {
                let v = abs(input[b * 8u + k]);
                amax = max(amax, max(max(v.x, v.y), max(v.z, v.w)));
            }
            let d = divide(amax, 127.0);
            let inverse = select(0.0, divide(1.0, d), d != 0.0);
            let d_half = round_to_half(min(d, 65504.0));
            for (var k = 0u; k < 8u; k++) {
                let v = input[b * 8u + k] * inverse;
                x[b * 8u + k] = vec4f(round_half_away(v.x), round_half_away(v.y), round_half_away(v.z), round_half_away(v.w)) * d_half;
            }
        }
    } else if (ROUND_MODE == 4u) {
        // The first value of largest magnitude of each block: per run of 8, then per block over its
        // 32 runs, both in index order (a later value wins only when strictly larger).
        for (var c = lid; c < cols / 8u; c += 256u) {
            var best = 8u * c;
            for (var k = 1u; k < 8u; k++) {
                if (abs(input_at(8u * c + k)) > abs(input_at(best))) { best = 8u * c + k; }
            }
            winners[c] = best;
        }
        workgroupBarrier();
        for (var b = lid; b < cols / 256u; b += 256u) {
            var best = winners[32u * b];
            for (var k = 1u; k < 32u; k++) {
                let other = winners[32u * b + k];
                if (abs(input_at(other)) > abs(input_at(best))) { best = other; }
            }
            let signed_max = input_at(best);
            let amax = abs(signed_max);
            var scale = vec2f(0.0);
            if (amax != 0.0) {
                let inverse = -sign(signed_max) * divide(127.0, amax);
                scale = vec2f(inverse, sign(inverse) * divide(1.0, abs(inverse)));
            }
            block_scale[b] = scale;
        }
        workgroupBarrier();
        for (var i = lid; i < cols; i += 256u) {
            let s = block_scale[i / 256u];
            x[i >> 2u][i & 3u] = select(min(127.0, round(s.x * input_at(i))) * s.y, 0.0, s.x == 0.0);
        }
    }
}

// The sum of the 32 lanes' partial sums of the row whose lane 0 is `first`, in lane order (as
// matvec.wgsl adds them): one thread adds them, after a single barrier.
fn row_sum(first: u32) -> f32 {
    var s = partial[first];
    for (var lane = 1u; lane < LANES; lane++) { s = add_wide(s, partial[first + lane]); }
    return s.x + s.y;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) lid: u32) {
    stage_rounded_input(lid);
    workgroupBarrier();
    let lane = lid % LANES;
    let slot = lid / LANES;
    // Each workgroup takes `iterations` groups of rows in turn, so that a large matrix (the
    // logits) does not round its input in thousands of workgroups.
    for (var it = 0u; it < p.iterations; it++) {
        let first = (group.x + group.y * p.grid_x) * p.iterations + it;  // this group of rows
        if (EPILOGUE >= 2u) {  // 4 rows of the activation: slots 0-3 the gate rows, 4-7 the up rows
            let r = first * 4u + slot % 4u;
            var acc = vec2f(0.0);
            if (r < p.rows_0) { acc = row_dot(slot / 4u, r, lane); }
            partial[lid] = acc;
            workgroupBarrier();
            if (r < p.rows_0 && lane == 0u && slot < 4u) {
                let gate = row_sum(lid);
                let up = row_sum(lid + 4u * LANES);
                y_0[r] = select(gelu_as_ggml(gate), silu_as_cpu(gate), EPILOGUE == 2u) * up;
            }
        } else {  // 8 rows, counted through the matrices in order
            let total = p.rows_0 + p.rows_1 + p.rows_2;
            let row = first * 8u + slot;
            var m = 0u;
            var r = row;
            if (r >= p.rows_0) { m = 1u; r -= p.rows_0; }
            if (m == 1u && r >= p.rows_1) { m = 2u; r -= p.rows_1; }
            var acc = vec2f(0.0);
            if (row < total) { acc = row_dot(m, r, lane); }
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
