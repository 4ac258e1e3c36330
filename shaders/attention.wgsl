// Attention of one query head of one token over the first position + 1 cached keys, one workgroup
// per (token, head), as the CPU backend computes it for the cache's type (KV_TYPE; kv_cache.wgsl):
// the query rounded to half (F16 keys) or quantized to Q8_0 blocks (Q8_0 keys: integer dot
// products, block by block), scores scaled, softmax, each weight rounded to half (F16 values), the
// weighted sum of the values. The scores go to a scratch row of n_ctx floats per (token, head) of
// the dispatch, which takes the tokens first_token, first_token + 1, … (a prompt goes in chunks);
// the 256 threads take keys in turn, then four groups of 64 each sum a quarter of the positions
// (in order) for the value dimensions, and the four partial sums are added in group order: a GPU
// thread waits on every value it loads, so a quarter of the positions is a quarter of the wait.
// With a sliding window only the last `window` positions count; with soft-capping each score
// becomes softcap · tanh(score / softcap).
struct Params { n_head: u32, n_head_kv: u32, head_dim: u32, n_ctx: u32, scale: f32, softcap: f32, window: u32, first_token: u32 }

@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> k_cache: array<u32>;
@group(0) @binding(2) var<storage, read> v_cache: array<u32>;
@group(0) @binding(3) var<storage, read> positions: array<i32>;
@group(0) @binding(4) var<storage, read_write> scores: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<uniform> p: Params;

var<workgroup> q_half: array<f32, 256>;  // the query as the keys meet it (Q8_0: its codes)
var<workgroup> q_scale: array<f32, 8>;    // Q8_0: the query's block scales
const THREADS = 256u;
const GROUPS = 4u;  // of 64 threads, for the values
var<workgroup> partial: array<f32, 256>;
var<workgroup> value_partial: array<f32, 1024>;  // [group][dimension]

fn reduce_max(lid: u32, v: f32) -> f32 {
    partial[lid] = v;
    workgroupBarrier();
    for (var stride = THREADS / 2u; stride > 0u; stride /= 2u) {
        if (lid < stride) { partial[lid] = max(partial[lid], partial[lid + stride]); }
        workgroupBarrier();
    }
    let result = partial[0];
    workgroupBarrier();
    return result;
}

fn reduce_sum(lid: u32, v: f32) -> f32 {
    partial[lid] = v;
    workgroupBarrier();
    for (var stride = THREADS / 2u; stride > 0u; stride /= 2u) {
        if (lid < stride) { partial[lid] += partial[lid + stride]; }
        workgroupBarrier();
    }
    let result = partial[0];
    workgroupBarrier();
    return result;
}

// The key dot of the prepared query with the key starting at value `key` of the cache.
fn key_dot(key: u32) -> f32 {
    var s = 0.0;
    if (KV_TYPE == KV_F32) {
        for (var d = 0u; d < p.head_dim; d++) { s += q_half[d] * bitcast<f32>(k_cache[key + d]); }
    } else if (KV_TYPE == KV_F16) {
        // four words read before they are used: a GPU thread waits for each load it needs, so
        // the loads of a key go out together (the sum keeps its order)
        var d = 0u;
        for (; d + 8u <= p.head_dim; d += 8u) {
            let words = vec4u(k_cache[(key + d) / 2u], k_cache[(key + d) / 2u + 1u], k_cache[(key + d) / 2u + 2u],
                              k_cache[(key + d) / 2u + 3u]);
            for (var w = 0u; w < 4u; w++) {
                s += q_half[d + 2u * w] * half_of(words[w], 0u);
                s += q_half[d + 2u * w + 1u] * half_of(words[w], 1u);
            }
        }
        for (; d < p.head_dim; d += 2u) {
            let word = k_cache[(key + d) / 2u];
            s += q_half[d] * half_of(word, 0u);
            s += q_half[d + 1u] * half_of(word, 1u);
        }
    } else {
        let scales = p.n_ctx * p.n_head_kv * p.head_dim / 4u;
        for (var b = 0u; b < p.head_dim / 32u; b++) {
            let block = key / 32u + b;
            var products = 0;
            for (var w = 0u; w < 8u; w++) {
                let word = k_cache[block * 8u + w];
                for (var c = 0u; c < 4u; c++) { products += i32(q_half[b * 32u + w * 4u + c]) * code_of(word, c); }
            }
            let d = half_of(k_cache[scales + block / 2u], block);
            s += f32(products) * (d * q_scale[b]);
        }
    }
    return s;
}

// The weight of a value: its score's share of the total, rounded to half for F16 values.
fn value_weight(score: f32, total: f32) -> f32 {
    let share = divide(score, total);
    return select(share, round_to_half(share), KV_TYPE == KV_F16);
}

// Value `at` of the cache.
fn value_at(at: u32) -> f32 {
    if (KV_TYPE == KV_F32) { return bitcast<f32>(v_cache[at]); }
    if (KV_TYPE == KV_F16) { return half_of(v_cache[at / 2u], at); }
    let block = at / 32u;
    let d = half_of(v_cache[p.n_ctx * p.n_head_kv * p.head_dim / 4u + block / 2u], block);
    return d * f32(code_of(v_cache[at / 4u], at));
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) lid: u32) {
    let local = group.x / p.n_head;  // the token in this dispatch
    let i = p.first_token + local;
    let h = group.x % p.n_head;
    let hd = p.head_dim;
    let kv_width = p.n_head_kv * hd;
    let kv_head = h / (p.n_head / p.n_head_kv);
    let n_past = u32(positions[i]) + 1u;
    let first = select(0u, n_past - p.window, p.window != 0u && n_past > p.window);
    let row = (local * p.n_head + h) * p.n_ctx;
    let q_row = i * p.n_head * hd + h * hd;
    if (KV_TYPE == KV_Q8_0) {  // quantize_q8_0 (as store_kv.wgsl), a thread per block
        if (lid < hd / 32u) {
            let first = q_row + 32u * lid;
            var amax = 0.0;
            for (var k = 0u; k < 32u; k++) { amax = max(amax, abs(q[first + k])); }
            let d = divide(amax, 127.0);
            let inverse = select(0.0, divide(1.0, d), d != 0.0);
            for (var k = 0u; k < 32u; k++) { q_half[32u * lid + k] = round_half_away(q[first + k] * inverse); }
            q_scale[lid] = half_value(half_bits(min(d, 65504.0)));
        }
    } else {
        for (var d = lid; d < hd; d += THREADS) { q_half[d] = select(round_to_half(q[q_row + d]), q[q_row + d], KV_TYPE == KV_F32); }
    }
    workgroupBarrier();
    var local_max = -3.0e38;
    for (var t = first + lid; t < n_past; t += THREADS) {
        var s = key_dot(t * kv_width + kv_head * hd);
        s *= p.scale;
        if (p.softcap != 0.0) { s = tanh(s * divide(1.0, p.softcap)) * p.softcap; }
        scores[row + t] = s;
        local_max = max(local_max, s);
    }
    let max_score = reduce_max(lid, local_max);
    var local_sum = 0.0;
    for (var t = first + lid; t < n_past; t += THREADS) {
        let e = exp_accurate(scores[row + t] - max_score);
        scores[row + t] = e;
        local_sum += e;
    }
    let total = reduce_sum(lid, local_sum);
    storageBarrier();  // every thread's scores are written before any reads them all
    workgroupBarrier();
    // Value group g sums positions [begin, end), the g-th quarter, for dimensions d ≡ lid (mod 64).
    let value_group = lid / 64u;
    let quarter = (n_past - first + GROUPS - 1u) / GROUPS;
    let begin = min(first + value_group * quarter, n_past);
    let end = min(begin + quarter, n_past);
    for (var d = lid % 64u; d < hd; d += 64u) {
        var acc = 0.0;
        var t = begin;
        for (; t + 4u <= end; t += 4u) {  // four positions' loads out together, then added in order
            let s = vec4f(scores[row + t], scores[row + t + 1u], scores[row + t + 2u], scores[row + t + 3u]);
            let at = t * kv_width + kv_head * hd + d;
            let v = vec4f(value_at(at), value_at(at + kv_width), value_at(at + 2u * kv_width), value_at(at + 3u * kv_width));
            for (var k = 0u; k < 4u; k++) { acc += value_weight(s[k], total) * v[k]; }
        }
        for (; t < end; t++) { acc += value_weight(scores[row + t], total) * value_at(t * kv_width + kv_head * hd + d); }
        value_partial[value_group * 256u + d] = acc;
    }
    workgroupBarrier();
    for (var d = lid; d < hd; d += THREADS) {
        out[q_row + d] = ((value_partial[d] + value_partial[256u + d]) + value_partial[512u + d]) + value_partial[768u + d];
    }
}
