// The FFN activations as the CPU computes them, for elementwise.wgsl and matvec_fused.wgsl
// (with numerics.wgsl).

// g / (1 + e^−g), rounded as the CPU rounds it.
fn silu_as_cpu(g: f32) -> f32 {
    let d = 1.0 + exp_accurate(-g);  // inf below g ≈ −88.7, where silu is −0
    return select(sign(g) * divide(abs(g), d), -0.0, d > 3.0e38);
}

// ggml's CPU GELU (tanh form): identity above 10, zero below -10, between them the half-precision
// result of the half-precision input (its lookup table).
fn gelu_as_ggml(v: f32) -> f32 {
    if (v <= -10.0) { return 0.0; }
    if (v >= 10.0) { return v; }
    let h = round_to_half(v);
    return round_to_half(0.5 * h * (1.0 + tanh(0.79788456080286535587989211986876 * h * (1.0 + 0.044715 * h * h))));
}
