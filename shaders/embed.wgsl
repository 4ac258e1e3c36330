// out[i] = row tokens[i] of the embedding table (any type of weights.wgsl), one workgroup per
// token, its threads taking the runs of 32 in turn. `w` holds the table's rows first_row …
// first_row + rows − 1 (a table larger than a binding is in parts, one dispatch each): tokens
// outside them are another part's.
struct Params { cols: u32, first_row: u32, rows: u32, pad: u32 }

@group(0) @binding(0) var<storage, read> w: array<u32>;
@group(0) @binding(1) var<storage, read> tokens: array<i32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) lid: u32) {
    let token = u32(tokens[group.x]);
    if (token < p.first_row || token - p.first_row >= p.rows) { return; }
    let row = (token - p.first_row) * row_bytes(p.cols);
    var run: array<f32, 32>;
    for (var c = lid; c < (p.cols + 31u) / 32u; c += 64u) {
        weight_chunk(row, c, &run);
        for (var i = 0u; i < min(32u, p.cols - c * 32u); i++) { out[group.x * p.cols + c * 32u + i] = run[i]; }
    }
}
