// Writes a model as a split set, as llama.cpp's gguf-split does: PREFIX-00001-of-0000N.gguf holds
// all the metadata and the first tensors, the others hold only the split keys and their tensors.
// Lets a large model be hosted as files a browser can fetch and hold one at a time.
#pragma once

#include <string>
#include <vector>

#include "chord/gguf.hpp"
#include "chord/gguf_split.hpp"
#include "chord/gguf_writer.hpp"

namespace chord {

struct SplitLimits {
    uint64_t max_tensors = 128;  // per file
    uint64_t max_bytes = 0;      // of tensor data per file (a soft limit, as llama.cpp's); 0: none
};

// Which tensors (indices into file.tensors(), in table order) go into each file.
inline std::vector<std::vector<size_t>> plan_split(const GgufFile& file, const SplitLimits& limits) {
    if (limits.max_tensors == 0) throw Error(ErrorCode::InvalidArgument, "a split file must hold at least one tensor");
    std::vector<std::vector<size_t>> parts(1);
    uint64_t bytes = 0;
    for (size_t i = 0; i < file.tensors().size(); ++i) {
        const uint64_t size = file.tensors()[i].n_bytes;
        const bool full = parts.back().size() >= limits.max_tensors ||
                          (limits.max_bytes != 0 && bytes + size > limits.max_bytes);
        if (full && !parts.back().empty()) {
            parts.emplace_back();
            bytes = 0;
        }
        parts.back().push_back(i);
        bytes += size;
    }
    return parts;
}

// Returns the paths written.
inline std::vector<std::string> write_split(const GgufFile& file, const std::string& prefix, const SplitLimits& limits) {
    const std::vector<std::vector<size_t>> parts = plan_split(file, limits);
    if (parts.size() > 65535) throw Error(ErrorCode::InvalidArgument, "more than 65535 split files");
    const auto count = uint16_t(parts.size());
    std::vector<std::string> paths;
    for (uint16_t part = 0; part < count; ++part) {
        GgufWriter writer(file.alignment(), file.version());
        if (part == 0) {
            for (const MetaEntry& e : file.metadata())
                if (e.key.substr(0, 6) != "split." && e.key != "general.alignment")
                    writer.set(std::string(e.key), GgufValue::copy_of(e.value));
        }
        writer.set("split.no", GgufValue::u16(part));
        writer.set("split.count", GgufValue::u16(count));
        writer.set("split.tensors.count", GgufValue::i32(int32_t(file.tensors().size())));
        for (size_t i : parts[part]) {
            const TensorInfo& t = file.tensors()[i];
            const TensorView view = file.tensor(t);
            writer.add_tensor(std::string(t.name), t.type, std::vector<uint64_t>(t.shape.begin(), t.shape.begin() + t.n_dims),
                              view.data, view.size);
        }
        paths.push_back(split_file_name(prefix, part + 1u, count));
        writer.write_file(paths.back());
    }
    return paths;
}

}  // namespace chord
