// Rows of keys or values into their cache positions, rounded to half precision (as llama.cpp's
// default f16 KV cache; the cache holds the floats they round to). One thread per value.
struct Params { n: u32, width: u32, pad0: u32, pad1: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> positions: array<i32>;
@group(0) @binding(2) var<storage, read_write> cache: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
    let item = id.x + id.y * groups.x * 64u;
    if (item >= p.n * p.width) { return; }
    let i = item / p.width;
    let j = item % p.width;
    cache[u32(positions[i]) * p.width + j] = round_to_half(x[item]);
}
