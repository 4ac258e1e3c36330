// Rotary position embedding in place, one thread per (token, head, pair). The cosines and sines
// come from the CPU (a table per call): GPU sin/cos lose precision on the large angles of late
// positions, and the table makes the result the CPU backend's, bit for bit.
struct Params { n: u32, cols: u32, head_dim: u32, n_rot: u32, neox: u32, pad0: u32, pad1: u32, pad2: u32 }

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read> angles: array<vec2f>;  // [token][pair]: (cos, sin)
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
    let item = id.x + id.y * groups.x * 64u;
    let pairs = p.n_rot / 2u;
    let heads = p.cols / p.head_dim;
    if (item >= p.n * heads * pairs) { return; }
    let k = item % pairs;
    let h = (item / pairs) % heads;
    let t = item / (pairs * heads);
    let cs = angles[t * pairs + k];
    let head = t * p.cols + h * p.head_dim;
    let a = head + select(2u * k, k, p.neox != 0u);
    let b = head + select(2u * k + 1u, k + pairs, p.neox != 0u);
    let x0 = x[a];
    let x1 = x[b];
    x[a] = x0 * cs.x - x1 * cs.y;
    x[b] = x0 * cs.y + x1 * cs.x;
}
