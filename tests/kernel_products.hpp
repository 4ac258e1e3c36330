// A matrix product on a backend and the distance between two results: for the tests that hold the
// fast CPU kernels against the reference ones (natively and in the wasm build).
#pragma once

#include <cmath>
#include <vector>

#include "chord/backend.hpp"

namespace chord::test {

// W · x for `tokens` rows of x, computed on `backend`.
inline std::vector<float> product(Backend& backend, const TensorView& w, const std::vector<float>& x, size_t tokens) {
    const size_t in_cols = size_t(w.info->shape[0]), out_cols = size_t(w.info->rows());
    const BufferId weight = backend.upload_weight(w);
    const BufferId in = backend.create_activations(tokens, in_cols);
    const BufferId out = backend.create_activations(tokens, out_cols);
    backend.write(in, 0, tokens, x.data());
    backend.matmul(weight, in, tokens, out);
    std::vector<float> result(tokens * out_cols);
    backend.read(out, 0, tokens, result.data());
    return result;
}

inline double relative_rms_difference(const std::vector<float>& a, const std::vector<float>& b) {
    double diff = 0, norm = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        diff += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
        norm += double(b[i]) * b[i];
    }
    return std::sqrt(diff / norm);
}

}  // namespace chord::test
