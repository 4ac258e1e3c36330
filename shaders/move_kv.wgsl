// Rows [begin, end) of one layer's key or value cache taken from `old`, a buffer of the same
// layout (kv_cache.wgsl's, KV_TYPE): row r from row r before `first`, from row r + count after it.
// WebGPU copies no buffer onto itself and writes whole words only, while a Q8_0 row's scales may
// start mid-word: so a context shift (Backend::shift_cache: begin 0, end n_used - count) reads a
// copy of the cache, and writing Q8_0 rows (count 0) reads them from a buffer they were put in.
// Values move as they are. Keys (rotate) are read as floats, turned through their change of
// position with the CPU's table of cos and sin — table 0 (a turn by 0, which still applies RoPE's
// magnitude factor) before `first`, table 1 (by -count) after — and stored again as store_kv.wgsl
// stores them: the CPU backend's shift_cache, bit for bit.
// A thread per value (F32), pair of values (F16) or block of 32 (Q8_0), as store_kv.
struct Params {
    begin: u32, end: u32, first: u32, count: u32,
    width: u32, n_ctx: u32, head_dim: u32, n_rot: u32,
    neox: u32, rotate: u32, pad0: u32, pad1: u32,
}

@group(0) @binding(0) var<storage, read> old: array<u32>;
@group(0) @binding(1) var<storage, read> angles: array<vec2f>;  // [table][pair]: (cos, sin)
@group(0) @binding(2) var<storage, read_write> cache: array<atomic<u32>>;
@group(0) @binding(3) var<uniform> p: Params;

// Value j of row `row` of the old cache, exactly (halves and Q8_0's d·q are floats).
fn old_value(row: u32, j: u32) -> f32 {
    let at = row * p.width + j;
    if (KV_TYPE == KV_F32) { return bitcast<f32>(old[at]); }
    if (KV_TYPE == KV_F16) { return half_of(old[at / 2u], at); }
    let block = at / 32u;
    return half_of(old[p.n_ctx * p.width / 4u + block / 2u], block) * f32(code_of(old[at / 4u], at));
}

// Value j of the key in row `row` of the old cache, turned by angle table t: rope.wgsl's
// arithmetic on the pair it belongs to (values past n_rot of each head stay as they are).
fn turned(row: u32, j: u32, t: u32) -> f32 {
    let i = j % p.head_dim;
    if (i >= p.n_rot) { return old_value(row, j); }
    let pairs = p.n_rot / 2u;
    let neox = p.neox != 0u;
    let k = select(i / 2u, i % pairs, neox);               // the pair
    let apart = select(1u, pairs, neox);                   // its two values' distance
    let second = select((i & 1u) == 1u, i >= pairs, neox);  // j is its second value
    let a = select(j, j - apart, second);
    let x0 = old_value(row, a);
    let x1 = old_value(row, a + apart);
    let cs = angles[t * pairs + k];
    if (second) { return x0 * cs.y + x1 * cs.x; }
    return x0 * cs.x - x1 * cs.y;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
    let item = id.x + id.y * groups.x * 64u;
    let per_row = select(select(p.width, p.width / 2u, KV_TYPE == KV_F16), p.width / 32u, KV_TYPE == KV_Q8_0);
    if (item >= (p.end - p.begin) * per_row) { return; }
    let row = p.begin + item / per_row;
    let u = item % per_row;
    let table = u32(row >= p.first);
    let source = row + table * p.count;
    if (KV_TYPE != KV_Q8_0) {
        var word = old[source * per_row + u];
        if (p.rotate != 0u && KV_TYPE == KV_F32) {
            word = bitcast<u32>(turned(source, u, table));
        } else if (p.rotate != 0u) {
            word = half_bits(turned(source, 2u * u, table)) | (half_bits(turned(source, 2u * u + 1u, table)) << 16u);
        }
        atomicStore(&cache[row * per_row + u], word);
        return;
    }
    let block = row * per_row + u;  // among all the cache's blocks
    let old_block = source * per_row + u;
    var scale = (old[p.n_ctx * p.width / 4u + old_block / 2u] >> (16u * (old_block & 1u))) & 0xFFFFu;
    if (p.rotate == 0u) {
        for (var w = 0u; w < 8u; w++) { atomicStore(&cache[block * 8u + w], old[old_block * 8u + w]); }
    } else {  // quantized again as quantize_q8_0 (store_kv.wgsl)
        var values: array<f32, 32>;
        var amax = 0.0;
        for (var k = 0u; k < 32u; k++) {
            values[k] = turned(source, 32u * u + k, table);
            amax = max(amax, abs(values[k]));
        }
        let d = divide(amax, 127.0);
        let inverse = select(0.0, divide(1.0, d), d != 0.0);
        for (var w = 0u; w < 8u; w++) {
            var word = 0u;
            for (var b = 0u; b < 4u; b++) {
                let code = i32(round_half_away(values[4u * w + b] * inverse));
                word |= (u32(code) & 0xFFu) << (8u * b);
            }
            atomicStore(&cache[block * 8u + w], word);
        }
        scale = half_bits(min(d, 65504.0));
    }
    // Two blocks share a word of scales: each thread clears and sets its own half.
    let scale_word = p.n_ctx * p.width / 4u + block / 2u;
    let shift = 16u * (block & 1u);
    atomicAnd(&cache[scale_word], ~(0xFFFFu << shift));
    atomicOr(&cache[scale_word], scale << shift);
}
