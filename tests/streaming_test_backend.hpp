// A backend that takes weights streamed in (create_weight / fill_weight) as the WebGPU backend does,
// and computes on the CPU: each weight's bytes are gathered here, checked to arrive in pieces of
// whole rows on 4-byte boundaries, never twice, and handed to the CPU backend once whole. The ids
// it gives out are its own (the CPU's come later), so the operations that name weights translate.
#pragma once

#include <cstring>
#include <deque>
#include <map>
#include <vector>

#include "chord/error.hpp"
#include "forwarding_backend.hpp"

namespace chord::test {

class StreamingTestBackend : public ForwardingBackend {
public:
    struct Weight {
        const TensorInfo* info;
        std::vector<uint8_t> bytes;
        std::vector<bool> rows_filled;
        uint64_t pieces = 0;
        BufferId inner = kNoBuffer;  // the CPU's, once every row is there
    };

    std::string name() const override { return "streaming-test"; }

    BufferId create_weight(const TensorInfo& info) override {
        weights_.push_back({&info, std::vector<uint8_t>(size_t(info.n_bytes)), std::vector<bool>(size_t(info.rows())), 0, kNoBuffer});
        return BufferId(kStreamedIds + weights_.size() - 1);
    }

    void fill_weight(BufferId id, uint64_t first_row, uint64_t n_rows, const uint8_t* rows) override {
        Weight& w = weights_.at(size_t(id - kStreamedIds));
        const uint64_t row_bytes = w.info->n_bytes / w.info->rows();
        if (first_row + n_rows > w.info->rows()) throw Error(ErrorCode::InvalidArgument, "rows past the tensor's end");
        if (first_row * row_bytes % 4 != 0) throw Error(ErrorCode::InvalidArgument, "a piece off a 4-byte boundary");
        for (uint64_t r = first_row; r < first_row + n_rows; ++r) {
            if (w.rows_filled[size_t(r)]) throw Error(ErrorCode::InvalidArgument, "a row filled twice");
            w.rows_filled[size_t(r)] = true;
        }
        std::memcpy(w.bytes.data() + first_row * row_bytes, rows, size_t(n_rows * row_bytes));
        ++w.pieces;
        if (std::find(w.rows_filled.begin(), w.rows_filled.end(), false) == w.rows_filled.end())
            w.inner = ForwardingBackend::upload_weight(TensorView{w.info, w.bytes.data(), w.bytes.size()});
    }

    const std::deque<Weight>& weights() const { return weights_; }

    void embed(BufferId t, const int32_t* tokens, size_t n, BufferId out) override { ForwardingBackend::embed(inner(t), tokens, n, out); }
    void rms_norm(BufferId x, BufferId w, float eps, size_t n, BufferId out) override {
        ForwardingBackend::rms_norm(x, inner(w), eps, n, out);
    }
    void matmul(BufferId w, BufferId x, size_t n, BufferId out) override { ForwardingBackend::matmul(inner(w), x, n, out); }
    void add_bias(BufferId x, BufferId b, size_t n) override { ForwardingBackend::add_bias(x, inner(b), n); }
    void rope(BufferId x, const RopeParams& p, const int32_t* positions, size_t n) override {
        RopeParams q = p;
        q.freq_factors = inner(p.freq_factors);
        ForwardingBackend::rope(x, q, positions, n);
    }
    void rms_norm_heads(BufferId x, BufferId w, float eps, uint32_t hd, size_t n) override {
        ForwardingBackend::rms_norm_heads(x, inner(w), eps, hd, n);
    }

private:
    static constexpr BufferId kStreamedIds = 0x7000'0000;

    BufferId inner(BufferId id) const {
        if (id == kNoBuffer || id < kStreamedIds) return id;
        const BufferId cpu = weights_.at(size_t(id - kStreamedIds)).inner;
        if (cpu == kNoBuffer) throw Error(ErrorCode::InvalidArgument, "a weight used before all its rows arrived");
        return cpu;
    }

    std::deque<Weight> weights_;
};

}  // namespace chord::test
