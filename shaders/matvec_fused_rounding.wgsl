// The fused products' own rounding of their input (matvec_fused.wgsl), where each workgroup rounds
// it into workgroup memory as the CPU rounds it for the weight type (ROUND_MODE, as
// round_activations.wgsl and round_q8_k.wgsl: 0 none, 1 half, 2 bfloat, 3 Q8_0 blocks of 32, 4 Q8_K
// blocks of 256), so that no rounding dispatch runs: a GPU pays for it in ALU beside its memory
// reads, every workgroup again.
var<workgroup> x: array<vec4f, X_VEC4>;
var<workgroup> winners: array<u32, WINNERS>;         // Q8_K: the first largest |x| of each run of 8
var<workgroup> block_scale: array<vec2f, BLOCKS_K>;  // Q8_K: (inverse, d) of each block of 256

// With NORM the input is the residual stream, which the workgroup first normalizes as rms_norm.wgsl
// does (the same sums in the same order, rms.wgsl: bit for bit its output) with the weights
// norm_weight(i) of values 4i … 4i + 3: no rms_norm dispatch runs before the product. The raw
// input is copied into x first (all threads, wide loads), so that the 64 sums of squares, whose
// order rms.wgsl fixes, read workgroup memory; each rounding below then reads x[i] before it
// writes x[i] (a thread rounds only values it read itself).
var<private> norm_scale: f32;

// Values 4i … 4i + 3 of the product's input.
fn input_vec(i: u32) -> vec4f {
    if (NORM) { return x[i] * norm_scale * norm_weight(i); }
    return input[i];
}
fn input_at(i: u32) -> f32 {  // one value: Q8_K's threads read values of others' vectors
    if (NORM) { return x[i >> 2u][i & 3u] * norm_scale * norm_weight(i >> 2u)[i & 3u]; }
    return input[i >> 2u][i & 3u];
}

// x = the input rounded, written once; every thread of the workgroup calls it (barriers inside
// for NORM and Q8_K).
fn stage_input(lid: u32) {
    let cols = p.cols;
    if (NORM) {
        for (var i = lid; i < cols / 4u; i += 256u) { x[i] = input[i]; }
        workgroupBarrier();
        var sum = vec2f(0.0);
        if (lid < 64u) {
            for (var j = lid; j < cols; j += 64u) {
                let v = x[j >> 2u][j & 3u];
                sum = add_wide(sum, vec2f(v * v, 0.0));
            }
        }
        norm_scale = inverse_rms(lid, sum, cols, p.eps);
    }
    if (ROUND_MODE == 0u) {
        for (var i = lid; i < cols / 4u; i += 256u) { x[i] = input_vec(i); }
    } else if (ROUND_MODE == 1u) {
        for (var i = lid; i < cols / 4u; i += 256u) {
            let v = input_vec(i);
            x[i] = vec4f(round_to_half(v.x), round_to_half(v.y), round_to_half(v.z), round_to_half(v.w));
        }
    } else if (ROUND_MODE == 2u) {  // to nearest even, as fp32_to_bf16
        for (var i = lid; i < cols / 4u; i += 256u) {
            let bits = bitcast<vec4u>(input_vec(i));
            x[i] = bitcast<vec4f>((bits + 0x7FFFu + ((bits >> vec4u(16u)) & vec4u(1u))) & vec4u(0xFFFF0000u));
        }
    } else if (ROUND_MODE == 3u) {  // a thread per block of 32
        for (var b = lid; b < cols / 32u; b += 256u) {
            var amax = 0.0;
            for (var k = 0u; k < 8u; k++) {
                let v = abs(input_vec(b * 8u + k));
                amax = max(amax, max(max(v.x, v.y), max(v.z, v.w)));
            }
            let d = divide(amax, 127.0);
            let inverse = select(0.0, divide(1.0, d), d != 0.0);
            let d_half = round_to_half(min(d, 65504.0));
            for (var k = 0u; k < 8u; k++) {
                let v = input_vec(b * 8u + k) * inverse;
                x[b * 8u + k] = vec4f(round_half_away(v.x), round_half_away(v.y), round_half_away(v.z), round_half_away(v.w)) * d_half;
            }
        }
    } else if (ROUND_MODE == 4u) {
        // The first value of largest magnitude of each block: per run of 8, then per block over its
        // 32 runs, both in index order (a later value wins only when strictly larger).
        for (var c = lid; c < cols / 8u; c += 256u) {
            var best = 8u * c;
            for (var k = 1u; k < 8u; k++) {
                if (abs(input_at(8u * c + k)) > abs(input_at(best))) { best = 8u * c + k; }
            }
            winners[c] = best;
        }
        workgroupBarrier();
        for (var b = lid; b < cols / 256u; b += 256u) {
            var best = winners[32u * b];
            for (var k = 1u; k < 32u; k++) {
                let other = winners[32u * b + k];
                if (abs(input_at(other)) > abs(input_at(best))) { best = other; }
            }
            let signed_max = input_at(best);
            let amax = abs(signed_max);
            var scale = vec2f(0.0);
            if (amax != 0.0) {
                let inverse = -sign(signed_max) * divide(127.0, amax);
                scale = vec2f(inverse, sign(inverse) * divide(1.0, abs(inverse)));
            }
            block_scale[b] = scale;
        }
        workgroupBarrier();
        for (var i = lid; i < cols; i += 256u) {
            let s = block_scale[i / 256u];
            x[i >> 2u][i & 3u] = select(min(127.0, round(s.x * input_at(i))) * s.y, 0.0, s.x == 0.0);
        }
    }
}

