// A model whose weights stream in after its header (a WebGPU load that never holds the file in
// this process's memory): opened from header-only files (GgufFile::from_header), its weight
// buffers created empty on a backend that can, then fed each part's data section in order. The
// model is handed out only once every weight has arrived whole and finite, so a stream that fails
// leaves nothing half-loaded: dropping this object frees all of it.
#pragma once

#include <memory>

#include "chord/model.hpp"
#include "chord/weight_stream.hpp"

namespace chord {

class StreamedModelLoad {
public:
    StreamedModelLoad(GgufFile header, const ModelOptions& options, std::unique_ptr<Backend> backend)
        : model_(Model::load(require_header_only(std::move(header)), options, std::move(backend))),
          stream_(model_->stream_weights()) {}

    // The next bytes of the current part's data section; end_part() when that part is over.
    void consume(const uint8_t* bytes, size_t n) { stream_.consume(bytes, n); }
    void end_part() { stream_.end_part(); }
    const WeightStream& stream() const { return stream_; }

    // The model, once every part's weights are there (else Truncated). Once only.
    std::unique_ptr<Model> finish() {
        if (!model_) throw Error(ErrorCode::InvalidArgument, "the streamed model was handed out already");
        stream_.finish();
        return std::move(model_);
    }

private:
    static GgufFile require_header_only(GgufFile file) {
        if (file.has_tensor_data())
            throw Error(ErrorCode::InvalidArgument, "a streamed load takes a file opened from its header (GgufFile::from_header)");
        return file;
    }

    std::unique_ptr<Model> model_;
    WeightStream stream_;  // fills model_'s buffers: declared after it, destroyed before it
};

}  // namespace chord
