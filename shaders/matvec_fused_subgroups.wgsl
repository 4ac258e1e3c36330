// matvec_fused.wgsl where the device has subgroups (the source starts with `enable subgroups;`):
// a subgroup takes a row, its lanes striding the row's runs, and subgroupAdd sums the lanes' partial
// sums, so rows need neither workgroup memory nor barriers. With SwiGLU/GeGLU (EPILOGUE 2, 3) a
// subgroup takes the gate row and the up row of one activation. The host plans ROWS = 256 / the
// adapter's largest subgroup size rows a workgroup at a time; where subgroups are smaller, the
// surplus ones idle. Same bindings, constants and generated functions as matvec_fused.wgsl; row
// sums are in the hardware's subgroup order (deterministic on a device), not matvec.wgsl's.
struct Params { rows_0: u32, rows_1: u32, rows_2: u32, cols: u32, grid_x: u32, iterations: u32, eps: f32, pad: u32 }

var<workgroup> subgroups_numbered: atomic<u32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_invocation_id) lane: u32, @builtin(subgroup_size) lanes: u32) {
    stage_input(lid);
    workgroupBarrier();
    // This subgroup's number in the workgroup (its invocations need not be consecutive ones).
    var team = 0u;
    if (subgroupElect()) { team = atomicAdd(&subgroups_numbered, 1u); }
    team = subgroupBroadcastFirst(team);
    let total = select(p.rows_0 + p.rows_1 + p.rows_2, p.rows_0, EPILOGUE >= 2u);
    for (var it = 0u; it < p.iterations; it++) {
        let row = ((group.x + group.y * p.grid_x) * p.iterations + it) * ROWS + team;
        let in_range = team < ROWS && row < total;
        if (EPILOGUE >= 2u) {
            var gate = vec2f(0.0);
            var up = vec2f(0.0);
            if (in_range) {
                gate = row_dot(0u, row, lane, lanes);
                up = row_dot(1u, row, lane, lanes);
            }
            let g = subgroupAdd(gate.x);
            let u = subgroupAdd(up.x);
            if (in_range && lane == 0u) { y_0[row] = select(gelu_as_ggml(g), silu_as_cpu(g), EPILOGUE == 2u) * u; }
        } else {
            var m = 0u;
            var r = row;
            if (r >= p.rows_0) { m = 1u; r -= p.rows_0; }
            if (m == 1u && r >= p.rows_1) { m = 2u; r -= p.rows_1; }
            var acc = vec2f(0.0);
            if (in_range) { acc = row_dot(m, r, lane, lanes); }
            let sum = subgroupAdd(acc.x);
            if (in_range && lane == 0u) {
                if (EPILOGUE == 1u) { y_0[r] = y_0[r] + sum; } else { store_row(m, r, sum); }
            }
        }
    }
}
