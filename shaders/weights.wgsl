// Reading quantized weight rows: the blocks of the GGUF types, byte for byte as ggml lays them out
// (include/chord/quant_blocks.hpp), from a storage buffer of u32 words. Blocks are not word
// aligned (a Q4_0 block is 18 bytes), so bytes are read by address. The kernel that includes this
// file declares `w: array<u32>` and the constant WEIGHT_TYPE (GGUF type ids: F32 0, F16 1, Q4_0 2,
// Q8_0 8, Q4_K 12, Q6_K 14); the backend converts other types to F32 at upload.

fn byte_at(o: u32) -> u32 { return (w[o >> 2u] >> ((o & 3u) * 8u)) & 0xFFu; }
fn int8_at(o: u32) -> i32 { return (i32(byte_at(o)) << 24u) >> 24u; }
fn half_at(o: u32) -> f32 { return unpack2x16float(byte_at(o) | (byte_at(o + 1u) << 8u)).x; }

// Sub-block j of the Q4_K block at byte b: (d · scale, dmin · min), from its 6-bit scale and min.
fn q4_k_scale_and_min(b: u32, j: u32) -> vec2f {
    var scale: u32;
    var min: u32;
    if (j < 4u) {
        scale = byte_at(b + 4u + j) & 63u;
        min = byte_at(b + 8u + j) & 63u;
    } else {
        scale = (byte_at(b + 8u + j) & 15u) | ((byte_at(b + j) >> 6u) << 4u);
        min = (byte_at(b + 8u + j) >> 4u) | ((byte_at(b + 4u + j) >> 6u) << 4u);
    }
    return vec2f(half_at(b) * f32(scale), half_at(b + 2u) * f32(min));
}

// Bytes a row of `cols` weights takes.
fn row_bytes(cols: u32) -> u32 {
    switch WEIGHT_TYPE {
        case 0u: { return cols * 4u; }
        case 1u: { return cols * 2u; }
        case 2u: { return cols / 32u * 18u; }
        case 8u: { return cols / 32u * 34u; }
        case 12u: { return cols / 256u * 144u; }
        default: { return cols / 256u * 210u; }  // Q6_K
    }
}

// Weights 8·part … 8·part + 7 of run c (weights 32c … 32c + 31) of the row starting at byte `row`,
// as floats: a quarter of a run, so that a prompt's tiled product (matmul_tiled.wgsl) spreads a
// run over four threads. Quantized blocks and sub-blocks divide into runs of 32; a float row may
// end in a partial run, whose extra values the caller ignores.
fn weight_part(row: u32, c: u32, part: u32) -> array<f32, 8> {
    var out: array<f32, 8>;
    switch WEIGHT_TYPE {
        case 0u: {
            let base = row / 4u + c * 32u + part * 8u;
            for (var i = 0u; i < 8u; i++) { out[i] = bitcast<f32>(w[base + i]); }
        }
        case 1u: {
            let base = row / 4u + c * 16u + part * 4u;
            for (var i = 0u; i < 4u; i++) {
                let pair = unpack2x16float(w[base + i]);
                out[2u * i] = pair.x;
                out[2u * i + 1u] = pair.y;
            }
        }
        case 2u: {  // Q4_0: d (half), 16 bytes: weight j the low nibble of byte j, weight j + 16 its high nibble
            let b = row + c * 18u;
            let d = half_at(b);
            let bytes = b + 2u + (part % 2u) * 8u;
            let shift = (part / 2u) * 4u;
            for (var i = 0u; i < 8u; i++) { out[i] = d * f32(i32((byte_at(bytes + i) >> shift) & 15u) - 8); }
        }
        case 8u: {  // Q8_0: d (half), 32 int8
            let b = row + c * 34u;
            let d = half_at(b);
            for (var i = 0u; i < 8u; i++) { out[i] = d * f32(int8_at(b + 2u + part * 8u + i)); }
        }
        case 12u: {  // Q4_K: d, dmin (halves), 12 bytes of 6-bit scales and mins, 128 bytes of nibbles
            let b = row + (c / 8u) * 144u;
            let j = c % 8u;  // sub-block: low nibbles of bytes 32·(j/2)… for even j, high for odd
            let scaled = q4_k_scale_and_min(b, j);
            let qs = b + 16u + (j / 2u) * 32u + part * 8u;
            let shift = (j % 2u) * 4u;
            for (var i = 0u; i < 8u; i++) { out[i] = scaled.x * f32((byte_at(qs + i) >> shift) & 15u) - scaled.y; }
        }
        default: {  // Q6_K: ql[128], qh[64], int8 scales[16], d (half); 6-bit quants centred on 32
            let b = row + (c / 8u) * 210u;
            let k = c % 8u;
            let half = k / 4u;
            let quarter = k % 4u;  // 0: ql low, qh bits 0-1; 1: ql+32 low, bits 2-3; 2: ql high, 4-5; 3: ql+32 high, 6-7
            let ql = b + half * 64u + (quarter % 2u) * 32u + part * 8u;
            let qh = b + 128u + half * 32u + part * 8u;
            let low_shift = (quarter / 2u) * 4u;
            let high_shift = quarter * 2u;
            let d = half_at(b + 208u);
            // 16 weights share a scale: the part's 8 share one
            let scale = f32(int8_at(b + 192u + (half * 128u + quarter * 32u + part * 8u) / 16u));
            for (var i = 0u; i < 8u; i++) {
                let q = ((byte_at(ql + i) >> low_shift) & 15u) | (((byte_at(qh + i) >> high_shift) & 3u) << 4u);
                out[i] = d * scale * f32(i32(q) - 32);
            }
        }
    }
    return out;
}

// The whole run c, as weight_part's four quarters.
fn weight_chunk(row: u32, c: u32, out: ptr<function, array<f32, 32>>) {
    for (var part = 0u; part < 4u; part++) {
        let quarter = weight_part(row, c, part);
        for (var i = 0u; i < 8u; i++) { (*out)[part * 8u + i] = quarter[i]; }
    }
}
