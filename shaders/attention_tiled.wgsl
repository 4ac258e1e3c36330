// A prompt's attention in tiles (attention.wgsl does one token at a time): a workgroup takes TQ
// tokens of the dispatch and one query head, and goes over the keys and values TK positions at a
// time, each tile loaded once into workgroup memory for all TQ queries rather than read by each.
// The arithmetic is attention.wgsl's for F16 and F32 caches: the query rounded to half (F16), a
// score summed over the dimensions in order, scaled (and soft-capped), the softmax with
// exp_accurate after the row's maximum, each weight rounded to half (F16), the values summed over
// the positions in order. Scores go to the same scratch rows (n_ctx floats per token and head).
// Thread lid is query qi = lid / TK of the tile and, for the scores, position kj = lid % TK of a
// key tile; for the values, dimensions kj, kj + TK, … of the head. The backend prepends KV_TYPE
// (F16 or F32) and HEAD_DIM (a multiple of TK, at most 16 · TK).
struct Params { n_head: u32, n_head_kv: u32, head_dim: u32, n_ctx: u32, scale: f32, softcap: f32, window: u32, first_token: u32,
                n: u32, pad0: u32, pad1: u32, pad2: u32 }  // n: tokens in this dispatch

@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> k_cache: array<u32>;
@group(0) @binding(2) var<storage, read> v_cache: array<u32>;
@group(0) @binding(3) var<storage, read> positions: array<i32>;
@group(0) @binding(4) var<storage, read_write> scores: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<uniform> p: Params;

const TQ = 16u;  // queries a workgroup
const TK = 16u;  // positions a tile
const DIMS = HEAD_DIM / TK;  // value dimensions a thread
var<workgroup> q_tile: array<f32, TQ * HEAD_DIM>;    // [d][qi]
var<workgroup> kv_tile: array<f32, TK * HEAD_DIM>;   // keys [d][kj], then values [kj][d]
var<workgroup> weights: array<f32, TQ * TK>;         // [qi][kj]: the tile's value weights
var<workgroup> partial: array<f32, TQ * TK>;
var<workgroup> span: array<vec2u, TQ>;               // each query's positions [first, end)
var<workgroup> key_range: vec2u;                     // the tile's: [lo, hi)

fn key_at(at: u32) -> f32 {
    if (KV_TYPE == KV_F32) { return bitcast<f32>(k_cache[at]); }
    return half_of(k_cache[at / 2u], at);
}
fn value_at(at: u32) -> f32 {
    if (KV_TYPE == KV_F32) { return bitcast<f32>(v_cache[at]); }
    return half_of(v_cache[at / 2u], at);
}

// The maximum (take_max) or the sum of the TK partial values of each query, in order.
fn reduce_query(lid: u32, v: f32, take_max: bool) -> f32 {
    partial[lid] = v;
    workgroupBarrier();
    let first = (lid / TK) * TK;
    var r = partial[first];
    for (var j = 1u; j < TK; j++) { r = select(r + partial[first + j], max(r, partial[first + j]), take_max); }
    workgroupBarrier();
    return r;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) lid: u32) {
    let h = group.x % p.n_head;
    let tile = group.x / p.n_head;
    let qi = lid / TK;
    let kj = lid % TK;
    let local = min(tile * TQ + qi, p.n - 1u);
    let i = p.first_token + local;
    let kv_width = p.n_head_kv * HEAD_DIM;
    let kv_head = h / (p.n_head / p.n_head_kv);
    let q_row = i * p.n_head * HEAD_DIM + h * HEAD_DIM;
    let row = (local * p.n_head + h) * p.n_ctx;
    let real = tile * TQ + qi < p.n;  // else a copy of the last token, with no positions (its scores are the last token's)
    if (kj == 0u) {
        let end = u32(positions[i]) + 1u;
        span[qi] = select(vec2u(0xFFFFFFFFu, 0u), vec2u(select(0u, end - p.window, p.window != 0u && end > p.window), end), real);
    }
    for (var d = kj; d < HEAD_DIM; d += TK) {
        let v = q[q_row + d];
        q_tile[d * TQ + qi] = select(round_to_half(v), v, KV_TYPE == KV_F32);
    }
    workgroupBarrier();
    if (lid == 0u) {
        var range = span[0];
        for (var j = 1u; j < TQ; j++) { range = vec2u(min(range.x, span[j].x), max(range.y, span[j].y)); }
        key_range = range;
    }
    let range = workgroupUniformLoad(&key_range);  // the loops below hold barriers: their bounds must be uniform
    let lo = range.x;
    let hi = range.y;
    let mine = span[qi];

    // Scores: thread (qi, kj) takes positions lo + kj, lo + kj + TK, … (and only it reads them back).
    var local_max = -3.0e38;
    for (var t0 = lo; t0 < hi; t0 += TK) {
        for (var e = lid; e < TK * HEAD_DIM; e += 256u) {  // key t0 + e / HEAD_DIM, dimension e % HEAD_DIM
            let t = t0 + e / HEAD_DIM;
            let d = e % HEAD_DIM;
            kv_tile[d * TK + e / HEAD_DIM] = select(0.0, key_at(t * kv_width + kv_head * HEAD_DIM + d), t < hi);
        }
        workgroupBarrier();
        let t = t0 + kj;
        if (t >= mine.x && t < mine.y) {
            var s = 0.0;
            for (var d = 0u; d < HEAD_DIM; d++) { s += q_tile[d * TQ + qi] * kv_tile[d * TK + kj]; }
            s *= p.scale;
            if (p.softcap != 0.0) { s = tanh(s * divide(1.0, p.softcap)) * p.softcap; }
            scores[row + t] = s;
            local_max = max(local_max, s);
        }
        workgroupBarrier();
    }
    let max_score = reduce_query(lid, local_max, true);
    var local_sum = 0.0;
    for (var t = lo + kj; t < hi; t += TK) {
        if (t >= mine.x && t < mine.y) {
            let e = exp_accurate(scores[row + t] - max_score);
            scores[row + t] = e;
            local_sum += e;
        }
    }
    let total = reduce_query(lid, local_sum, false);

    // Values: thread (qi, kj) sums dimensions kj, kj + TK, … over the positions in order.
    var acc: array<f32, 16>;
    for (var t0 = lo; t0 < hi; t0 += TK) {
        for (var e = lid; e < TK * HEAD_DIM; e += 256u) {  // value t0 + e / HEAD_DIM, dimension e % HEAD_DIM
            let t = t0 + e / HEAD_DIM;
            kv_tile[e] = select(0.0, value_at(t * kv_width + kv_head * HEAD_DIM + e % HEAD_DIM), t < hi);
        }
        let t = t0 + kj;
        var weight = 0.0;
        if (t >= mine.x && t < mine.y) {
            let share = divide(scores[row + t], total);
            weight = select(share, round_to_half(share), KV_TYPE == KV_F16);
        }
        weights[qi * TK + kj] = weight;
        workgroupBarrier();
        for (var j = 0u; j < TK; j++) {
            let w = weights[qi * TK + j];
            for (var m = 0u; m < DIMS; m++) { acc[m] += w * kv_tile[j * HEAD_DIM + kj + m * TK]; }
        }
        workgroupBarrier();
    }
    if (real) {
        for (var m = 0u; m < DIMS; m++) { out[q_row + kj + m * TK] = acc[m]; }
    }
}
