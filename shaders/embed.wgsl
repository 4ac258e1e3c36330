// out[i] = row tokens[i] of the embedding table (any type of weights.wgsl), one workgroup per
// token, its threads taking the runs of 32 in turn.
struct Params { cols: u32, pad0: u32, pad1: u32, pad2: u32 }

@group(0) @binding(0) var<storage, read> w: array<u32>;
@group(0) @binding(1) var<storage, read> tokens: array<i32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) lid: u32) {
    let row = u32(tokens[group.x]) * row_bytes(p.cols);
    var run: array<f32, 32>;
    for (var c = lid; c < (p.cols + 31u) / 32u; c += 64u) {
        weight_chunk(row, c, &run);
        for (var i = 0u; i < min(32u, p.cols - c * 32u); i++) { out[group.x * p.cols + c * 32u + i] = run[i]; }
    }
}
