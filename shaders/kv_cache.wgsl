// The KV cache's layout on the GPU, per type (KV_TYPE, prepended by the backend: the values of
// kv_cache.hpp's KvCacheType), and the exact half conversions the cache needs (WGSL's f32 → f16
// conversion rounds as the implementation likes, and GPUs may flush subnormal halves: these are
// integer arithmetic, bit for bit as fp16.hpp). Shader-f16 is not required. A cache of n_ctx rows
// of `width` values is one array of u32 words:
//   F16:  half bits, value 2j in the low half of word j, 2j + 1 in the high half;
//   Q8_0: blocks of 32 values as quantize_q8_0 makes them: first every code (int8, four to a word,
//         value 4j in the low byte of word j), n_ctx · width bytes; then every block's half scale,
//         two to a word (block 2j low, 2j + 1 high), from word n_ctx · width / 4 on;
//   F32:  float bits, a value a word.
const KV_F16: u32 = 0u;
const KV_Q8_0: u32 = 1u;
const KV_F32: u32 = 2u;

// f32 → the bits of the nearest half (ties to even), as fp32_to_fp16 (inf beyond the half range).
fn half_bits(v: f32) -> u32 {
    let bits = bitcast<u32>(v);
    let sign = (bits >> 16u) & 0x8000u;
    let a = bits & 0x7FFFFFFFu;
    if (a > 0x7F800000u) { return sign | 0x7E00u | ((a >> 13u) & 0x3FFu); }  // nan, quiet
    if (a >= 0x477FF000u) { return sign | 0x7C00u; }  // rounds to >= 65520: inf
    if (a < 0x38800000u) {  // below the smallest normal half: a multiple of 2^-24, ties to even
        return sign | u32(round(bitcast<f32>(a) * 16777216.0));
    }
    return sign | ((a + 0xFFFu + ((a >> 13u) & 1u) - 0x38000000u) >> 13u);
}

// The half with bits h (low 16 bits) as f32, exactly.
fn half_value(h: u32) -> f32 {
    let sign = (h & 0x8000u) << 16u;
    let e = (h >> 10u) & 0x1Fu;
    let m = h & 0x3FFu;
    if (e == 0u) {  // zero or subnormal: m · 2^-24
        return bitcast<f32>(sign | bitcast<u32>(f32(m) * 5.9604644775390625e-08));
    }
    if (e == 31u) { return bitcast<f32>(sign | 0x7F800000u | (m << 13u)); }
    return bitcast<f32>(sign | ((e + 112u) << 23u) | (m << 13u));
}

// The half in word `word` at half `index` % 2.
fn half_of(word: u32, index: u32) -> f32 { return half_value(word >> (16u * (index & 1u))); }

// The int8 code in word `word` at byte `index` % 4.
fn code_of(word: u32, index: u32) -> i32 { return i32(word << (24u - 8u * (index & 3u))) >> 24u; }
