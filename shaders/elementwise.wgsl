// Element by element over `count` values: x += y (mode 0), x += bias[i mod cols] (mode 1),
// x = silu(x) · y (mode 2, SwiGLU: x the gate, y the up projection), x = gelu(x) · y (mode 3,
// GeGLU), x *= factor (mode 4), x = factor · tanh(x / factor) (mode 5, soft-capping).
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
        default: {
            let g = x[i];  // g / (1 + e^−g) as the CPU rounds it (numerics.wgsl)
            let d = 1.0 + exp_accurate(-g);  // inf below g ≈ −88.7, where silu is −0
            x[i] = select(sign(g) * divide(abs(g), d), -0.0, d > 3.0e38) * y[i];
        }
    }
}

// ggml's CPU GELU (tanh form): identity above 10, zero below -10, between them the half-precision
// result of the half-precision input (its lookup table).
fn gelu_as_ggml(v: f32) -> f32 {
    if (v <= -10.0) { return 0.0; }
    if (v >= 10.0) { return v; }
    let h = round_to_half(v);
    return round_to_half(0.5 * h * (1.0 + tanh(0.79788456080286535587989211986876 * h * (1.0 + 0.044715 * h * h))));
}
