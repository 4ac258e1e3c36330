// y[t][r] = Σ_k W[r][k] · x[t][k]: weight rows (any type of weights.wgsl, read in runs of 32)
// against a tile of up to 8 activation rows, so each weight run read serves them all. A workgroup
// of 64 threads takes 8 rows, 8 threads per row taking the row's runs in turn (rows of a few
// hundred weights keep every thread busy); their sums meet in workgroup memory. Grid: x, y cover
// the groups of rows (x + y · grid_x), z the tiles of tokens. The activations come rounded as
// the CPU rounds them for this weight type (round_activations.wgsl). Sums are double-floats
// (numerics.wgsl) across threads, and within a thread too in WIDE_SUMS pipelines (BF16 weights:
// see run_dot_wide in weight_dots.wgsl). `w` may be a part of a larger matrix (one larger than a
// binding): its rows are y's columns first_row … of out_rows.
struct Params { rows: u32, cols: u32, n: u32, grid_x: u32, out_rows: u32, first_row: u32, pad0: u32, pad1: u32 }

@group(0) @binding(0) var<storage, read> w: array<u32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

const TILE = 8u;   // tokens per workgroup
const ROWS = 8u;   // rows per workgroup
const LANES = 8u;  // threads per row (ROWS · LANES = 64); LANES = TILE: lane t writes token t
var<workgroup> partial: array<vec2f, 512>;  // 64 threads × TILE

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) lid: u32) {
    let r = (group.x + group.y * p.grid_x) * ROWS + lid / LANES;
    let lane = lid % LANES;
    let t0 = group.z * TILE;
    let valid = r < p.rows;  // no early return: every thread must reach the barriers
    var acc: array<vec2f, 8>;
    if (valid) {
        let row = r * row_bytes(p.cols);
        let tokens = min(TILE, p.n - t0);
        var run: array<f32, 32>;
        for (var c = lane; c < (p.cols + 31u) / 32u; c += LANES) {
            weight_chunk(row, c, &run);
            let width = min(32u, p.cols - c * 32u);  // float rows may end in a partial run
            for (var t = 0u; t < tokens; t++) {
                let xs = (t0 + t) * p.cols + c * 32u;
                if (WIDE_SUMS) {
                    for (var i = 0u; i < width; i++) {
                        let sum = two_sum(acc[t].x, run[i] * x[xs + i]);
                        acc[t] = vec2f(sum.x, acc[t].y + sum.y);
                    }
                } else {
                    var s = 0.0;
                    for (var i = 0u; i < width; i++) { s += run[i] * x[xs + i]; }
                    acc[t].x += s;
                }
            }
        }
    }
    for (var t = 0u; t < TILE; t++) { partial[lid * TILE + t] = acc[t]; }
    workgroupBarrier();
    for (var stride = LANES / 2u; stride > 0u; stride /= 2u) {
        if (lane < stride) {
            for (var t = 0u; t < TILE; t++) {
                partial[lid * TILE + t] = add_wide(partial[lid * TILE + t], partial[(lid + stride) * TILE + t]);
            }
        }
        workgroupBarrier();
    }
    let first = lid - lane;  // the row's lane 0 holds its sums
    if (valid && t0 + lane < p.n) {
        let sum = partial[first * TILE + lane];
        y[(t0 + lane) * p.out_rows + p.first_row + r] = sum.x + sum.y;
    }
}
