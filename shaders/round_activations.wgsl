// The activations of a product rounded as llama.cpp's CPU dot product for the weight type rounds
// them (src/cpu/activation_rounding.hpp): mode 0 none (F32), 1 half (F16), 2 bfloat (BF16), 3 Q8_0
// (blocks of 32, scale stored as half); mode 4, Q8_K (blocks of 256), is round_q8_k.wgsl. One
// thread per block of `block` values.
struct Params { count: u32, mode: u32, block: u32, pad: u32 }  // count: values in all rows

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

// (round_to_half, divide and round_half_away: numerics.wgsl)

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
    let b = id.x + id.y * groups.x * 64u;
    let first = b * p.block;
    if (first >= p.count) { return; }
    switch p.mode {
        case 1u: {
            for (var i = first; i < first + p.block; i++) { out[i] = round_to_half(x[i]); }
        }
        case 2u: {  // to nearest even, as fp32_to_bf16
            for (var i = first; i < first + p.block; i++) {
                let bits = bitcast<u32>(x[i]);
                out[i] = bitcast<f32>((bits + 0x7FFFu + ((bits >> 16u) & 1u)) & 0xFFFF0000u);
            }
        }
        case 3u: {
            var amax = 0.0;
            for (var i = first; i < first + 32u; i++) { amax = max(amax, abs(x[i])); }
            let d = divide(amax, 127.0);
            let inverse = select(0.0, divide(1.0, d), d != 0.0);
            let d_half = round_to_half(min(d, 65504.0));
            for (var i = first; i < first + 32u; i++) { out[i] = round_half_away(x[i] * inverse) * d_half; }
        }
        default: {
            for (var i = first; i < first + p.block; i++) { out[i] = x[i]; }
        }
    }
}
