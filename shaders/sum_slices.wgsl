// y[i] = Σ_s parts[s · count + i], the slices in order: a prompt's product whose columns
// matmul_tiled.wgsl summed in slices, added up. Grid: x + y · grid_x covers count / 64 groups.
struct Params { count: u32, slices: u32, grid_x: u32, pad: u32 }

@group(0) @binding(0) var<storage, read> parts: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
    let i = id.x + id.y * p.grid_x * 64u;
    if (i >= p.count) { return; }
    var s = parts[i];
    for (var k = 1u; k < p.slices; k++) { s += parts[k * p.count + i]; }
    y[i] = s;
}
