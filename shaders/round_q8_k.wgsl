// round_activations.wgsl's mode 4 (Q8_K: blocks of 256 values, as llama.cpp's quantize_row_q8_K
// rounds them) with a workgroup per block: one thread a block had to read its 256 values twice in
// a row, and a decoding step's few blocks left the GPU idle. The scale comes from the value of
// largest magnitude, the first one on ties, as the CPU's loop finds it.
struct Params { count: u32, pad0: u32, pad1: u32, pad2: u32 }  // count: values in all rows

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

// (divide: numerics.wgsl)

var<workgroup> largest: array<u32, 64>;  // each thread's index of the largest |x| so far

// Whether x[a] wins over x[b]: larger in magnitude, or as large and earlier.
fn wins(a: u32, b: u32) -> bool {
    return abs(x[a]) > abs(x[b]) || (abs(x[a]) == abs(x[b]) && a < b);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(num_workgroups) groups: vec3u,
        @builtin(local_invocation_index) lid: u32) {
    let first = (group.x + group.y * groups.x) * 256u;
    if (first >= p.count) { return; }  // the same for the whole workgroup
    var best = first + lid;
    for (var k = 1u; k < 4u; k++) {
        if (wins(first + lid + 64u * k, best)) { best = first + lid + 64u * k; }
    }
    largest[lid] = best;
    workgroupBarrier();
    for (var stride = 32u; stride > 0u; stride /= 2u) {
        if (lid < stride && wins(largest[lid + stride], largest[lid])) { largest[lid] = largest[lid + stride]; }
        workgroupBarrier();
    }
    let signed_max = x[largest[0]];
    let amax = abs(signed_max);
    for (var k = 0u; k < 4u; k++) {
        let i = first + lid + 64u * k;
        if (amax == 0.0) {
            out[i] = 0.0;
        } else {
            let inverse = -sign(signed_max) * divide(127.0, amax);
            let d = sign(inverse) * divide(1.0, abs(inverse));
            out[i] = min(127.0, round(inverse * x[i])) * d;
        }
    }
}
