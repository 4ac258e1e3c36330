// Float rounding as the CPU does it, bit for bit, for the kernels that round activations (the
// CPU is IEEE; WGSL's division may be 2.5 ulp off and its f32 → f16 conversion rounds as the
// implementation likes, and one quantization step off in an 8-bit activation shows in the logits).
// Addition and multiplication are correctly rounded in WGSL, which the exact products rely on.

// f32 → the nearest half (ties to even) → f32, as fp32_to_fp16 (inf beyond the half range).
fn round_to_half(v: f32) -> f32 {
    let a = abs(v);
    if (a >= 65520.0) { return bitcast<f32>((bitcast<u32>(v) & 0x80000000u) | 0x7F800000u); }  // ±inf
    if (a < 6.103515625e-05) {  // below the smallest normal half: a multiple of 2^-24
        return sign(v) * round(a * 16777216.0) * 5.9604644775390625e-08;
    }
    let bits = bitcast<u32>(a);  // keep 10 of the 23 mantissa bits, to nearest even
    return sign(v) * bitcast<f32>((bits + 0xFFFu + ((bits >> 13u) & 1u)) & 0xFFFFE000u);
}

// a · b − fl(a · b), exactly (Dekker: each factor split into two 12-bit halves).
fn split(a: f32) -> vec2f {
    let c = 4097.0 * a;
    let high = c - (c - a);
    return vec2f(high, a - high);
}
fn product_error(a: f32, b: f32, p: f32) -> f32 {
    let x = split(a);
    let y = split(b);
    return ((x.x * y.x - p) + x.x * y.y + x.y * y.x) + x.y * y.y;
}

// a − q · b, exactly when q is within a few ulp of a / b.
fn residual(a: f32, b: f32, q: f32) -> f32 {
    let p = q * b;
    return (a - p) - product_error(q, b, p);
}

// a / b correctly rounded (ties to even) for a ≥ 0, b > 0: of the quotient WGSL gives and its
// neighbours within 2 ulp, the one leaving the smallest remainder.
fn divide(a: f32, b: f32) -> f32 {
    let q0 = a / b;
    var best = q0;
    var best_r = abs(residual(a, b, q0));
    for (var k = -2; k <= 2; k++) {
        let q = bitcast<f32>(u32(i32(bitcast<u32>(q0)) + k));
        let r = abs(residual(a, b, q));
        if (r < best_r || (r == best_r && (bitcast<u32>(q) & 1u) == 0u)) {
            best = q;
            best_r = r;
        }
    }
    return best;
}

// Round half away from zero, as round_half_away in quantize.hpp.
fn round_half_away(v: f32) -> f32 {
    let t = trunc(v);
    return select(t, t + sign(v), abs(v - t) >= 0.5);
}

// √a correctly rounded, a > 0: of WGSL's root and its neighbours within 2 ulp, the one whose
// square is nearest a.
fn square_root(a: f32) -> f32 {
    let q0 = sqrt(a);
    var best = q0;
    var best_r = abs(residual(a, q0, q0));
    for (var k = -2; k <= 2; k++) {
        let q = bitcast<f32>(u32(i32(bitcast<u32>(q0)) + k));
        let r = abs(residual(a, q, q));
        if (r < best_r) {
            best = q;
            best_r = r;
        }
    }
    return best;
}

// Sums in double-float (value = x + y, |y| ≤ ulp(x) / 2), where the CPU sums in double.
fn two_sum(a: f32, b: f32) -> vec2f {
    let s = a + b;
    let bb = s - a;
    return vec2f(s, (a - (s - bb)) + (b - bb));
}
fn add_wide(a: vec2f, b: vec2f) -> vec2f {
    let s = two_sum(a.x, b.x);
    let low = s.y + a.y + b.y;
    let high = s.x + low;
    return vec2f(high, low - (high - s.x));
}

// e^x within ~0.01 ulp before its final rounding, so correctly rounded but for results that close
// to a midpoint: the CPU's expf (glibc's and musl's, 0.502 ulp) gives the same float all but
// always, where WGSL's exp may be a few ulp off (and BF16 activations turn an ulp into a step).
// x = k·ln2 + r with r as a double-float (ln2_hi has 16 significant bits: k·ln2_hi is exact);
// e^r = 1 + r + r²/2 + r³·(a short series), the first terms summed in double-float.
fn exp_accurate(x: f32) -> f32 {
    if (x > 88.72284) { return x * 3.0e38; }  // inf (a constant inf does not compile)
    if (x < -103.97208) { return 0.0; }
    let k = round(x * 1.442695);
    let ln2_lo = 1.4286068e-06;
    let a = x - k * 0.693145751953125;
    let p = k * ln2_lo;
    let r = two_sum(a, -p);
    let r_hi = r.x;
    let r_lo = r.y - product_error(k, ln2_lo, p);
    let sq = r_hi * r_hi;
    let tail = sq * r_hi * (1.0 / 6.0 + r_hi * (1.0 / 24.0 + r_hi * (1.0 / 120.0 + r_hi * (1.0 / 720.0 +
               r_hi * (1.0 / 5040.0 + r_hi * (1.0 / 40320.0 + r_hi * (1.0 / 362880.0)))))));
    let s1 = two_sum(1.0, r_hi);
    let s2 = two_sum(s1.x, 0.5 * sq);
    let low = s1.y + s2.y + 0.5 * product_error(r_hi, r_hi, sq) + tail + r_lo * (1.0 + r_hi);
    return ldexp(s2.x + low, i32(k));
}
