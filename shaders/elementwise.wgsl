// Element by element over `count` values: x += y (mode 0), x += bias[i mod cols] (mode 1),
// x = silu(x) · y (mode 2, SwiGLU: x the gate, y the up projection), x = gelu(x) · y (mode 3,
// GeGLU; activations.wgsl), x *= factor (mode 4), x = factor · tanh(x / factor) (mode 5, soft-capping).
struct Params { count: u32, cols: u32, mode: u32, factor: f32 }

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
    let i = id.x + id.y * groups.x * 64u;
    if (i >= p.count) { return; }
    switch p.mode {
        case 0u: { x[i] += y[i]; }
        case 1u: { x[i] += y[i % p.cols]; }
        case 3u: { x[i] = gelu_as_ggml(x[i]) * y[i]; }
        case 4u: { x[i] *= p.factor; }
        case 5u: { x[i] = tanh(x[i] * divide(1.0, p.factor)) * p.factor; }
        default: { x[i] = silu_as_cpu(x[i]) * y[i]; }
    }
}
