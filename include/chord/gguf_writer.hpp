// GGUF writer: metadata of any of the 13 value types (nested arrays too) and tensors, laid out as
// llama.cpp expects (tensor data in table order, each at an aligned offset). GgufLayout is the
// file up to the tensor data; GgufWriter adds the data in memory (the tests use it to build
// files with exactly the structure they need); GgufStreamWriter (gguf_stream_writer.hpp) streams
// it for files too large to hold.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "chord/error.hpp"
#include "chord/gguf.hpp"
#include "chord/gguf_metadata.hpp"
#include "chord/type_traits.hpp"

namespace chord {

// One metadata value, already encoded (without its type tag).
struct GgufValue {
    MetaType type;
    std::string bytes;

    static GgufValue u8(uint8_t v) { return scalar(MetaType::U8, v); }
    static GgufValue i8(int8_t v) { return scalar(MetaType::I8, v); }
    static GgufValue u16(uint16_t v) { return scalar(MetaType::U16, v); }
    static GgufValue i16(int16_t v) { return scalar(MetaType::I16, v); }
    static GgufValue u32(uint32_t v) { return scalar(MetaType::U32, v); }
    static GgufValue i32(int32_t v) { return scalar(MetaType::I32, v); }
    static GgufValue f32(float v) { return scalar(MetaType::F32, v); }
    static GgufValue boolean(bool v) { return scalar(MetaType::Bool, uint8_t(v ? 1 : 0)); }
    static GgufValue u64(uint64_t v) { return scalar(MetaType::U64, v); }
    static GgufValue i64(int64_t v) { return scalar(MetaType::I64, v); }
    static GgufValue f64(double v) { return scalar(MetaType::F64, v); }

    // A value read from another file, copied as it is.
    static GgufValue copy_of(const MetaValue& value) { return GgufValue{value.type(), value.encoded()}; }

    static GgufValue string(std::string_view s) {
        GgufValue v{MetaType::String, {}};
        append_string(v.bytes, s);
        return v;
    }

    // Every element must have `element_type` (arrays of arrays may differ in their own elements).
    static GgufValue array(MetaType element_type, const std::vector<GgufValue>& elements) {
        GgufValue v{MetaType::Array, {}};
        append_pod(v.bytes, uint32_t(element_type));
        append_pod(v.bytes, uint64_t(elements.size()));
        for (const GgufValue& e : elements) {
            if (e.type != element_type)
                throw Error(ErrorCode::InvalidArgument, std::string("array of ") + meta_type_name(element_type) +
                                                            " given an element of type " + meta_type_name(e.type));
            v.bytes += e.bytes;
        }
        return v;
    }

    static GgufValue strings(const std::vector<std::string>& items) {
        GgufValue v{MetaType::Array, {}};
        append_pod(v.bytes, uint32_t(MetaType::String));
        append_pod(v.bytes, uint64_t(items.size()));
        for (const std::string& s : items) append_string(v.bytes, s);
        return v;
    }

    template <typename T>
    static GgufValue numbers(MetaType element_type, const std::vector<T>& items) {
        if (meta_type_size(element_type) != sizeof(T))
            throw Error(ErrorCode::InvalidArgument, std::string("element type ") + meta_type_name(element_type) +
                                                        " does not match the C++ element size");
        GgufValue v{MetaType::Array, {}};
        append_pod(v.bytes, uint32_t(element_type));
        append_pod(v.bytes, uint64_t(items.size()));
        for (const T& x : items) append_pod(v.bytes, x);
        return v;
    }

    template <typename T>
    static void append_pod(std::string& out, const T& x) {
        out.append(reinterpret_cast<const char*>(&x), sizeof x);
    }
    static void append_string(std::string& out, std::string_view s) {
        append_pod(out, uint64_t(s.size()));
        out.append(s.data(), s.size());
    }

private:
    template <typename T>
    static GgufValue scalar(MetaType type, T x) {
        GgufValue v{type, {}};
        append_pod(v.bytes, x);
        return v;
    }
};

// The part of a GGUF file before the tensor data (header, metadata, tensor table, padding) and
// where each tensor's data goes. GgufWriter fills it and holds the data in memory;
// GgufStreamWriter (gguf_stream_writer.hpp) writes the data as it is produced.
class GgufLayout {
public:
    struct Tensor {
        std::string name;
        GgmlType type;
        std::vector<uint64_t> shape;  // shape[0] is the row length
        uint64_t size;                // bytes of data
        uint64_t offset;              // in the data section, aligned
    };

    explicit GgufLayout(uint32_t alignment = kGgufDefaultAlignment, uint32_t version = 3)
        : alignment_(alignment), version_(version) {
        if (alignment == 0 || (alignment & (alignment - 1)) != 0)
            throw Error(ErrorCode::InvalidArgument, "alignment must be a power of two");
        if (alignment != kGgufDefaultAlignment) set("general.alignment", GgufValue::u32(alignment));
    }

    void set(std::string key, GgufValue value) { metadata_.push_back({std::move(key), std::move(value)}); }

    // Bytes of a tensor of this type and shape; throws if the shape is not one GGUF can hold.
    static uint64_t tensor_size(const std::string& name, GgmlType type, const std::vector<uint64_t>& shape) {
        const TypeTraits& traits = type_traits(type);
        uint64_t n = 1;
        for (uint64_t d : shape) n *= d;
        if (shape.empty() || shape.size() > kGgufMaxDims || shape[0] % traits.block_elements != 0)
            throw Error(ErrorCode::InvalidArgument, "tensor '" + name + "': shape, type and data size disagree");
        return n / traits.block_elements * traits.block_bytes;
    }

    const Tensor& add_tensor(std::string name, GgmlType type, std::vector<uint64_t> shape) {
        const uint64_t size = tensor_size(name, type, shape);
        const uint64_t offset = tensors_.empty() ? 0 : align(tensors_.back().offset + tensors_.back().size);
        tensors_.push_back({std::move(name), type, std::move(shape), size, offset});
        return tensors_.back();
    }

    const std::vector<Tensor>& tensors() const { return tensors_; }
    uint64_t align(uint64_t n) const { return (n + alignment_ - 1) / alignment_ * alignment_; }

    // Everything before the data section, padded to the alignment.
    std::string header_bytes() const {
        std::string out("GGUF", 4);
        GgufValue::append_pod(out, version_);
        GgufValue::append_pod(out, uint64_t(tensors_.size()));
        GgufValue::append_pod(out, uint64_t(metadata_.size()));
        for (const Entry& e : metadata_) {
            GgufValue::append_string(out, e.key);
            GgufValue::append_pod(out, uint32_t(e.value.type));
            out += e.value.bytes;
        }
        for (const Tensor& t : tensors_) {
            GgufValue::append_string(out, t.name);
            GgufValue::append_pod(out, uint32_t(t.shape.size()));
            for (uint64_t d : t.shape) GgufValue::append_pod(out, d);
            GgufValue::append_pod(out, uint32_t(t.type));
            GgufValue::append_pod(out, t.offset);
        }
        out.resize(size_t(align(out.size())), '\0');
        return out;
    }

    // Bytes of the whole file, header and padded data.
    uint64_t file_size() const {
        const uint64_t data = tensors_.empty() ? 0 : align(tensors_.back().offset + tensors_.back().size);
        return header_bytes().size() + data;
    }

private:
    struct Entry {
        std::string key;
        GgufValue value;
    };

    uint32_t alignment_;
    uint32_t version_;
    std::vector<Entry> metadata_;
    std::vector<Tensor> tensors_;
};

// A whole GGUF file built in memory: for tests and small files.
class GgufWriter {
public:
    explicit GgufWriter(uint32_t alignment = kGgufDefaultAlignment, uint32_t version = 3) : layout_(alignment, version) {}

    void set(std::string key, GgufValue value) { layout_.set(std::move(key), std::move(value)); }

    // `data` must hold exactly the bytes the type and shape imply.
    void add_tensor(std::string name, GgmlType type, const std::vector<uint64_t>& shape, const void* data, size_t size) {
        if (GgufLayout::tensor_size(name, type, shape) != size)
            throw Error(ErrorCode::InvalidArgument, "tensor '" + name + "': shape, type and data size disagree");
        layout_.add_tensor(std::move(name), type, shape);
        const auto* bytes = static_cast<const uint8_t*>(data);
        data_.emplace_back(bytes, bytes + size);
    }

    std::vector<uint8_t> to_bytes() const {
        std::string out = layout_.header_bytes();
        for (const std::vector<uint8_t>& d : data_) {
            out.append(reinterpret_cast<const char*>(d.data()), d.size());
            out.resize(size_t(layout_.align(out.size())), '\0');
        }
        return std::vector<uint8_t>(out.begin(), out.end());
    }

    void write_file(const std::string& path) const {
        const std::vector<uint8_t> bytes = to_bytes();
        std::ofstream f(path, std::ios::binary | std::ios::trunc);
        if (!f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size())))
            throw Error(ErrorCode::Io, "cannot write '" + path + "'");
    }

private:
    GgufLayout layout_;
    std::vector<std::vector<uint8_t>> data_;  // per tensor, in table order
};

}  // namespace chord
