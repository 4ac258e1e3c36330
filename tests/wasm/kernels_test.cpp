// The wasm build's fast CPU kernels (SIMD128 tiles, two-row tiles, decoding straight from the
// blocks; the relaxed-SIMD kernels where the engine has relaxed SIMD) against the reference
// kernels, since the native test binary never executes them. Every 2-D tensor of each model given,
// random activations, 1 to 9 tokens. Prints one line per model; exits 1 on any disagreement, or
// when the fast kernels are not the ones expected. Built twice: for Node (run by the test command:
// Node's relaxed SIMD is experimental, so there the SIMD128 kernels) and for the browser
// (bindings/js/test/kernels-browser.test.mjs runs it in Chromium, on the relaxed-SIMD kernels).
//
//   node --no-experimental-fetch chord_wasm_kernels_test.js simd128|relaxed-simd MODEL.gguf...
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
        for (size_t tokens : {size_t(1), size_t(2), size_t(3), size_t(4), size_t(5), size_t(9)}) {
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
    if (argc < 3) {
        std::fprintf(stderr, "usage: chord_wasm_kernels_test simd128|relaxed-simd MODEL.gguf...\n");
        return 2;
    }
    const std::string kernels = make_cpu_backend({1, CpuKernels::Fast})->kernels();
    std::printf("[ measured ] wasm fast kernels: %s\n", kernels.c_str());
    if (kernels != argv[1]) {
        std::printf("error: expected the %s kernels\n", argv[1]);
        return 1;
    }
    bool ok = true;
    try {
        for (int i = 2; i < argc; ++i) ok &= check_model(argv[i]);
    } catch (const std::exception& e) {
        std::printf("error: %s\n", e.what());
        return 1;
    }
    return ok ? 0 : 1;
}
