// Rows of keys or values into their cache positions, in the cache's type (kv_cache.wgsl's layout),
// rounded bit for bit as the CPU backend stores them (kv_cache_rows.hpp): F32 as they are, a
// thread per value; F16 to the nearest half, a thread per pair of values (one word); Q8_0 as
// quantize_q8_0 (scale amax / 127 stored as half, codes rounded half away from zero, with
// numerics.wgsl's correctly rounded division), a thread per block of 32. Two blocks share a word
// of scales, possibly in rows written by different threads: each thread clears and sets its own
// half of it atomically.
struct Params { n: u32, width: u32, n_ctx: u32, pad: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> positions: array<i32>;
@group(0) @binding(2) var<storage, read_write> cache: array<atomic<u32>>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
    let item = id.x + id.y * groups.x * 64u;
    let per_row = select(select(p.width, p.width / 2u, KV_TYPE == KV_F16), p.width / 32u, KV_TYPE == KV_Q8_0);
    if (item >= p.n * per_row) { return; }
    let i = item / per_row;
    let j = item % per_row;
    let row = u32(positions[i]);
    if (KV_TYPE == KV_F32) {
        atomicStore(&cache[row * p.width + j], bitcast<u32>(x[i * p.width + j]));
    } else if (KV_TYPE == KV_F16) {
        let at = i * p.width + 2u * j;
        atomicStore(&cache[row * per_row + j], half_bits(x[at]) | (half_bits(x[at + 1u]) << 16u));
    } else {
        let first = i * p.width + 32u * j;
        var amax = 0.0;
        for (var k = 0u; k < 32u; k++) { amax = max(amax, abs(x[first + k])); }
        let d = divide(amax, 127.0);
        let inverse = select(0.0, divide(1.0, d), d != 0.0);
        let block = row * per_row + j;  // among all the cache's blocks
        for (var w = 0u; w < 8u; w++) {
            var word = 0u;
            for (var b = 0u; b < 4u; b++) {
                let code = i32(round_half_away(x[first + 4u * w + b] * inverse));
                word |= (u32(code) & 0xFFu) << (8u * b);
            }
            atomicStore(&cache[block * 8u + w], word);
        }
        let scale_word = p.n_ctx * p.width / 4u + block / 2u;
        let shift = 16u * (block & 1u);
        atomicAnd(&cache[scale_word], ~(0xFFFFu << shift));
        atomicOr(&cache[scale_word], half_bits(min(d, 65504.0)) << shift);
    }
}
