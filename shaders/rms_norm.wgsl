// out[i] = x[i] / rms(x[i]) · weight, one workgroup per row, as the CPU computes it: the squares
// summed as if in double (double-float sums: the 64 threads sum in turn and meet in workgroup
// memory), the mean, root and reciprocal correctly rounded (rms.wgsl, numerics.wgsl). A row rounded to
// bfloat or 8 bits next would otherwise come out a step off here and there.
struct Params { cols: u32, eps: f32, pad0: u32, pad1: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> weight: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) lid: u32) {
    let base = group.x * p.cols;
    var sum = vec2f(0.0);
    for (var j = lid; j < p.cols; j += 64u) { sum = add_wide(sum, vec2f(x[base + j] * x[base + j], 0.0)); }
    let scale = inverse_rms(lid, sum, p.cols, p.eps);
    for (var j = lid; j < p.cols; j += 64u) { out[base + j] = x[base + j] * scale * weight[j]; }
}
