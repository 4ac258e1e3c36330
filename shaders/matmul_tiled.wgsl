// y[t][r] = Σ_k W[r][k] · x[t][k] for a prompt's tokens (x: the activations rounded as the CPU
// rounds them for this weight type, round_activations.wgsl). A workgroup computes a tile of 64
// weight rows × 64 tokens, going along the rows in runs of 32: each step dequantizes the tile's 64
// runs once into workgroup memory (four threads a run, weights.wgsl's weight_part) beside the 64
// tokens' 32 activations, then every thread multiplies its 4 rows × 4 tokens out of workgroup
// memory. Each weight is read and dequantized once per 64 tokens, not once per token.
// Grid: x, y the tiles of rows (x + y · grid_x), z the tiles of tokens × `slices`: where the tiles
// alone would leave most of the GPU idle (a short prompt, a small matrix), the columns are cut
// into that many slices, each summed into a matrix of its own in y (slice s at s · n · out_rows),
// which sum_slices.wgsl then adds in order. Rows have whole runs. `w` may be a part of a larger
// matrix (one larger than a binding): its rows are y's columns first_row … of out_rows.
struct Params { rows: u32, cols: u32, n: u32, grid_x: u32, slices: u32, out_rows: u32, first_row: u32, pad: u32 }

@group(0) @binding(0) var<storage, read> w: array<u32>;
@group(0) @binding(1) var<storage, read> x: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

const TILE = 64u;  // rows and tokens per workgroup
const RUN = 32u;   // weights per step
var<workgroup> w_tile: array<vec4f, 512>;  // [k][row / 4]: weight k of the step, 4 rows a vec4
var<workgroup> x_tile: array<vec4f, 512>;  // [k][token / 4]

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) lid: u32) {
    let row0 = (group.x + group.y * p.grid_x) * TILE;
    let t0 = (group.z / p.slices) * TILE;
    let slice = group.z % p.slices;
    let runs = p.cols / RUN;
    let per_slice = (runs + p.slices - 1u) / p.slices;
    // Loading: thread lid takes quarter `part` of the run of tile row `item`, and the same quarter
    // of token `item`'s activations (rows and tokens past the end repeat the last: never stored).
    let item = lid / 4u;
    let part = lid % 4u;
    let row = min(row0 + item, p.rows - 1u) * row_bytes(p.cols);
    let token = min(t0 + item, p.n - 1u);
    // Multiplying: rows 4·tr … 4·tr + 3 of the tile for tokens 4·tt … 4·tt + 3.
    let tr = lid % 16u;
    let tt = lid / 16u;
    var acc: array<vec4f, 4>;  // acc[j]: the 4 rows for token 4·tt + j
    for (var c = slice * per_slice; c < min(runs, (slice + 1u) * per_slice); c++) {
        let weights = weight_part(row, c, part);
        let xs = (token * p.cols + c * RUN + part * 8u) / 4u;
        let x_low = x[xs];
        let x_high = x[xs + 1u];
        for (var i = 0u; i < 8u; i++) {
            let k = part * 8u + i;
            w_tile[k * 16u + item / 4u][item % 4u] = weights[i];
            x_tile[k * 16u + item / 4u][item % 4u] = select(x_high[i % 4u], x_low[i % 4u], i < 4u);
        }
        workgroupBarrier();
        for (var k = 0u; k < RUN; k++) {
            let a = w_tile[k * 16u + tr];
            let b = x_tile[k * 16u + tt];
            acc[0] += a * b.x;
            acc[1] += a * b.y;
            acc[2] += a * b.z;
            acc[3] += a * b.w;
        }
        workgroupBarrier();
    }
    let out = slice * p.n * p.out_rows + p.first_row;
    for (var j = 0u; j < 4u; j++) {
        let t = t0 + 4u * tt + j;
        for (var i = 0u; i < 4u; i++) {
            let r = row0 + 4u * tr + i;
            if (t < p.n && r < p.rows) { y[out + t * p.out_rows + r] = acc[j][i]; }
        }
    }
}
