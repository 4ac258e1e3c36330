// y[r] = Σ_k W[r][k] · x[k] for one token (decoding): a workgroup of 256 threads takes 8 rows, 32
// threads a row, each thread a run of 32 weights at a time (weight_dots.wgsl), so that a row's
// threads read neighbouring blocks together. Partial sums meet in workgroup memory, as
// double-floats (numerics.wgsl) added in lane order, which WIDE_SUMS pipelines (BF16) also use
// within a thread. Grid: x, y cover the groups of rows (x + y · grid_x). Rows are whole runs (cols % 32 == 0); the
// activations come rounded as the CPU rounds them (round_activations.wgsl). `w` may be a part of
// a larger matrix (one larger than a binding): its rows go to y from first_row on.
struct Params { rows: u32, cols: u32, grid_x: u32, first_row: u32 }

@group(0) @binding(0) var<storage, read> w: array<u32>;
@group(0) @binding(1) var<storage, read> x: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

const ROWS = 8u;
const LANES = 32u;  // threads per row
var<workgroup> partial: array<vec2f, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) lid: u32) {
    let r = (group.x + group.y * p.grid_x) * ROWS + lid / LANES;
    let lane = lid % LANES;
    var acc = vec2f(0.0);
    if (r < p.rows) {  // no early return: every thread must reach the barriers
        let row = r * row_bytes(p.cols);
        for (var c = lane; c < p.cols / 32u; c += LANES) {
            if (WIDE_SUMS) { acc = run_dot_wide(row, c, c * 8u, acc); } else { acc.x += run_dot(row, c, c * 8u); }
        }
    }
    partial[lid] = acc;
    workgroupBarrier();
    if (r < p.rows && lane == 0u) {  // one thread adds its row's lanes in order: one barrier, not five
        var s = partial[lid];
        for (var l = 1u; l < LANES; l++) { s = add_wide(s, partial[lid + l]); }
        y[p.first_row + r] = s.x + s.y;
    }
}
