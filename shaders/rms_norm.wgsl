// out[i] = x[i] / rms(x[i]) · weight, one workgroup per row: the 64 threads sum squares in turn and
// meet in workgroup memory.
struct Params { cols: u32, eps: f32, pad0: u32, pad1: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> weight: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

var<workgroup> partial: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) lid: u32) {
    let base = group.x * p.cols;
    var sum = 0.0;
    for (var j = lid; j < p.cols; j += 64u) { sum += x[base + j] * x[base + j]; }
    partial[lid] = sum;
    workgroupBarrier();
    for (var stride = 32u; stride > 0u; stride /= 2u) {
        if (lid < stride) { partial[lid] += partial[lid + stride]; }
        workgroupBarrier();
    }
    let scale = 1.0 / sqrt(partial[0] / f32(p.cols) + p.eps);
    for (var j = lid; j < p.cols; j += 64u) { out[base + j] = x[base + j] * scale * weight[j]; }
}
