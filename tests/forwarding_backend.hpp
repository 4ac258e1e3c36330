// A backend that hands every operation to another (the CPU backend by default) except the KV
// cache's shift/read/write, which it leaves to Backend's defaults (they refuse, as WebGPU's do):
// tests derive from it to change one thing (reading asynchronously, say) and keep the arithmetic.
#pragma once

#include <memory>
#include <string>

#include "chord/cpu_backend.hpp"

namespace chord::test {

class ForwardingBackend : public Backend {
public:
    explicit ForwardingBackend(std::unique_ptr<Backend> inner = make_cpu_backend()) : inner_(std::move(inner)) {}

    BufferId upload_weight(const TensorView& t) override { return inner_->upload_weight(t); }
    BufferId create_activations(size_t rows, size_t cols) override { return inner_->create_activations(rows, cols); }
    BufferId create_cache(size_t n_ctx, size_t width, KvCacheType type) override { return inner_->create_cache(n_ctx, width, type); }
    void read(BufferId a, size_t row, size_t n, float* out) const override { inner_->read(a, row, n, out); }
    void write(BufferId a, size_t row, size_t n, const float* in) override { inner_->write(a, row, n, in); }
    void embed(BufferId t, const int32_t* tokens, size_t n, BufferId out) override { inner_->embed(t, tokens, n, out); }
    void rms_norm(BufferId x, BufferId w, float eps, size_t n, BufferId out) override { inner_->rms_norm(x, w, eps, n, out); }
    void matmul(BufferId w, BufferId x, size_t n, BufferId out) override { inner_->matmul(w, x, n, out); }
    void add_bias(BufferId x, BufferId b, size_t n) override { inner_->add_bias(x, b, n); }
    void copy_rows(BufferId s, size_t first, size_t n, BufferId d) override { inner_->copy_rows(s, first, n, d); }
    void copy_columns(BufferId s, size_t col, size_t n, BufferId d) override { inner_->copy_columns(s, col, n, d); }
    void rope(BufferId x, const RopeParams& p, const int32_t* positions, size_t n) override { inner_->rope(x, p, positions, n); }
    void attention(BufferId q, BufferId k, BufferId v, BufferId kc, BufferId vc, const AttentionParams& p, const int32_t* positions,
                   size_t n, BufferId out) override {
        inner_->attention(q, k, v, kc, vc, p, positions, n, out);
    }
    void rms_norm_heads(BufferId x, BufferId w, float eps, uint32_t hd, size_t n) override { inner_->rms_norm_heads(x, w, eps, hd, n); }
    void swiglu(BufferId g, BufferId u, size_t n) override { inner_->swiglu(g, u, n); }
    void geglu(BufferId g, BufferId u, size_t n) override { inner_->geglu(g, u, n); }
    void add(BufferId x, BufferId y, size_t n) override { inner_->add(x, y, n); }
    void scale(BufferId x, float f, size_t n) override { inner_->scale(x, f, n); }
    void soft_cap(BufferId x, float cap, size_t n) override { inner_->soft_cap(x, cap, n); }

private:
    std::unique_ptr<Backend> inner_;
};

}  // namespace chord::test
