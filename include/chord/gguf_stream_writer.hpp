// Writes a GGUF file whose tensor data is produced piece by piece: the layout (metadata and the
// tensor table, with every offset) is fixed first and written at once, then each tensor's bytes
// are appended in table order, in as many pieces as the producer likes. Memory stays at one
// piece, however large the model.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>

#include "chord/error.hpp"
#include "chord/gguf_writer.hpp"

namespace chord {

class GgufStreamWriter {
public:
    // Creates (or truncates) `path` and writes everything before the tensor data.
    GgufStreamWriter(const std::string& path, GgufLayout layout) : path_(path), layout_(std::move(layout)) {
        file_ = std::fopen(path.c_str(), "wb");
        if (!file_) throw Error(ErrorCode::Io, "cannot create '" + path + "'");
        const std::string header = layout_.header_bytes();
        put(header.data(), header.size());
    }

    GgufStreamWriter(const GgufStreamWriter&) = delete;
    GgufStreamWriter& operator=(const GgufStreamWriter&) = delete;
    ~GgufStreamWriter() {
        if (file_) std::fclose(file_);  // unfinished: the file is left incomplete
    }

    const GgufLayout& layout() const { return layout_; }

    // The table entry of the tensor whose bytes come next.
    const GgufLayout::Tensor& current() const {
        if (next_ >= layout_.tensors().size())
            throw Error(ErrorCode::InvalidArgument, "'" + path_ + "': all tensors are already written");
        return layout_.tensors()[next_];
    }

    // Appends the next `size` bytes of the current tensor. When the tensor is complete, pads to
    // the alignment and moves on to the next.
    void write(const void* data, size_t size) {
        const GgufLayout::Tensor& t = current();
        if (size > t.size - written_)
            throw Error(ErrorCode::InvalidArgument, "tensor '" + t.name + "': " + std::to_string(written_ + size) +
                                                        " bytes written, but it holds " + std::to_string(t.size));
        put(data, size);
        written_ += size;
        if (written_ == t.size) {
            static const char kZeros[64] = {};
            const uint64_t padding = layout_.align(t.size) - t.size;  // offsets are aligned, so this suffices
            for (uint64_t left = padding; left > 0;) {
                const size_t n = size_t(std::min<uint64_t>(left, sizeof kZeros));
                put(kZeros, n);
                left -= n;
            }
            written_ = 0;
            ++next_;
        }
    }

    // Checks that every tensor was written in full and closes the file.
    void finish() {
        if (next_ != layout_.tensors().size())
            throw Error(ErrorCode::InvalidArgument, "'" + path_ + "': tensor '" + layout_.tensors()[next_].name +
                                                        "' and those after it were not written");
        const bool closed = std::fclose(file_) == 0;
        file_ = nullptr;
        if (!closed) throw Error(ErrorCode::Io, "cannot write '" + path_ + "'");
    }

private:
    void put(const void* data, size_t size) {
        if (size && std::fwrite(data, 1, size, file_) != size)
            throw Error(ErrorCode::Io, "cannot write '" + path_ + "' (disk full?)");
    }

    std::string path_;
    GgufLayout layout_;
    std::FILE* file_ = nullptr;
    size_t next_ = 0;       // index of the tensor being written
    uint64_t written_ = 0;  // its bytes written so far
};

}  // namespace chord
