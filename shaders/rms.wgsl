// The reciprocal RMS of a row as the CPU computes it, for the kernels that normalize (rms_norm,
// rope_store, residual_norm, matvec_fused; after numerics.wgsl): the first 64 threads' shares of
// the sum of squares as double-floats (`sum`; thread j adds values j, j + 64, …), met in workgroup
// memory, then the mean, root and reciprocal correctly rounded. Every thread of the workgroup
// calls it (threads past 64, as in matvec_fused's 256, with a share they do not have).
var<workgroup> rms_partial: array<vec2f, 64>;

fn inverse_rms(lid: u32, sum: vec2f, cols: u32, eps: f32) -> f32 {
    if (lid < 64u) { rms_partial[lid] = sum; }
    workgroupBarrier();
    for (var stride = 32u; stride > 0u; stride /= 2u) {
        if (lid < stride) { rms_partial[lid] = add_wide(rms_partial[lid], rms_partial[lid + stride]); }
        workgroupBarrier();
    }
    // float(Σ / cols): the quotient of the high part, corrected by what it and the low part leave.
    let total = rms_partial[0];
    let n = f32(cols);
    let q = divide(total.x, n);
    let mean = q + (residual(total.x, n, q) + total.y) / n;
    workgroupBarrier();  // rms_partial[0] is read before a next call writes it
    return divide(1.0, square_root(mean + eps));
}
