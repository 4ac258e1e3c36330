// Attention of one query head of one token over the first position + 1 cached keys, one workgroup
// per (token, head), as the CPU backend computes it: the query rounded to half, scores scaled,
// softmax, each weight rounded to half, the weighted sum of the values. The scores go to a scratch
// row of n_ctx floats per (token, head); the 64 threads take keys (and then value dimensions) in turn.
struct Params { n_head: u32, n_head_kv: u32, head_dim: u32, n_ctx: u32, scale: f32, pad0: u32, pad1: u32, pad2: u32 }

@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> k_cache: array<f32>;
@group(0) @binding(2) var<storage, read> v_cache: array<f32>;
@group(0) @binding(3) var<storage, read> positions: array<i32>;
@group(0) @binding(4) var<storage, read_write> scores: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<uniform> p: Params;

var<workgroup> q_half: array<f32, 256>;
var<workgroup> partial: array<f32, 64>;

fn reduce_max(lid: u32, v: f32) -> f32 {
    partial[lid] = v;
    workgroupBarrier();
    for (var stride = 32u; stride > 0u; stride /= 2u) {
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
    for (var stride = 32u; stride > 0u; stride /= 2u) {
        if (lid < stride) { partial[lid] += partial[lid + stride]; }
        workgroupBarrier();
    }
    let result = partial[0];
    workgroupBarrier();
    return result;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) lid: u32) {
    let i = group.x / p.n_head;
    let h = group.x % p.n_head;
    let hd = p.head_dim;
    let kv_width = p.n_head_kv * hd;
    let kv_head = h / (p.n_head / p.n_head_kv);
    let n_past = u32(positions[i]) + 1u;
    let row = (i * p.n_head + h) * p.n_ctx;
    let q_row = i * p.n_head * hd + h * hd;
    for (var d = lid; d < hd; d += 64u) { q_half[d] = round_to_half(q[q_row + d]); }
    workgroupBarrier();
    var local_max = -3.0e38;
    for (var t = lid; t < n_past; t += 64u) {
        let key = t * kv_width + kv_head * hd;
        var s = 0.0;
        for (var d = 0u; d < hd; d++) { s += q_half[d] * k_cache[key + d]; }
        s *= p.scale;
        scores[row + t] = s;
        local_max = max(local_max, s);
    }
    let max_score = reduce_max(lid, local_max);
    var local_sum = 0.0;
    for (var t = lid; t < n_past; t += 64u) {
        let e = exp_accurate(scores[row + t] - max_score);
        scores[row + t] = e;
        local_sum += e;
    }
    let total = reduce_sum(lid, local_sum);
    storageBarrier();  // every thread's scores are written before any reads them all
    workgroupBarrier();
    for (var d = lid; d < hd; d += 64u) {
        var acc = 0.0;
        for (var t = 0u; t < n_past; t++) {
            let weight = round_to_half(divide(scores[row + t], total));
            acc += weight * v_cache[t * kv_width + kv_head * hd + d];
        }
        out[q_row + d] = acc;
    }
}
