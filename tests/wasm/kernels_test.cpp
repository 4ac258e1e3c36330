// The wasm build's fast CPU kernels (SIMD128 tiles, two-row tiles, decoding straight from the
// blocks) against the reference kernels, compiled by Emscripten and run under Node, since the
// native test binary never executes them. Every 2-D tensor of every quantized shared model, random
// activations, 1 to 9 tokens. Prints one line per model; exits 1 on any disagreement.
//
//   node --no-experimental-fetch chord_wasm_kernels_test.js SHARED_DIR
#include <cmath>
#include <cstdio>
#include <random>
#include <string>

#include "chord/cpu_backend.hpp"
#include "chord/gguf.hpp"
#include "../kernel_products.hpp"

namespace {

using namespace chord;

// Same integer sums, different float order: far below any logit tolerance.
constexpr double kTolerance = 2e-6;


bool check_model(const std::string& path) {
    const GgufFile file = GgufFile::open(path);
    auto reference = make_cpu_backend({1, CpuKernels::Reference});
    auto fast = make_cpu_backend({1, CpuKernels::Fast});
    std::mt19937 rng(5);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    double worst = 0;
    size_t products = 0;
    for (const TensorInfo& t : file.tensors()) {
        if (t.n_dims != 2) continue;
        for (size_t tokens : {size_t(1), size_t(2), size_t(4), size_t(5), size_t(9)}) {
            std::vector<float> x(tokens * size_t(t.shape[0]));
            for (float& v : x) v = normal(rng);
            worst = std::max(worst, test::relative_rms_difference(test::product(*fast, file.tensor(t), x, tokens),
                                                            test::product(*reference, file.tensor(t), x, tokens)));
            ++products;
        }
    }
    const bool ok = products > 0 && worst < kTolerance;
    std::printf("[ measured ] wasm kernels %s: %zu products, worst relative RMS difference %.2e %s\n", path.c_str(),
                products, worst, ok ? "ok" : "FAILED");
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: chord_wasm_kernels_test SHARED_DIR\n");
        return 2;
    }
    const std::string models = std::string(argv[1]) + "/models/";
    bool ok = true;
    try {
        for (const char* type : {"q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "q2_k", "q3_k", "q4_k", "q5_k", "q6_k"})
            ok &= check_model(models + "synth-llama-" + type + ".gguf");
        ok &= check_model(models + "synth-qwen2-bpe-q4_k_m.gguf");
    } catch (const std::exception& e) {
        std::printf("error: %s\n", e.what());
        return 1;
    }
    return ok ? 0 : 1;
}
