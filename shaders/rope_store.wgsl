// Decoding's step between the q/k/v products and attention, fused (decode_plan.hpp): one workgroup
// per head of the token — the n_head query heads, then the n_head_kv key heads, then the value heads.
// With BIAS (Qwen2) each head first gets its bias added, as add_bias does. A query or key head is normalized by its own RMS times its norm weight when QK_NORM (Qwen3, Gemma
// 3: as rms_norm.wgsl over head_dim values), then rotated (as rope.wgsl, with the CPU's table of
// cos and sin); queries go back to q, keys and values into their caches at the token's position,
// rounded as store_kv.wgsl rounds them (kv_cache.wgsl's layout, KV_TYPE).
struct Params { n_head: u32, n_head_kv: u32, head_dim: u32, n_rot: u32, n_ctx: u32, neox: u32, eps: f32, pad: u32 }

@group(0) @binding(0) var<storage, read_write> q: array<f32>;
@group(0) @binding(1) var<storage, read> k: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read_write> k_cache: array<atomic<u32>>;
@group(0) @binding(4) var<storage, read_write> v_cache: array<atomic<u32>>;
@group(0) @binding(5) var<storage, read> positions: array<i32>;
@group(0) @binding(6) var<storage, read> angles: array<vec2f>;  // (cos, sin) per pair
// QK_NORM: q's weights, then k's (head_dim each); then with BIAS q's, k's and v's biases
@group(0) @binding(7) var<storage, read> norms: array<f32>;
@group(0) @binding(8) var<uniform> p: Params;

var<workgroup> head: array<f32, 256>;

fn normalize(lid: u32, weights: u32) {
    let hd = p.head_dim;
    var sum = vec2f(0.0);
    for (var j = lid; j < hd; j += 64u) { sum = add_wide(sum, vec2f(head[j] * head[j], 0.0)); }
    let scale = inverse_rms(lid, sum, hd, p.eps);
    for (var j = lid; j < hd; j += 64u) { head[j] = head[j] * scale * norms[weights + j]; }
}

fn rotate(lid: u32) {
    let pairs = p.n_rot / 2u;
    for (var kk = lid; kk < pairs; kk += 64u) {
        let cs = angles[kk];
        let a = select(2u * kk, kk, p.neox != 0u);
        let b = select(2u * kk + 1u, kk + pairs, p.neox != 0u);
        let x0 = head[a];
        let x1 = head[b];
        head[a] = x0 * cs.x - x1 * cs.y;
        head[b] = x0 * cs.y + x1 * cs.x;
    }
}

// Stores the head as head h of the cache row at `row`, in the cache's type.
fn store(cache: ptr<storage, array<atomic<u32>>, read_write>, lid: u32, row: u32, h: u32) {
    let hd = p.head_dim;
    let width = p.n_head_kv * hd;
    if (KV_TYPE == KV_F32) {
        for (var j = lid; j < hd; j += 64u) { atomicStore(&(*cache)[row * width + h * hd + j], bitcast<u32>(head[j])); }
    } else if (KV_TYPE == KV_F16) {
        for (var j = lid; j < hd / 2u; j += 64u) {
            atomicStore(&(*cache)[(row * width + h * hd) / 2u + j], half_bits(head[2u * j]) | (half_bits(head[2u * j + 1u]) << 16u));
        }
    } else {
        for (var j = lid; j < hd / 32u; j += 64u) {
            var amax = 0.0;
            for (var kk = 0u; kk < 32u; kk++) { amax = max(amax, abs(head[32u * j + kk])); }
            let d = divide(amax, 127.0);
            let inverse = select(0.0, divide(1.0, d), d != 0.0);
            let block = (row * width + h * hd) / 32u + j;
            for (var w = 0u; w < 8u; w++) {
                var word = 0u;
                for (var b = 0u; b < 4u; b++) {
                    let code = i32(round_half_away(head[32u * j + 4u * w + b] * inverse));
                    word |= (u32(code) & 0xFFu) << (8u * b);
                }
                atomicStore(&(*cache)[block * 8u + w], word);
            }
            let scale_word = p.n_ctx * width / 4u + block / 2u;
            let shift = 16u * (block & 1u);
            atomicAnd(&(*cache)[scale_word], ~(0xFFFFu << shift));
            atomicOr(&(*cache)[scale_word], half_bits(min(d, 65504.0)) << shift);
        }
    }
}

// Value i of q, k and v as the products left them (one vector: q, then k, then v), plus its bias.
fn with_bias(value: f32, i: u32) -> f32 {
    if (BIAS) { return value + norms[select(0u, 2u * p.head_dim, QK_NORM) + i]; }
    return value;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) lid: u32) {
    let g = group.x;
    let hd = p.head_dim;
    let row = u32(positions[0]);
    if (g < p.n_head) {
        for (var j = lid; j < hd; j += 64u) { head[j] = with_bias(q[g * hd + j], g * hd + j); }
        workgroupBarrier();
        if (QK_NORM) { normalize(lid, 0u); }
        workgroupBarrier();
        rotate(lid);
        workgroupBarrier();
        for (var j = lid; j < hd; j += 64u) { q[g * hd + j] = head[j]; }
    } else if (g < p.n_head + p.n_head_kv) {
        let h = g - p.n_head;
        for (var j = lid; j < hd; j += 64u) { head[j] = with_bias(k[h * hd + j], (p.n_head + h) * hd + j); }
        workgroupBarrier();
        if (QK_NORM) { normalize(lid, hd); }
        workgroupBarrier();
        rotate(lid);
        workgroupBarrier();
        store(&k_cache, lid, row, h);
    } else {
        let h = g - p.n_head - p.n_head_kv;
        for (var j = lid; j < hd; j += 64u) { head[j] = with_bias(v[h * hd + j], (p.n_head + p.n_head_kv + h) * hd + j); }
        workgroupBarrier();
        store(&v_cache, lid, row, h);
    }
}
