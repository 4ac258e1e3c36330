// Decoding's residual step of a model with post-norms (Gemma), fused (decode_plan.hpp), one
// workgroup for the token's row: y = rms_norm(y) · post (the block's output normalized), x += y,
// out = rms_norm(x) · next (the next block's input) — each norm as rms_norm.wgsl computes it (rms.wgsl).
struct Params { cols: u32, eps: f32, pad0: u32, pad1: u32 }

@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read> post: array<f32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;
@group(0) @binding(3) var<storage, read> next: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) lid: u32) {
    var sum = vec2f(0.0);
    for (var j = lid; j < p.cols; j += 64u) { sum = add_wide(sum, vec2f(y[j] * y[j], 0.0)); }
    let post_scale = inverse_rms(lid, sum, p.cols, p.eps);
    sum = vec2f(0.0);
    for (var j = lid; j < p.cols; j += 64u) {
        let normed = y[j] * post_scale * post[j];
        y[j] = normed;
        x[j] = x[j] + normed;
        sum = add_wide(sum, vec2f(x[j] * x[j], 0.0));
    }
    let scale = inverse_rms(lid, sum, p.cols, p.eps);
    for (var j = lid; j < p.cols; j += 64u) { out[j] = x[j] * scale * next[j]; }
}
