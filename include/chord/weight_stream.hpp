// Weights streamed into a backend's buffers, for a load that never holds the model file in this
// process's memory (WebGPU in a browser): the bytes of each part's data section arrive in order,
// in pieces of any size (a download's chunks, through a bounded staging area). Each tensor's bytes
// are cut into groups of whole rows that start on a 4-byte boundary of the tensor (a GPU writes
// whole words), checked for NaN and Inf, and handed to the backend's fill_weight(). Rows cut in two
// by a piece's end wait in a small carry buffer; a 1-D tensor is one row, so it arrives whole. The
// first 64 bytes of every tensor are kept as they pass (the model's fingerprint reads them).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "chord/backend.hpp"
#include "chord/error.hpp"
#include "chord/gguf.hpp"
#include "chord/tensor_check.hpp"

namespace chord {

// A tensor whose buffer the backend created empty (Backend::create_weight).
struct StreamedWeight {
    const TensorInfo* info;
    BufferId buffer;
};

// Where the first bytes of a tensor, used or not, are kept as they pass (the model's fingerprint
// reads them: session_state.hpp).
struct TensorHead {
    const TensorInfo* info;
    std::vector<uint8_t>* bytes;  // gets the first min(kTensorHeadBytes, n_bytes)
};
constexpr uint64_t kTensorHeadBytes = 64;

class WeightStream {
public:
    // `weights` may come from any part of a split model (TensorInfo::shard); `data_sizes` holds each
    // part's data-section bytes (file size minus data offset). Bytes of other tensors are skipped.
    WeightStream(Backend& backend, std::vector<StreamedWeight> weights, std::vector<uint64_t> data_sizes,
                 std::vector<TensorHead> heads = {})
        : backend_(backend), weights_(std::move(weights)), data_sizes_(std::move(data_sizes)), heads_(std::move(heads)) {
        std::sort(weights_.begin(), weights_.end(), [](const StreamedWeight& a, const StreamedWeight& b) {
            return in_file_order(a.info, b.info);
        });
        std::sort(heads_.begin(), heads_.end(), [](const TensorHead& a, const TensorHead& b) { return in_file_order(a.info, b.info); });
        for (const StreamedWeight& w : weights_)
            if (w.info->shard >= data_sizes_.size())
                throw Error(ErrorCode::InvalidArgument, "tensor '" + std::string(w.info->name) + "' is in a part the stream does not have");
    }

    // The next `n` bytes of the current part's data section.
    void consume(const uint8_t* bytes, size_t n) {
        if (part_ >= data_sizes_.size()) throw Error(ErrorCode::InvalidArgument, "weight stream: bytes after its last part");
        if (n > data_sizes_[part_] - position_)
            throw Error(ErrorCode::InvalidArgument, "weight stream: more bytes than the data section of part " +
                                                        std::to_string(part_ + 1) + " holds (" + std::to_string(data_sizes_[part_]) + ")");
        const uint64_t end = position_ + n;
        keep_heads(bytes, end);
        while (next_ < weights_.size() && weights_[next_].info->shard == part_) {
            const TensorInfo& t = *weights_[next_].info;
            if (t.offset >= end && t.n_bytes > 0) break;  // it starts after these bytes
            const uint64_t from = std::max(t.offset, position_), to = std::min(t.offset + t.n_bytes, end);
            if (to > from) take(weights_[next_], bytes + (from - position_), size_t(to - from));
            if (done_ + carry_.size() < t.n_bytes) break;  // the rest comes with the next bytes
            ++next_;
            done_ = 0;
        }
        position_ = end;
    }

    // The current part's data is all there has been: Truncated if a tensor of it is short.
    void end_part() {
        if (part_ >= data_sizes_.size()) throw Error(ErrorCode::InvalidArgument, "weight stream: every part has ended");
        if (next_ < weights_.size() && weights_[next_].info->shard == part_) {
            const TensorInfo& t = *weights_[next_].info;
            throw Error(ErrorCode::Truncated, "truncated: " + part_name() + " ended after " + std::to_string(position_) +
                                                  " bytes of its tensor data, but tensor '" + std::string(t.name) + "' needs bytes [" +
                                                  std::to_string(t.offset) + ", " + std::to_string(t.offset + t.n_bytes) + ") of it");
        }
        ++part_;
        position_ = 0;
        while (next_head_ < heads_.size() && heads_[next_head_].info->shard < part_) ++next_head_;  // a short part's
    }

    // Every part ends here (the current one too, if it has not): Truncated if a weight is short.
    void finish() {
        if (part_ < data_sizes_.size()) end_part();
        if (part_ < data_sizes_.size())
            throw Error(ErrorCode::Truncated, "truncated: the weights of part " + std::to_string(part_ + 1) + " of " +
                                                  std::to_string(data_sizes_.size()) + " never came");
    }

    uint32_t part() const { return part_; }
    uint64_t position() const { return position_; }  // bytes of the current part's data section so far

    // Floats a backend may make of one fill_weight() piece where it converts (4 MB of them), so
    // that its scratch stays small whatever the staging area's size.
    static constexpr uint64_t kMaxFillElements = 1 << 20;

private:
    static bool in_file_order(const TensorInfo* a, const TensorInfo* b) {
        return a->shard != b->shard ? a->shard < b->shard : a->offset < b->offset;
    }

    // The bytes of [position_, end) that are the first bytes of a tensor, kept.
    void keep_heads(const uint8_t* bytes, uint64_t end) {
        for (; next_head_ < heads_.size() && heads_[next_head_].info->shard == part_; ++next_head_) {
            const TensorInfo& t = *heads_[next_head_].info;
            const uint64_t stop = t.offset + std::min(kTensorHeadBytes, t.n_bytes);
            const uint64_t from = std::max(t.offset, position_), to = std::min(stop, end);
            if (to > from) heads_[next_head_].bytes->insert(heads_[next_head_].bytes->end(), bytes + (from - position_), bytes + (to - position_));
            if (stop > end) break;  // the rest comes with the next bytes
        }
    }

    // `n` bytes of weight `w`, following those it has had.
    void take(const StreamedWeight& w, const uint8_t* p, size_t n) {
        const uint64_t group = group_bytes(*w.info);
        if (!carry_.empty()) {  // complete the group the last piece began
            const uint64_t want = std::min(group, w.info->n_bytes - done_);
            const size_t k = size_t(std::min<uint64_t>(want - carry_.size(), n));
            carry_.insert(carry_.end(), p, p + k);
            p += k;
            n -= k;
            if (carry_.size() < want) return;
            fill(w, carry_.data(), carry_.size());
            carry_.clear();
        }
        const uint64_t left = w.info->n_bytes - done_;
        const size_t whole = size_t(n >= left ? left : n / group * group);
        fill(w, p, whole);
        carry_.assign(p + whole, p + n);
    }

    // Whole groups (or the tensor's last, shorter one) to the backend, a bounded piece at a time.
    void fill(const StreamedWeight& w, const uint8_t* p, size_t n) {
        const TensorInfo& t = *w.info;
        const uint64_t row = row_bytes(t), group = group_bytes(t);
        const uint64_t piece = std::max<uint64_t>(group, kMaxFillElements / t.shape[0] * row / group * group);
        for (size_t at = 0; at < n;) {
            const size_t len = size_t(std::min<uint64_t>(piece, n - at));
            const uint64_t first_row = done_ / row, rows = len / row;
            check_finite_weight_rows(t, p + at, first_row, rows);
            backend_.fill_weight(w.buffer, first_row, rows, p + at);
            done_ += len;
            at += len;
        }
    }

    static uint64_t row_bytes(const TensorInfo& t) { return t.shape[0] / t.traits().block_elements * t.traits().block_bytes; }
    // The fewest whole rows whose bytes are a multiple of 4.
    static uint64_t group_bytes(const TensorInfo& t) {
        const uint64_t row = row_bytes(t);
        return row % 4 == 0 ? row : row % 2 == 0 ? 2 * row : 4 * row;
    }

    std::string part_name() const {
        return data_sizes_.size() == 1 ? "the file" : "part " + std::to_string(part_ + 1) + " of " + std::to_string(data_sizes_.size());
    }

    Backend& backend_;
    std::vector<StreamedWeight> weights_;  // by part, then offset
    std::vector<uint64_t> data_sizes_;
    uint32_t part_ = 0;
    uint64_t position_ = 0;      // in the current part's data section
    size_t next_ = 0;            // the first weight not yet whole
    uint64_t done_ = 0;          // its bytes handed to the backend
    std::vector<uint8_t> carry_;  // and those waiting for the rest of their group
    std::vector<TensorHead> heads_;  // by part, then offset
    size_t next_head_ = 0;
};

}  // namespace chord
