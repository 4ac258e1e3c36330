// Tools to make hostile GGUF files from a good one: a Recipe (the metadata and tensors of a
// model, to change and write again with GgufWriter), and a FieldMap (the byte offset of every
// field of a written file), to overwrite one field in place with a value no writer would write.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "chord/error.hpp"
#include "chord/gguf.hpp"
#include "chord/gguf_writer.hpp"
#include "chord/quantize_weights.hpp"

namespace chord::hostile {

// A model as metadata and tensors, in file order, that can be changed before writing it again.
struct Recipe {
    struct Tensor {
        std::string name;
        GgmlType type;
        std::vector<uint64_t> shape;  // row length first
        std::vector<uint8_t> data;
    };
    std::vector<std::pair<std::string, GgufValue>> metadata;
    std::vector<Tensor> tensors;

    static Recipe of(const std::vector<uint8_t>& bytes) {
        const GgufFile file = GgufFile::from_memory(bytes.data(), bytes.size());
        Recipe r;
        for (const MetaEntry& e : file.metadata()) r.metadata.emplace_back(std::string(e.key), GgufValue::copy_of(e.value));
        for (const TensorInfo& t : file.tensors()) {
            const TensorView v = file.tensor(t);
            r.tensors.push_back({std::string(t.name), t.type, std::vector<uint64_t>(t.shape.begin(), t.shape.begin() + t.n_dims),
                                 std::vector<uint8_t>(v.data, v.data + v.size)});
        }
        return r;
    }

    // Replaces the value of `key` where it is, or appends it.
    Recipe& set(const std::string& key, GgufValue value) {
        for (auto& [k, v] : metadata)
            if (k == key) {
                v = std::move(value);
                return *this;
            }
        metadata.emplace_back(key, std::move(value));
        return *this;
    }

    Recipe& erase(const std::string& key) {
        for (size_t i = 0; i < metadata.size(); ++i)
            if (metadata[i].first == key) {
                metadata.erase(metadata.begin() + std::ptrdiff_t(i));
                break;
            }
        return *this;
    }

    const GgufValue& value(const std::string& key) const {
        for (const auto& [k, v] : metadata)
            if (k == key) return v;
        throw Error(ErrorCode::NotFound, "recipe has no metadata '" + key + "'");
    }

    Tensor& tensor(const std::string& name) {
        for (Tensor& t : tensors)
            if (t.name == name) return t;
        throw Error(ErrorCode::NotFound, "recipe has no tensor '" + name + "'");
    }

    Recipe& erase_tensor(const std::string& name) {
        for (size_t i = 0; i < tensors.size(); ++i)
            if (tensors[i].name == name) {
                tensors.erase(tensors.begin() + std::ptrdiff_t(i));
                break;
            }
        return *this;
    }

    // A new shape for tensor `name`, with zero data of the size it implies.
    Recipe& reshape(const std::string& name, std::vector<uint64_t> shape) {
        Tensor& t = tensor(name);
        t.data.assign(size_t(GgufLayout::tensor_size(name, t.type, shape)), 0);
        t.shape = std::move(shape);
        return *this;
    }

    // Tensor `name` in another weight type: its values dequantized, then quantized again.
    Recipe& convert(const std::string& name, GgmlType type) {
        Tensor& t = tensor(name);
        uint64_t n = 1;
        for (uint64_t d : t.shape) n *= d;
        std::vector<float> values(static_cast<size_t>(n));
        dequantize(t.type, t.data.data(), values.data(), values.size());
        t.type = type;
        t.data.assign(size_t(GgufLayout::tensor_size(name, type, t.shape)), 0);
        quantize(type, values.data(), t.data.data(), values.size());
        return *this;
    }

    std::vector<uint8_t> bytes(uint32_t alignment = kGgufDefaultAlignment) const {
        GgufWriter w(alignment);
        for (const auto& [k, v] : metadata) w.set(k, v);
        for (const Tensor& t : tensors) w.add_tensor(t.name, t.type, t.shape, t.data.data(), t.data.size());
        return w.to_bytes();
    }
};

// Where each field of a GGUF file starts, read from a good parse of it.
struct FieldMap {
    struct Entry {
        std::string key;
        MetaType type;
        uint64_t start;     // the key's u64 length
        uint64_t type_at;   // the u32 value type
        uint64_t value_at;  // the value: a string's u64 length, an array's u32 element type, a scalar
        uint64_t end;       // the next entry's start
    };
    struct TensorEntry {
        std::string name;
        GgmlType type;
        uint32_t n_dims;
        std::vector<uint64_t> shape;
        uint64_t start;      // the name's u64 length
        uint64_t n_dims_at;  // u32
        uint64_t dims_at;    // n_dims × u64
        uint64_t type_at;    // u32
        uint64_t offset_at;  // u64, relative to the data section
        uint64_t end;
        uint64_t offset;     // its data, relative to the data section
        uint64_t data_at;    // its data, in the file
        uint64_t data_size;
    };
    std::vector<Entry> metadata;
    std::vector<TensorEntry> tensors;
    uint64_t metadata_end = 0;  // == the tensor table's start
    uint64_t table_end = 0;
    uint64_t data_offset = 0;
    uint64_t data_end = 0;  // the end of the last tensor's data
    uint64_t file_size = 0;

    static FieldMap of(const std::vector<uint8_t>& bytes) {
        const GgufFile f = GgufFile::from_memory(bytes.data(), bytes.size());
        FieldMap m;
        m.file_size = bytes.size();
        m.metadata_end = f.tensors().empty() ? bytes.size() : f.tensors().front().info_offset;
        for (size_t i = 0; i < f.metadata().size(); ++i) {
            const MetaEntry& e = f.metadata()[i];
            const uint64_t start = e.offset, type_at = start + 8 + e.key.size();
            const uint64_t end = i + 1 < f.metadata().size() ? f.metadata()[i + 1].offset : m.metadata_end;
            m.metadata.push_back({std::string(e.key), e.value.type(), start, type_at, type_at + 4, end});
        }
        for (const TensorInfo& t : f.tensors()) {
            TensorEntry e{};
            e.name = std::string(t.name);
            e.type = t.type;
            e.n_dims = t.n_dims;
            e.shape.assign(t.shape.begin(), t.shape.begin() + t.n_dims);
            e.start = t.info_offset;
            e.n_dims_at = e.start + 8 + t.name.size();
            e.dims_at = e.n_dims_at + 4;
            e.type_at = e.dims_at + 8 * size_t(t.n_dims);
            e.offset_at = e.type_at + 4;
            e.end = e.offset_at + 8;
            e.offset = t.offset;
            e.data_at = f.data_offset() + t.offset;
            e.data_size = t.n_bytes;
            m.table_end = e.end;
            m.data_end = std::max(m.data_end, e.data_at + e.data_size);
            m.tensors.push_back(e);
        }
        m.data_offset = f.data_offset();
        return m;
    }

    const Entry& entry(const std::string& key) const {
        for (const Entry& e : metadata)
            if (e.key == key) return e;
        throw Error(ErrorCode::NotFound, "no metadata '" + key + "'");
    }
    const TensorEntry& tensor(const std::string& name) const {
        for (const TensorEntry& t : tensors)
            if (t.name == name) return t;
        throw Error(ErrorCode::NotFound, "no tensor '" + name + "'");
    }
    size_t entry_index(const std::string& key) const { return size_t(&entry(key) - metadata.data()); }
};

// `bytes` with `value` written at `at` (little-endian, as GGUF).
template <typename T>
std::vector<uint8_t> patched(std::vector<uint8_t> bytes, uint64_t at, T value) {
    if (at + sizeof value > bytes.size()) throw Error(ErrorCode::InvalidArgument, "patch past the end of the file");
    std::memcpy(bytes.data() + size_t(at), &value, sizeof value);
    return bytes;
}

// `bytes` with the string `text` written over the bytes at `at`.
inline std::vector<uint8_t> overwritten(std::vector<uint8_t> bytes, uint64_t at, const std::string& text) {
    if (at + text.size() > bytes.size()) throw Error(ErrorCode::InvalidArgument, "patch past the end of the file");
    std::memcpy(bytes.data() + size_t(at), text.data(), text.size());
    return bytes;
}

// The first `size` bytes, in a vector of exactly that size.
inline std::vector<uint8_t> truncated(const std::vector<uint8_t>& bytes, uint64_t size) {
    return std::vector<uint8_t>(bytes.begin(), bytes.begin() + std::ptrdiff_t(size));
}

}  // namespace chord::hostile
