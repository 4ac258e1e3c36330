// Dot products of one run of 32 weights (weights.wgsl's unit) with 32 activations, reading the
// blocks a u32 word at a time and multiplying four values at once: the decoding kernel's inner
// loop (matvec.wgsl), where matmul.wgsl's byte-by-byte unpacking would cost more than the memory
// traffic. The kernel declares `x: array<vec4f>` (the rounded activations); `xv` indexes it.

// The four bytes at byte address `o`, which need not be word aligned (Q4_0, Q8_0 and Q6_K blocks
// are not). select() rather than a branch: neighbouring threads read blocks of either alignment.
fn word_at(o: u32) -> u32 {
    let i = o >> 2u;
    let s = (o & 3u) * 8u;
    return select((w[i] >> s) | (w[i + 1u] << (32u - s)), w[i], s == 0u);
}

// The low nibble of each byte of `q`, as four floats.
fn low_nibbles(q: u32) -> vec4f {
    return vec4f(f32(q & 15u), f32((q >> 8u) & 15u), f32((q >> 16u) & 15u), f32((q >> 24u) & 15u));
}
fn bytes_of(q: u32) -> vec4f {
    return vec4f(f32(q & 255u), f32((q >> 8u) & 255u), f32((q >> 16u) & 255u), f32(q >> 24u));
}
fn signed_bytes_of(q: u32) -> vec4f {
    let v = bitcast<i32>(q);
    return vec4f(f32((v << 24u) >> 24u), f32((v << 16u) >> 24u), f32((v << 8u) >> 24u), f32(v >> 24u));
}

// Σ_i weight[32c + i] · x[32c + i] for the row starting at byte `row`; xv = 8c.
fn run_dot(row: u32, c: u32, xv: u32) -> f32 {
    switch WEIGHT_TYPE {
        case 0u: {
            let base = row / 4u + c * 32u;
            var s = 0.0;
            for (var i = 0u; i < 8u; i++) {
                let k = base + 4u * i;
                s += dot(bitcast<vec4f>(vec4u(w[k], w[k + 1u], w[k + 2u], w[k + 3u])), x[xv + i]);
            }
            return s;
        }
        case 1u: {
            let base = row / 4u + c * 16u;
            var s = 0.0;
            for (var i = 0u; i < 8u; i++) {
                let k = base + 2u * i;
                s += dot(vec4f(unpack2x16float(w[k]), unpack2x16float(w[k + 1u])), x[xv + i]);
            }
            return s;
        }
        case 2u: {  // Q4_0: weight j is the low nibble of byte j, weight j + 16 the high nibble
            let b = row + c * 18u;
            var s = 0.0;
            for (var i = 0u; i < 4u; i++) {
                let q = word_at(b + 2u + 4u * i);
                s += dot(low_nibbles(q) - 8.0, x[xv + i]) + dot(low_nibbles(q >> 4u) - 8.0, x[xv + 4u + i]);
            }
            return half_at(b) * s;
        }
        case 8u: {  // Q8_0
            let b = row + c * 34u;
            var s = 0.0;
            for (var i = 0u; i < 8u; i++) { s += dot(signed_bytes_of(word_at(b + 2u + 4u * i)), x[xv + i]); }
            return half_at(b) * s;
        }
        case 12u: {  // Q4_K: d · scale · q − dmin · min, so Σ = d·scale·Σ q·x − dmin·min·Σ x
            let b = row + (c / 8u) * 144u;  // word aligned: rows and blocks are multiples of 4 bytes
            let j = c % 8u;
            let qs = (b + 16u + (j / 2u) * 32u) / 4u;
            let shift = (j % 2u) * 4u;
            var sq = 0.0;
            var sx = 0.0;
            for (var i = 0u; i < 8u; i++) {
                let xs = x[xv + i];
                sq += dot(low_nibbles(w[qs + i] >> shift), xs);
                sx += xs.x + xs.y + xs.z + xs.w;
            }
            let scaled = q4_k_scale_and_min(b, j);
            return scaled.x * sq - scaled.y * sx;
        }
        default: {  // Q6_K (see weights.wgsl): two sub-block scales per run, 16 weights each
            let b = row + (c / 8u) * 210u;
            let k = c % 8u;
            let half = k / 4u;
            let quarter = k % 4u;
            let ql = b + half * 64u + (quarter % 2u) * 32u;
            let qh = b + 128u + half * 32u;
            let low_shift = (quarter / 2u) * 4u;
            let high_shift = quarter * 2u;
            var s0 = 0.0;
            var s1 = 0.0;
            for (var i = 0u; i < 8u; i++) {
                let q = ((word_at(ql + 4u * i) >> low_shift) & 0x0F0F0F0Fu) |
                        (((word_at(qh + 4u * i) >> high_shift) & 0x03030303u) << 4u);
                let part = dot(bytes_of(q) - 32.0, x[xv + i]);
                if (i < 4u) { s0 += part; } else { s1 += part; }
            }
            let scales = b + 192u + (half * 128u + quarter * 32u) / 16u;
            return half_at(b + 208u) * (f32(int8_at(scales)) * s0 + f32(int8_at(scales + 1u)) * s1);
        }
    }
}

// The same for F32-stored weights, each product added into a double-float sum (acc.x + acc.y):
// for BF16 weights (stored as F32), whose products with bfloat activations are exact, the exact
// sum, as ggml's generic BF16 dot product (summing in double) has it. (two_sum: numerics.wgsl)
fn run_dot_wide(row: u32, c: u32, xv: u32, acc: vec2f) -> vec2f {
    let base = row / 4u + c * 32u;
    var s = acc;
    for (var i = 0u; i < 8u; i++) {
        let xs = x[xv + i];
        for (var k = 0u; k < 4u; k++) {
            let t = two_sum(s.x, bitcast<f32>(w[base + 4u * i + k]) * xs[k]);
            s = vec2f(t.x, s.y + t.y);
        }
    }
    return s;
}
