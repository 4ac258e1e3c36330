// The WebGPU backend against the CPU reference kernels, on a real WebGPU implementation: built by
// Emscripten (asyncified, so that read() can wait for the GPU) and run under Node by
// webgpu_test.mjs, which gives it a device of the npm `webgpu` package (Dawn; here on SwiftShader).
// Every operation on random inputs, every 2-D tensor of each model given as a matrix product and an
// embedding, and whole forward passes (prompt, then decoding steps) compared by their logits; the
// KV cache's context shifts and saved rows, byte for byte and on whole models.
// Prints one line per check; exits 1 on any disagreement.
//
//   node webgpu_test.mjs MODEL.gguf...
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <set>
#include <string>

#include <emscripten.h>

#include "../kernel_products.hpp"
#include "chord/cpu_backend.hpp"
#include "chord/gguf_writer.hpp"
#include "chord/model.hpp"
#include "chord/webgpu_backend.hpp"
#include "../../src/webgpu/gpu_device.hpp"  // chord_gpu_subgroup_size

namespace {

using namespace chord;

// Same numbers, a different order of float sums (and GPU exp/sqrt within a few ulp).
constexpr double kTolerance = 1e-5;

bool report(const std::string& what, double difference, double tolerance) {
    const bool ok = difference < tolerance;
    std::printf("[ measured ] webgpu %s: relative RMS difference %.2e %s\n", what.c_str(), difference, ok ? "ok" : "FAILED");
    return ok;
}

std::vector<float> random_values(std::mt19937& rng, size_t n) {
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> v(n);
    for (float& x : v) x = normal(rng);
    return v;
}

std::vector<float> read_all(Backend& b, BufferId id, size_t rows, size_t cols) {
    std::vector<float> out(rows * cols);
    b.read(id, 0, rows, out.data());
    return out;
}

// Runs `op` on both backends with the same freshly written inputs; compares buffer `result`.
template <typename Op>
double compare(Backend& cpu, Backend& gpu, const Op& op) {
    const std::vector<float> a = op(cpu), b = op(gpu);
    return test::relative_rms_difference(b, a);
}

bool check_products(const GgufFile& file, const std::string& name, Backend& cpu, Backend& gpu, std::mt19937& rng) {
    double worst = 0;
    size_t products = 0;
    for (const TensorInfo& t : file.tensors()) {
        if (t.n_dims != 2) continue;
        // decoding (1: matvec), then prompts: 3 and 9 tokens, and 70, which matmul_tiled.wgsl
        // takes in two tiles of 64 tokens, the second partial (not for the largest tables: time)
        for (size_t tokens : {size_t(1), size_t(3), size_t(9), size_t(70)}) {
            if (tokens == 70 && t.shape[1] > 8192) continue;
            const std::vector<float> x = random_values(rng, tokens * size_t(t.shape[0]));
            const std::vector<float> expected = test::product(cpu, file.tensor(t), x, tokens);
            worst = std::max(worst, test::relative_rms_difference(test::product(gpu, file.tensor(t), x, tokens), expected));
            ++products;
            if (tokens == 9) {  // and with the columns summed in 3 slices (a GPU's choice for short prompts; none on SwiftShader)
                emscripten_run_script("Module.chordGpuPlanOptions = { matmulSlices: 3 }");
                worst = std::max(worst, test::relative_rms_difference(test::product(gpu, file.tensor(t), x, tokens), expected));
                emscripten_run_script("Module.chordGpuPlanOptions = undefined");
                ++products;
            }
        }
    }
    return report(name + ": " + std::to_string(products) + " matrix products", worst, kTolerance);
}

bool check_embedding(const GgufFile& file, const std::string& name, Backend& cpu, Backend& gpu) {
    const TensorInfo* table = file.find_tensor("token_embd.weight");
    const std::vector<int32_t> tokens = {0, 1, 7, int32_t(table->rows() - 1)};
    const double d = compare(cpu, gpu, [&](Backend& b) {
        const BufferId w = b.upload_weight(file.tensor(*table));
        const BufferId out = b.create_activations(tokens.size(), size_t(table->shape[0]));
        b.embed(w, tokens.data(), tokens.size(), out);
        return read_all(b, out, tokens.size(), size_t(table->shape[0]));
    });
    return report(name + ": embedding rows", d, kTolerance);
}

// Attention on one backend over caches of `type`: step() writes rows pos .. pos + count of q, k
// and v, attends them at their positions and returns the output rows.
struct AttentionRun {
    Backend& b;
    const std::vector<float>&q, &k, &v;
    AttentionParams params;
    size_t q_cols, kv_cols;
    BufferId bq, bk, bv, out, kc, vc;

    AttentionRun(Backend& backend, const std::vector<float>& q_, const std::vector<float>& k_, const std::vector<float>& v_,
                 const AttentionParams& p, size_t max_rows, size_t ctx, KvCacheType type)
        : b(backend), q(q_), k(k_), v(v_), params(p), q_cols(p.n_head * p.head_dim), kv_cols(p.n_head_kv * p.head_dim),
          bq(b.create_activations(max_rows, q_cols)), bk(b.create_activations(max_rows, kv_cols)),
          bv(b.create_activations(max_rows, kv_cols)), out(b.create_activations(max_rows, q_cols)),
          kc(b.create_cache(ctx, kv_cols, type)), vc(b.create_cache(ctx, kv_cols, type)) {}

    std::vector<float> step(size_t pos, size_t count) {
        b.write(bq, 0, count, q.data() + pos * q_cols);
        b.write(bk, 0, count, k.data() + pos * kv_cols);
        b.write(bv, 0, count, v.data() + pos * kv_cols);
        std::vector<int32_t> positions(count);
        for (size_t i = 0; i < count; ++i) positions[i] = int32_t(pos + i);
        b.attention(bq, bk, bv, kc, vc, params, positions.data(), count, out);
        return read_all(b, out, count, q_cols);
    }
};

// Attention over a cache of each type (F16, Q8_0, F32: kv_cache.wgsl against kv_cache_rows.hpp):
// 4 query heads over 2 key/value heads of 64 values, a prompt of 5 and then 6 decoding steps.
// The stored rows are compared exactly through attention over one position (its weight is 1: the
// output is the stored value row), the outputs over more positions within float rounding (the
// GPU's softmax total is a float sum, the CPU's a double one).
bool check_cache_types(std::mt19937& rng) {
    bool ok = true;
    const uint32_t head_dim = 64;
    const AttentionParams params{4, 2, head_dim, 0.125f};
    const size_t q_cols = 4 * head_dim, kv_cols = 2 * head_dim, prompt = 5, steps = 6, ctx = 16;
    std::vector<float> q = random_values(rng, (prompt + steps) * q_cols), k = random_values(rng, (prompt + steps) * kv_cols),
                       v = random_values(rng, (prompt + steps) * kv_cols);
    for (size_t i = 0; i < v.size(); i += 37) v[i] *= 1000.0f;                 // halves far from 1 too
    for (size_t i = 0; i < 32; ++i) k[kv_cols + i] = v[2 * kv_cols + i] = 0;  // all-zero Q8_0 blocks
    v[3] = 1.0f + 1.0f / 2048;                                                // a tie between two halves
    for (KvCacheType type : {KvCacheType::F16, KvCacheType::Q8_0, KvCacheType::F32}) {
        const std::string name = kv_cache_type_name(type);
        std::vector<float> first_rows[2];
        auto cpu = make_cpu_backend({1, CpuKernels::Reference});
        auto gpu = make_webgpu_backend(/*asynchronous_reads=*/false);
        const double d = compare(*cpu, *gpu, [&](Backend& b) {
            AttentionRun run(b, q, k, v, params, prompt, ctx, type);
            std::vector<float> result;
            size_t pos = 0;
            for (size_t call = 0; call <= steps; ++call) {
                const size_t n = call == 0 ? prompt : 1;
                const std::vector<float> o = run.step(pos, n);
                if (call == 0) first_rows[&b == gpu.get()].assign(o.begin(), o.begin() + q_cols);
                result.insert(result.end(), o.begin(), o.end());
                pos += n;
            }
            return result;
        });
        ok &= report("attention over a " + name + " cache (a prompt of 5, then 6 steps)", d, kTolerance);
        // Position 0 attends to itself alone: the value row as stored, bit for bit.
        const bool same = std::equal(first_rows[0].begin(), first_rows[0].end(), first_rows[1].begin(),
                                     [](float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; });
        std::printf("[ measured ] webgpu %s cache: a stored value row %s\n", name.c_str(), same ? "is the CPU's, bit for bit ok" : "DIFFERS FAILED");
        ok &= same;
    }
    return ok;
}

// The bytes of rows [0, n) of a cache (session_state.hpp's layout, the same on both backends).
std::vector<uint8_t> cache_bytes(Backend& b, BufferId cache, size_t n, KvCacheType type, size_t width) {
    std::vector<uint8_t> out(size_t(n * kv_cache_row_bytes(type, width)));
    b.read_cache_rows(cache, 0, n, out.data());
    return out;
}

bool report_same_bytes(const std::string& what, const std::vector<uint8_t>& ours, const std::vector<uint8_t>& expected) {
    size_t differing = 0;
    for (size_t i = 0; i < expected.size(); ++i) differing += ours.size() != expected.size() || ours[i] != expected[i];
    const bool ok = !expected.empty() && ours.size() == expected.size() && differing == 0;
    std::printf("[ measured ] webgpu %s: %s (%zu bytes) %s\n", what.c_str(),
                ok ? "the CPU's, bit for bit" : (std::to_string(differing) + " bytes DIFFER").c_str(), expected.size(),
                ok ? "ok" : "FAILED");
    return ok;
}

// Context shifts of a cache of each type (move_kv.wgsl against the CPU's shift_cache), with each
// RoPE pair layout — a partial rotation with YaRN, whose magnitude factor also scales the keys
// turned by 0: caches of 3 heads of 32 values (Q8_0: 3 blocks a row, so that rows' scales start
// mid-word) filled by attention with 13 positions, then 5 dropped from 4 on, then 2 from 1 on; the
// rows read back must be the CPU's, byte for byte. Then writing rows 3..7 of the CPU's bytes into
// the cache (read_cache_rows / write_cache_rows, as a saved session) leaves the others as they were,
// and a shift that does not fit is refused before it changes anything.
bool check_cache_shift(std::mt19937& rng) {
    const uint32_t head_dim = 32;
    const AttentionParams params{3, 3, head_dim, 0.125f};
    const size_t width = 3 * head_dim, ctx = 16, used = 13;
    const std::vector<float> q = random_values(rng, used * width), k = random_values(rng, used * width),
                             v = random_values(rng, used * width);
    RopeParams yarn{head_dim, head_dim / 2, 10000.0f, 0.25f, true, 1.0f, 1.2f, 1.5f, 5.5f};
    bool ok = true;
    for (KvCacheType type : {KvCacheType::F16, KvCacheType::Q8_0, KvCacheType::F32}) {
        for (const RopeParams& rope : {RopeParams{head_dim, head_dim, 10000.0f, 1.0f, false}, yarn}) {
            const std::string what = std::string("shift_cache on a ") + kv_cache_type_name(type) + " cache, " +
                                     (rope.neox ? "neox rope over half of each head, yarn" : "rope");
            auto cpu = make_cpu_backend({1, CpuKernels::Reference});
            auto gpu = make_webgpu_backend(/*asynchronous_reads=*/false);
            std::vector<uint8_t> bytes[2][3];  // [backend][after the first shift, the second, the write]
            bool refused[2] = {};
            for (Backend* b : {cpu.get(), gpu.get()}) {
                const bool on_gpu = b == gpu.get();
                AttentionRun run(*b, q, k, v, params, used, ctx, type);
                run.step(0, used);
                b->shift_cache(run.kc, run.vc, rope, used, 4, 5);
                bytes[on_gpu][0] = cache_bytes(*b, run.kc, used, type, width);
                const std::vector<uint8_t> values = cache_bytes(*b, run.vc, used, type, width);
                bytes[on_gpu][0].insert(bytes[on_gpu][0].end(), values.begin(), values.end());
                b->shift_cache(run.kc, run.vc, rope, used - 5, 1, 2);
                bytes[on_gpu][1] = cache_bytes(*b, run.kc, used, type, width);
                try {
                    b->shift_cache(run.kc, run.vc, rope, 6, 4, 3);
                } catch (const Error& e) {
                    refused[on_gpu] = e.code() == ErrorCode::InvalidArgument;
                }
                b->write_cache_rows(run.kc, 3, 5, bytes[0][0].data());  // the CPU's first 5 rows of keys
                bytes[on_gpu][2] = cache_bytes(*b, run.kc, used, type, width);
            }
            ok &= report_same_bytes(what + ": 5 of 13 positions dropped, keys and values", bytes[1][0], bytes[0][0]);
            ok &= report_same_bytes(what + ": then 2 of 8, keys", bytes[1][1], bytes[0][1]);
            ok &= report_same_bytes(what + ": 5 rows written between others", bytes[1][2], bytes[0][2]);
            std::printf("[ measured ] webgpu %s: a shift that does not fit %s\n", what.c_str(),
                        refused[1] ? "is refused (invalid_argument) ok" : "is NOT refused FAILED");
            ok &= refused[1];
        }
    }
    return ok;
}

// A prompt over a long context: the scores of 100 tokens over 65536 positions (100 MB) do not fit
// the backend's scratch, so its attention goes in chunks of tokens (64, then 36), each starting
// its scores afresh; the outputs are the CPU's.
bool check_long_context_prompt(std::mt19937& rng) {
    const uint32_t head_dim = 64;
    const AttentionParams params{4, 2, head_dim, 0.125f};
    const size_t q_cols = 4 * head_dim, kv_cols = 2 * head_dim, prompt = 100, ctx = 65536;
    const std::vector<float> q = random_values(rng, prompt * q_cols), k = random_values(rng, prompt * kv_cols),
                             v = random_values(rng, prompt * kv_cols);
    auto cpu = make_cpu_backend({1, CpuKernels::Reference});
    auto gpu = make_webgpu_backend(/*asynchronous_reads=*/false);
    return report("attention of a 100-token prompt over a context of 65536 (in chunks of tokens)", compare(*cpu, *gpu, [&](Backend& b) {
        return AttentionRun(b, q, k, v, params, prompt, ctx, KvCacheType::F16).step(0, prompt);
    }), kTolerance);
}

// RMSNorm, bias, SwiGLU, residual add, RoPE (both pair layouts), row and column copies, and
// attention over a cache filled by a 5-token prompt and then one decoding step, on random values.
bool check_operations(const GgufFile& file, Backend& cpu, Backend& gpu, std::mt19937& rng) {
    const TensorInfo* norm = file.find_tensor("blk.0.attn_norm.weight");
    const size_t cols = size_t(norm->shape[0]), n = 5;
    const std::vector<float> x = random_values(rng, n * cols), y = random_values(rng, n * cols);
    bool ok = true;
    auto with_inputs = [&](Backend& b, BufferId& bx, BufferId& by) {
        bx = b.create_activations(n, cols);
        by = b.create_activations(n, cols);
        b.write(bx, 0, n, x.data());
        b.write(by, 0, n, y.data());
    };
    ok &= report("rms_norm", compare(cpu, gpu, [&](Backend& b) {
        BufferId bx, by;
        with_inputs(b, bx, by);
        b.rms_norm(bx, b.upload_weight(file.tensor(*norm)), 1e-5f, n, by);
        return read_all(b, by, n, cols);
    }), kTolerance);
    ok &= report("add, add_bias, swiglu", compare(cpu, gpu, [&](Backend& b) {
        BufferId bx, by;
        with_inputs(b, bx, by);
        b.add(bx, by, n);
        b.add_bias(bx, b.upload_weight(file.tensor(*norm)), n);
        b.swiglu(bx, by, n);
        return read_all(b, bx, n, cols);
    }), kTolerance);
    ok &= report("copy_rows, copy_columns", compare(cpu, gpu, [&](Backend& b) {
        BufferId bx, by;
        with_inputs(b, bx, by);
        const BufferId part = b.create_activations(n, cols / 2);
        b.copy_rows(bx, 2, 3, by);
        b.copy_columns(by, cols / 4, n, part);
        std::vector<float> result = read_all(b, by, n, cols), columns = read_all(b, part, n, cols / 2);
        result.insert(result.end(), columns.begin(), columns.end());
        return result;
    }), 1e-7);
    const uint32_t head_dim = 16;
    for (bool neox : {false, true}) {
        ok &= report(std::string("rope") + (neox ? " (neox)" : ""), compare(cpu, gpu, [&](Backend& b) {
            BufferId bx, by;
            with_inputs(b, bx, by);
            const int32_t positions[n] = {0, 1, 2, 300, 4095};
            b.rope(bx, RopeParams{head_dim, head_dim, 10000.0f, 1.0f, neox}, positions, n);
            return read_all(b, bx, n, cols);
        }), kTolerance);
    }
    // Attention: 4 query heads sharing 2 key/value heads of head_dim values.
    const AttentionParams params{4, 2, head_dim, 0.25f};
    const size_t q_cols = 4 * head_dim, kv_cols = 2 * head_dim, n_ctx = 8;
    const std::vector<float> q = random_values(rng, (n + 1) * q_cols), k = random_values(rng, (n + 1) * kv_cols),
                             v = random_values(rng, (n + 1) * kv_cols);
    ok &= report("attention (prompt of 5, then a step)", compare(cpu, gpu, [&](Backend& b) {
        const BufferId bq = b.create_activations(n, q_cols), bk = b.create_activations(n, kv_cols),
                       bv = b.create_activations(n, kv_cols), out = b.create_activations(n, q_cols);
        const BufferId kc = b.create_cache(n_ctx, kv_cols, KvCacheType::F16), vc = b.create_cache(n_ctx, kv_cols, KvCacheType::F16);
        b.write(bq, 0, n, q.data());
        b.write(bk, 0, n, k.data());
        b.write(bv, 0, n, v.data());
        const int32_t prompt[n] = {0, 1, 2, 3, 4};
        b.attention(bq, bk, bv, kc, vc, params, prompt, n, out);
        std::vector<float> result = read_all(b, out, n, q_cols);
        b.write(bq, 0, 1, q.data() + n * q_cols);
        b.write(bk, 0, 1, k.data() + n * kv_cols);
        b.write(bv, 0, 1, v.data() + n * kv_cols);
        const int32_t step = int32_t(n);
        b.attention(bq, bk, bv, kc, vc, params, &step, 1, out);
        const std::vector<float> last = read_all(b, out, 1, q_cols);
        result.insert(result.end(), last.begin(), last.end());
        return result;
    }), kTolerance);
    ok &= check_cache_types(rng);
    ok &= check_long_context_prompt(rng);
    const size_t steps = 8, ctx = 64;
    const std::vector<float> q8 = random_values(rng, steps * q_cols), k8 = random_values(rng, steps * kv_cols),
                             v8 = random_values(rng, steps * kv_cols);
    ok &= report("attention (8 decoding steps, a context of 64)", compare(cpu, gpu, [&](Backend& b) {
        const BufferId bq = b.create_activations(1, q_cols), bk = b.create_activations(1, kv_cols),
                       bv = b.create_activations(1, kv_cols), out = b.create_activations(1, q_cols);
        const BufferId kc = b.create_cache(ctx, kv_cols, KvCacheType::F16), vc = b.create_cache(ctx, kv_cols, KvCacheType::F16);
        std::vector<float> result;
        for (size_t s = 0; s < steps; ++s) {
            b.write(bq, 0, 1, q8.data() + s * q_cols);
            b.write(bk, 0, 1, k8.data() + s * kv_cols);
            b.write(bv, 0, 1, v8.data() + s * kv_cols);
            const int32_t pos = int32_t(s);
            b.attention(bq, bk, bv, kc, vc, params, &pos, 1, out);
            const std::vector<float> o = read_all(b, out, 1, q_cols);
            result.insert(result.end(), o.begin(), o.end());
        }
        return result;
    }), kTolerance);
    return ok;
}


// The operations of the newer architectures on random values: per-head RMSNorm (the q/k norms of
// Qwen3 and Gemma 3), GELU-gated products, scaling and soft-capping (Gemma), RoPE with frequency
// factors (Llama 3, LongRoPE) and with YaRN, and attention with soft-capped scores over a sliding
// window, for a prompt and then decoding steps that leave the window behind.
bool check_architecture_operations(Backend& cpu, Backend& gpu, std::mt19937& rng) {
    const uint32_t head_dim = 16;
    const size_t cols = 4 * head_dim, n = 5;
    std::vector<float> norm = random_values(rng, head_dim), factors = random_values(rng, head_dim / 2);
    for (float& f : factors) f = 1.0f + 4.0f * std::fabs(f);
    GgufWriter writer;
    writer.add_tensor("norm", GgmlType::F32, {head_dim}, norm.data(), norm.size() * sizeof(float));
    writer.add_tensor("factors", GgmlType::F32, {head_dim / 2}, factors.data(), factors.size() * sizeof(float));
    const GgufFile weights = GgufFile::from_buffer(writer.to_bytes());
    std::vector<float> x = random_values(rng, n * cols), y = random_values(rng, n * cols);
    for (size_t i = 0; i < x.size(); i += 7) x[i] *= 8.0f;  // some beyond GELU's +-10 clamps
    auto inputs = [&](Backend& b) {
        const BufferId bx = b.create_activations(n, cols), by = b.create_activations(n, cols);
        b.write(bx, 0, n, x.data());
        b.write(by, 0, n, y.data());
        return std::pair{bx, by};
    };
    bool ok = report("rms_norm_heads", compare(cpu, gpu, [&](Backend& b) {
        const auto [bx, by] = inputs(b);
        b.rms_norm_heads(bx, b.upload_weight(weights.tensor("norm")), 1e-6f, head_dim, n);
        return read_all(b, bx, n, cols);
    }), kTolerance);
    ok &= report("geglu, scale, soft_cap", compare(cpu, gpu, [&](Backend& b) {
        const auto [bx, by] = inputs(b);
        b.geglu(bx, by, n);
        b.scale(bx, 3.0f, n);
        b.soft_cap(bx, 2.5f, n);
        return read_all(b, bx, n, cols);
    }), kTolerance);
    const int32_t positions[n] = {0, 1, 2, 300, 4095};
    RopeParams factored{head_dim, head_dim, 500000.0f, 1.0f, false};
    RopeParams yarn{head_dim, head_dim, 10000.0f, 0.25f, true, 1.0f, 1.2f, 1.5f, 5.5f};
    for (auto [what, params] : {std::pair{"rope with frequency factors", factored}, std::pair{"rope (yarn, neox)", yarn}})
        ok &= report(what, compare(cpu, gpu, [&, params = params](Backend& b) {
            RopeParams p = params;
            if (p.ext_factor == 0.0f) p.freq_factors = b.upload_weight(weights.tensor("factors"));
            const auto [bx, by] = inputs(b);
            b.rope(bx, p, positions, n);
            return read_all(b, bx, n, cols);
        }), kTolerance);
    AttentionParams params{4, 2, head_dim, 0.5f};
    params.softcap = 1.5f;
    params.window = 3;
    const size_t q_cols = 4 * head_dim, kv_cols = 2 * head_dim, steps = 4, total = n + steps;
    const std::vector<float> q = random_values(rng, total * q_cols), k = random_values(rng, total * kv_cols),
                             v = random_values(rng, total * kv_cols);
    ok &= report("attention (soft-capped, a window of 3: a prompt of 5, then 4 steps)", compare(cpu, gpu, [&](Backend& b) {
        AttentionRun run(b, q, k, v, params, n, 16, KvCacheType::F16);
        std::vector<float> result;
        for (size_t pos = 0; pos < total;) {
            const size_t count = pos == 0 ? n : 1;
            const std::vector<float> o = run.step(pos, count);
            result.insert(result.end(), o.begin(), o.end());
            pos += count;
        }
        return result;
    }), kTolerance);
    return ok;
}


// A prompt of 6 tokens, then 4 greedy decoding steps, on the whole model, judged as the golden
// suite judges us against llama.cpp (tests/golden_generation_test.cpp): the CPU's best token
// wherever its margin is clear, and the CPU's five best logits close. Each operation agrees to
// float rounding (above), but the GPU's exp and sums differ from the CPU's by an ulp here and
// there, and an 8-bit activation at a rounding boundary then moves by a quantization step: the
// noise the golden tolerances were measured for.
constexpr float kClearMargin = 0.05f;
constexpr float kFloatWeightTolerance = 0.02f;
constexpr float kQuantizedWeightTolerance = 0.15f;

// The GPU's logits against the CPU's over a run of steps, judged as above.
struct LogitAgreement {
    float max_diff = 0;
    bool same_choices = true;

    // Adds a step; returns the CPU's best token.
    TokenId add(const std::vector<float>& expected, const std::vector<float>& ours) {
        std::vector<size_t> order(expected.size());
        for (size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::partial_sort(order.begin(), order.begin() + 5, order.end(), [&](size_t x, size_t y) { return expected[x] > expected[y]; });
        for (size_t k = 0; k < 5; ++k) max_diff = std::max(max_diff, std::fabs(ours[order[k]] - expected[order[k]]));
        const size_t best = size_t(std::max_element(ours.begin(), ours.end()) - ours.begin());
        if (expected[order[0]] - expected[order[1]] > kClearMargin && best != order[0]) same_choices = false;
        return TokenId(order[0]);
    }
    bool ok(const Model& model) const {
        bool float_weights = true;
        for (const TensorInfo& t : model.file().tensors())
            if (t.n_dims == 2 && t.type != GgmlType::F32 && t.type != GgmlType::F16 && t.type != GgmlType::BF16) float_weights = false;
        return same_choices && max_diff <= (float_weights ? kFloatWeightTolerance : kQuantizedWeightTolerance);
    }
    std::string describe() const {
        char text[96];
        std::snprintf(text, sizeof text, "%s, max top-5 logit diff %.4f", same_choices ? "same greedy tokens" : "DIFFERENT greedy tokens",
                      double(max_diff));
        return text;
    }
};

std::unique_ptr<Model> load_model(const std::string& path, KvCacheType cache_type, uint32_t n_ctx, bool gpu) {
    ModelOptions options;
    options.n_ctx = n_ctx;
    options.kernels = CpuKernels::Reference;
    options.kv_cache_type = cache_type;
    return Model::load(path, options, gpu ? make_webgpu_backend(/*asynchronous_reads=*/false) : nullptr);
}

bool check_forward(const std::string& path, const std::string& name, KvCacheType cache_type = KvCacheType::F16) {
    auto cpu = load_model(path, cache_type, 64, false), gpu = load_model(path, cache_type, 64, true);
    std::vector<TokenId> tokens = {1, 15, 27, 3, 99, 42};
    LogitAgreement agreement;
    uint32_t n_past = 0;
    for (int step = 0; step < 5; ++step) {
        const std::vector<float> expected = cpu->forward(tokens.data(), tokens.size(), n_past);
        const std::vector<float>& ours = gpu->forward(tokens.data(), tokens.size(), n_past);
        n_past += uint32_t(tokens.size());
        tokens = {agreement.add(expected, ours)};
    }
    const bool ok = agreement.ok(*cpu);
    std::printf("[ measured ] webgpu %s (%s KV cache): forward passes (a prompt and 4 steps): %s %s\n", name.c_str(),
                kv_cache_type_name(cache_type), agreement.describe().c_str(), ok ? "ok" : "FAILED");
    return ok;
}

// A whole model three times past the end of a context of 16, shifted as Session shifts it (the
// first token kept, the older half of the rest dropped, every layer's keys turned by its own
// RoPE): both backends read the CPU's greedy tokens and shift at the same steps, and are judged as
// check_forward judges them. Then each one's cache, saved as a session saves it
// (read_cache_state), goes on the other (write_cache_state) as it would have there.
bool check_context_shift(const std::string& path, const std::string& name, KvCacheType cache_type) {
    const uint32_t n_ctx = 16, n_keep = 1;
    auto cpu = load_model(path, cache_type, n_ctx, false), gpu = load_model(path, cache_type, n_ctx, true);
    std::vector<TokenId> tokens = {1, 15, 27, 3, 99, 42};
    LogitAgreement agreement;
    uint32_t n_past = 0, shifts = 0;
    for (int step = 0; step < 3 * int(n_ctx); ++step) {
        if (n_past + tokens.size() >= n_ctx) {
            const uint32_t discard = (n_past - n_keep) / 2;
            cpu->shift_cache(n_past, n_keep, discard);
            gpu->shift_cache(n_past, n_keep, discard);
            n_past -= discard;
            ++shifts;
        }
        const std::vector<float> expected = cpu->forward(tokens.data(), tokens.size(), n_past);
        const std::vector<float>& ours = gpu->forward(tokens.data(), tokens.size(), n_past);
        n_past += uint32_t(tokens.size());
        tokens = {agreement.add(expected, ours)};
    }
    // Each backend's cache on the other: the next step's logits as the other computes them there.
    LogitAgreement resumed;
    std::vector<uint8_t> state[2];
    for (Model* m : {cpu.get(), gpu.get()}) {
        state[m == gpu.get()].resize(size_t(m->cache_state_bytes(n_past)));
        m->read_cache_state(n_past, state[m == gpu.get()].data());
    }
    auto cpu_again = load_model(path, cache_type, n_ctx, false), gpu_again = load_model(path, cache_type, n_ctx, true);
    cpu_again->write_cache_state(n_past, state[1].data());
    gpu_again->write_cache_state(n_past, state[0].data());
    resumed.add(cpu->forward(tokens.data(), 1, n_past), gpu_again->forward(tokens.data(), 1, n_past));
    resumed.add(cpu_again->forward(tokens.data(), 1, n_past), gpu->forward(tokens.data(), 1, n_past));
    const bool ok = shifts >= 3 && agreement.ok(*cpu) && resumed.ok(*cpu);
    std::printf("[ measured ] webgpu %s (%s KV cache): %u steps in a context of %u, %u shifts: %s; each backend's saved cache "
                "on the other: %s %s\n",
                name.c_str(), kv_cache_type_name(cache_type), 3 * n_ctx, n_ctx, shifts, agreement.describe().c_str(), resumed.describe().c_str(),
                ok ? "ok" : "FAILED");
    return ok;
}

// Decoding as a fused plan (src/webgpu/decode_plan.hpp) against the same backend op by op: the
// fused kernels do the same arithmetic, so a prompt and 8 decoding steps give the same logits, bit
// for bit. With subgroups the products sum a row in the subgroup's order instead: the logits stay
// within kSubgroupTolerance and the greedy tokens the same. And the plan's size: a layer takes at
// most 6 dispatches where every product fuses.
constexpr float kSubgroupTolerance = 2e-3f;
bool check_decode_plan(const std::string& path, const std::string& name, bool round_in_products, bool subgroups = false) {
    emscripten_run_script((std::string("Module.chordGpuPlanOptions = { roundInProducts: ") + (round_in_products ? "true" : "false") +
                           ", subgroups: " + (subgroups ? "true" : "false") + " }")
                              .c_str());
    if (subgroups && chord_gpu_subgroup_size() == 0) {
        std::printf("[ measured ] webgpu %s: this adapter has no subgroups: the plain kernels only\n", name.c_str());
        return true;
    }
    ModelOptions options;
    options.n_ctx = 64;
    auto fused = Model::load(path, options, make_webgpu_backend(/*asynchronous_reads=*/false));
    auto op_by_op = Model::load(path, options, make_webgpu_backend(/*asynchronous_reads=*/false, /*plan_decoding=*/false));
    std::vector<TokenId> tokens = {1, 15, 27, 3, 99, 42};
    float max_diff = 0;
    bool same_tokens = true;
    uint32_t n_past = 0;
    double fused_ms = 0, op_by_op_ms = 0;  // decoding steps after the first, which compiles pipelines
    for (int step = 0; step < 9; ++step) {
        const auto t0 = std::chrono::steady_clock::now();
        const std::vector<float> expected = op_by_op->forward(tokens.data(), tokens.size(), n_past);
        const auto t1 = std::chrono::steady_clock::now();
        const std::vector<float>& ours = fused->forward(tokens.data(), tokens.size(), n_past);
        const auto t2 = std::chrono::steady_clock::now();
        if (step > 1) {
            op_by_op_ms += std::chrono::duration<double, std::milli>(t1 - t0).count();
            fused_ms += std::chrono::duration<double, std::milli>(t2 - t1).count();
        }
        for (size_t i = 0; i < ours.size(); ++i) max_diff = std::max(max_diff, std::fabs(ours[i] - expected[i]));
        n_past += uint32_t(tokens.size());
        tokens = {TokenId(std::max_element(expected.begin(), expected.end()) - expected.begin())};
        same_tokens &= tokens[0] == TokenId(std::max_element(ours.begin(), ours.end()) - ours.begin());
    }
    const ModelConfig& c = fused->config();
    const uint32_t dispatches = fused->backend().planned_dispatches();
    // The bound holds where every product is fused: rows of whole runs of 32 (stories260K's FFN of
    // 172 is not), separate q/k/v and gate/up matrices (phi3's are one). q/k/v biases (qwen2) go
    // into rope_store.
    const GgufFile& file = fused->file();
    const bool fully_fused = file.find_tensor("blk.0.attn_qkv.weight") == nullptr && c.n_embd % 32 == 0 && c.n_ff % 32 == 0;
    // Where products round their input they normalize it too: 6 a layer (8 with Gemma's post-norms,
    // whose residual_norm feeds the FFN and the next layer), + embedding (and its scale) and logits
    // (and their soft-cap). With a rounding dispatch before each product, the norms run apart.
    const uint32_t bound = !round_in_products ? 12 * c.n_layer + 6 : c.post_norms ? 8 * c.n_layer + 4 : 6 * c.n_layer + 2;
    const bool close = subgroups ? max_diff <= kSubgroupTolerance && same_tokens : max_diff == 0;
    const bool ok = close && dispatches > 0 && (!fully_fused || dispatches <= bound);
    std::printf("[ measured ] webgpu %s: fused decoding plan (%s%s), %u dispatches a token (%.1f a layer%s), %.1f ms a token (op by op %.1f): "
                "logits %s op by op (max diff %g%s) %s\n",
                name.c_str(), round_in_products ? "products round their input" : "rounding dispatches",
                subgroups ? (", rows of " + std::to_string(chord_gpu_subgroup_size()) + "-lane subgroups").c_str() : "", dispatches,
                double(dispatches) / c.n_layer,
                fully_fused ? (", at most " + std::to_string(bound) + " allowed").c_str() : "", fused_ms / 7, op_by_op_ms / 7,
                max_diff == 0 ? "identical to" : subgroups ? "close to" : "DIFFERENT from", double(max_diff),
                subgroups ? (same_tokens ? ", same greedy tokens" : ", DIFFERENT greedy tokens") : "", ok ? "ok" : "FAILED");
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    // --models-only: the checks of each model, without the operations and cache shifts the first
    // model's run adds (a second process, beside one that runs them, takes the rest of the models).
    const bool models_only = argc > 1 && std::string(argv[1]) == "--models-only";
    const int first = models_only ? 2 : 1;
    if (argc <= first) {
        std::fprintf(stderr, "usage: node webgpu_test.mjs [--models-only] MODEL.gguf...\n");
        return 2;
    }
    if (!webgpu_available()) {
        std::printf("error: no WebGPU device\n");
        return 1;
    }
    bool ok = true;
    try {
        std::mt19937 rng(11);
        for (int i = first; i < argc; ++i) {
            const std::string path = argv[i], name = path.substr(path.find_last_of('/') + 1);
            const GgufFile file = GgufFile::open(path);
            auto cpu = make_cpu_backend({1, CpuKernels::Reference});
            auto gpu = make_webgpu_backend(/*asynchronous_reads=*/false);
            if (i == 1) {  // (never with --models-only)
                ok &= check_operations(file, *cpu, *gpu, rng);
                ok &= check_architecture_operations(*cpu, *gpu, rng);
                std::mt19937 shift_rng(13);  // its own: the checks above keep their random inputs
                ok &= check_cache_shift(shift_rng);
            }
            ok &= check_products(file, name, *cpu, *gpu, rng);
            ok &= check_embedding(file, name, *cpu, *gpu);
            ok &= check_forward(path, name);
            // A whole model's shifts on the first model of each architecture (its RoPE and layers).
            static std::set<std::string> shifted_architectures;
            const MetaValue* architecture = file.find("general.architecture");
            if (shifted_architectures.insert(architecture ? std::string(architecture->as_string()) : "").second)
                ok &= check_context_shift(path, name, KvCacheType::F16);
            ok &= check_decode_plan(path, name, /*round_in_products=*/true);
            // The other way of rounding the products' inputs on the first model of each weight type.
            static std::set<GgmlType> rounded_types;
            const TensorInfo* q = file.find_tensor("blk.0.attn_q.weight");
            if (q && rounded_types.insert(q->type).second) {
                ok &= check_decode_plan(path, name, /*round_in_products=*/false);
                ok &= check_decode_plan(path, name, /*round_in_products=*/true, /*subgroups=*/true);
            }
            // The other cache types on the first model each fits (Q8_0: heads of whole blocks).
            for (KvCacheType type : {KvCacheType::Q8_0, KvCacheType::F32}) {
                static bool done[3] = {};
                const ModelConfig c = ModelConfig::from_gguf(file);
                if (done[int(type)] || (type == KvCacheType::Q8_0 && c.head_dim % 32 != 0)) continue;
                done[int(type)] = true;
                ok &= check_forward(path, name, type);
                ok &= check_context_shift(path, name, type);
            }
        }
    } catch (const std::exception& e) {
        std::printf("error: %s\n", e.what());
        return 1;
    }
    // An asyncified main's return value is lost: exit explicitly.
    std::exit(ok ? 0 : 1);
}
