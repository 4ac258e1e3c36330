// GGUF reader: header, metadata and tensor table, validated; tensors as zero-copy views.
//
// File layout (little-endian):
//   "GGUF" u32:version u64:tensor_count u64:metadata_count
//   metadata_count × { string:key u32:value_type value }
//   tensor_count   × { string:name u32:n_dims u64[n_dims]:shape u32:ggml_type u64:offset }
//   padding to `general.alignment` (default 32), then the tensor data; offsets are relative to it.
//
// Parsing reads only the header, metadata and table. Every count, length, shape, offset and size
// is checked against the bytes that exist, without overflow, before use; tensor data is not
// touched until a tensor is asked for (with mmap, its pages are not even read from disk).
//
// A file may also be opened from its header alone (from_header): the table is checked against the
// file's size as given, and the tensor data, which never comes here, is streamed elsewhere (a GPU:
// weight_stream.hpp).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "chord/byte_reader.hpp"
#include "chord/error.hpp"
#include "chord/gguf_metadata.hpp"
#include "chord/mapped_file.hpp"
#include "chord/type_traits.hpp"
#include "chord/utf8.hpp"

namespace chord {

constexpr uint32_t kGgufDefaultAlignment = 32;
constexpr uint32_t kGgufMaxDims = 4;

struct MetaEntry {
    std::string_view key;
    MetaValue value;
    uint64_t offset;  // where the entry starts in the file
};

struct TensorInfo {
    std::string_view name;
    GgmlType type;
    uint32_t n_dims;
    std::array<uint64_t, kGgufMaxDims> shape;  // shape[0] is the contiguous row length; unused dims are 1
    uint64_t offset;                           // relative to the data section
    uint64_t n_elements;
    uint64_t n_bytes;
    uint64_t info_offset;  // where the tensor's table entry starts in the file
    uint32_t shard = 0;    // which file of a split model holds the data (0: the first, or the only one)

    uint64_t rows() const { return shape[0] ? n_elements / shape[0] : 0; }
    const TypeTraits& traits() const { return type_traits(type); }
};

// A tensor's bytes, in place in the file.
struct TensorView {
    const TensorInfo* info;
    const uint8_t* data;
    size_t size;

    // A float copy of the whole tensor. For tests and tools; the model computes on the blocks.
    std::vector<float> to_floats() const {
        std::vector<float> out(size_t(info->n_elements));
        try {
            dequantize(info->type, data, out.data(), out.size());
        } catch (const Error& e) {
            throw e.with_context("tensor '" + std::string(info->name) + "': ");
        }
        return out;
    }
};

class GgufFile {
public:
    // Maps the file (natively) and parses it.
    static GgufFile open(const std::string& path) {
        auto file = std::make_shared<MappedFile>(path);
        try {
            return GgufFile(file->bytes(), file);
        } catch (const Error& e) {
            throw e.with_context("'" + path + "': ");
        }
    }

    // Parses bytes the caller keeps alive for as long as this object and its views are used.
    static GgufFile from_memory(const void* data, size_t size) {
        return GgufFile(ByteSpan{static_cast<const uint8_t*>(data), size}, nullptr);
    }

    // Parses bytes allocated elsewhere (a wasm heap block the loader streamed a download into)
    // and takes ownership: `release` frees them when the last view is gone.
    static GgufFile adopt(const void* data, size_t size, void (*release)(void*)) {
        std::shared_ptr<const void> owner(data, [release](const void* p) { release(const_cast<void*>(p)); });
        return GgufFile(ByteSpan{static_cast<const uint8_t*>(data), size}, std::move(owner));
    }

    // Parses bytes it takes ownership of.
    static GgufFile from_buffer(std::vector<uint8_t> bytes) {
        auto owned = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
        return GgufFile(ByteSpan{owned->data(), owned->size()}, owned);
    }

    // The first `size` bytes of a file of `file_size` bytes, which hold its header, metadata and
    // tensor table (header_probe() says how many that takes): a file without tensor data, whose
    // table is checked against `file_size` as a whole file's is. Copies the bytes (the metadata is
    // read from them); tensor() is an error.
    static GgufFile from_header(const void* data, size_t size, uint64_t file_size) {
        if (size > file_size)
            throw Error(ErrorCode::InvalidArgument, "a header of " + std::to_string(size) + " bytes is longer than its file of " +
                                                        std::to_string(file_size));
        const auto* begin = static_cast<const uint8_t*>(data);
        auto owned = std::make_shared<std::vector<uint8_t>>(begin, begin + size);
        GgufFile file(HeaderOnly{}, ByteSpan{owned->data(), owned->size()}, owned, file_size);
        file.locate_tensor_data(file.table_end_);
        return file;
    }

    // Whether the first `size` bytes of a file of `file_size` bytes hold its whole header (through
    // the tensor table): then `bytes` is where the tensor data starts; else `bytes` is how many to
    // have before asking again. Errors in what is there are thrown as from_header() throws them.
    struct HeaderProbe {
        bool complete;
        uint64_t bytes;
    };
    static HeaderProbe header_probe(const void* data, size_t size, uint64_t file_size) {
        const ByteSpan span{static_cast<const uint8_t*>(data), size_t(std::min<uint64_t>(size, file_size))};
        std::unique_ptr<GgufFile> file;
        try {
            file.reset(new GgufFile(HeaderOnly{}, span, nullptr, file_size));
        } catch (const Error& e) {
            // Running out of the prefix asks for more (twice as much: the parse starts over).
            if (e.code() != ErrorCode::Truncated || span.size >= file_size) throw;
            const uint64_t more = std::max<uint64_t>(uint64_t(span.size) * 2, uint64_t(span.size) + kHeaderProbeStep);
            return {false, std::min(more, file_size)};
        }
        // The table's checks against the whole file's size fail as they are: more bytes would not help.
        file->locate_tensor_data(file->table_end_);
        return {true, file->data_offset_};
    }
    static constexpr uint64_t kHeaderProbeStep = 1 << 20;

    // Whether the tensors' bytes are here (false: opened from_header).
    bool has_tensor_data() const { return has_data_; }

    uint32_t version() const { return version_; }
    uint32_t alignment() const { return alignment_; }
    uint64_t data_offset() const { return data_offset_; }
    uint64_t file_size() const { return file_size_; }
    uint64_t total_size() const {  // with the other parts of a split model
        uint64_t n = file_size_;
        for (const GgufFile& shard : shards_) n += shard.file_size_;
        return n;
    }
    // The bytes held here: the whole files, or only their headers (from_header).
    uint64_t bytes_here() const {
        if (has_data_) return total_size();
        uint64_t n = bytes_.size;
        for (const GgufFile& shard : shards_) n += shard.bytes_.size;
        return n;
    }
    // Where the data section of part `shard` of a split model starts (0: this file).
    uint64_t data_offset(uint32_t shard) const { return shard == 0 ? data_offset_ : shards_.at(shard - 1).data_offset_; }
    uint64_t file_size(uint32_t shard) const { return shard == 0 ? file_size_ : shards_.at(shard - 1).file_size_; }

    // --- metadata ---
    const std::vector<MetaEntry>& metadata() const { return metadata_; }

    const MetaValue* find(std::string_view key) const {
        const auto it = metadata_index_.find(key);
        return it == metadata_index_.end() ? nullptr : &metadata_[it->second].value;
    }

    const MetaValue& get(std::string_view key) const {
        const MetaValue* v = find(key);
        if (!v) throw Error(ErrorCode::MissingKey, "required metadata key '" + std::string(key) + "' is missing");
        return *v;
    }

    std::string_view get_string(std::string_view key) const { return get(key).as_string(); }
    uint64_t get_u64(std::string_view key) const { return get(key).as_u64(); }
    double get_f64(std::string_view key) const { return get(key).as_f64(); }
    uint64_t get_u64_or(std::string_view key, uint64_t fallback) const {
        const MetaValue* v = find(key);
        return v ? v->as_u64() : fallback;
    }
    double get_f64_or(std::string_view key, double fallback) const {
        const MetaValue* v = find(key);
        return v ? v->as_f64() : fallback;
    }

    // --- tensors ---
    const std::vector<TensorInfo>& tensors() const { return tensors_; }

    const TensorInfo* find_tensor(std::string_view name) const {
        const auto it = tensor_index_.find(name);
        return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
    }

    TensorView tensor(std::string_view name) const {
        const TensorInfo* info = find_tensor(name);
        if (!info) throw Error(ErrorCode::NotFound, "tensor '" + std::string(name) + "' is not in the file");
        return tensor(*info);
    }

    TensorView tensor(const TensorInfo& info) const {
        if (!has_data_)
            throw Error(ErrorCode::InvalidArgument, "tensor '" + std::string(info.name) +
                                                        "': the file was opened from its header, without its tensor data");
        const GgufFile& holder = info.shard == 0 ? *this : shards_[info.shard - 1];
        return TensorView{&info, holder.bytes_.data + size_t(holder.data_offset_ + info.offset), size_t(info.n_bytes)};
    }

    // --- split models (llama.cpp's gguf-split) ---
    // A model cut into files that each hold some tensors; the first also holds all the metadata.
    // Each carries split.no (its index), split.count and split.tensors.count.
    uint32_t split_count() const { return uint32_t(shards_.size() + 1); }

    // One file from the shards of a split model, in order: metadata from the first, tensors from
    // all. Checks that the set is complete, in order, and consistent.
    static GgufFile join(std::vector<GgufFile> files) {
        if (files.empty()) throw Error(ErrorCode::InvalidArgument, "no files to join");
        GgufFile first = std::move(files.front());
        const uint64_t count = first.get_u64_or("split.count", 1);
        if (count != files.size())
            throw Error(ErrorCode::InvalidArgument, "the model is split into " + std::to_string(count) + " files, but " +
                                                        std::to_string(files.size()) + " were given");
        for (size_t i = 0; i < files.size(); ++i) {
            GgufFile& shard = i == 0 ? first : files[i];
            const uint64_t index = shard.get_u64_or("split.no", 0);
            if (index != i)
                throw Error(ErrorCode::InvalidArgument, "split file " + std::to_string(i + 1) + " of " +
                                                            std::to_string(count) + " is part " + std::to_string(index + 1) +
                                                            ": give the files in order");
            if (shard.has_data_ != first.has_data_)
                throw Error(ErrorCode::InvalidArgument, "split file " + std::to_string(i + 1) +
                                                            (shard.has_data_ ? " has its tensor data" : " is a header alone") +
                                                            ", unlike the first");
            if (shard.get_u64_or("split.count", 1) != count)
                throw Error(ErrorCode::Malformed, "split file " + std::to_string(i + 1) + " belongs to a model split into " +
                                                      std::to_string(shard.get_u64_or("split.count", 1)) + " files, not " +
                                                      std::to_string(count));
            if (i == 0) continue;
            for (TensorInfo t : shard.tensors_) {
                t.shard = uint32_t(i);
                if (!first.tensor_index_.emplace(t.name, first.tensors_.size()).second)
                    throw Error(ErrorCode::Malformed, "tensor '" + std::string(t.name) + "' is in more than one split file");
                first.tensors_.push_back(t);
            }
            first.shards_.push_back(std::move(shard));
        }
        const uint64_t expected = first.get_u64_or("split.tensors.count", first.tensors_.size());
        if (expected != first.tensors_.size())
            throw Error(ErrorCode::Malformed, "the split files hold " + std::to_string(first.tensors_.size()) +
                                                  " tensors, split.tensors.count says " + std::to_string(expected));
        return first;
    }

private:
    GgufFile(ByteSpan bytes, std::shared_ptr<const void> storage)
        : storage_(std::move(storage)), bytes_(bytes), file_size_(bytes.size) {
        read_structure();
        locate_tensor_data(table_end_);
    }

    // The header, metadata and table from the first bytes of a longer file; locate_tensor_data()
    // is left to the caller.
    struct HeaderOnly {};
    GgufFile(HeaderOnly, ByteSpan prefix, std::shared_ptr<const void> storage, uint64_t file_size)
        : storage_(std::move(storage)), bytes_(prefix), file_size_(file_size), has_data_(false) {
        read_structure();
    }

    void read_structure() {
        ByteReader reader(bytes_);
        const uint64_t tensor_count = read_header(reader);
        const uint64_t metadata_count = reader.read<uint64_t>("metadata count");
        read_metadata(reader, metadata_count);
        alignment_ = read_alignment();
        read_tensor_table(reader, tensor_count);
        table_end_ = reader.position();
    }

    // Returns the tensor count; leaves the reader at the metadata count.
    uint64_t read_header(ByteReader& reader) {
        reader.require(4, "GGUF magic");
        if (std::memcmp(reader.current(), "GGUF", 4) != 0) {
            std::string got;
            for (int i = 0; i < 4; ++i) got += hex_byte(reader.current()[i]) + (i < 3 ? " " : "");
            throw Error(ErrorCode::NotGguf, "not a GGUF file: it starts with bytes " + got + ", expected 'GGUF'");
        }
        reader.skip(4, "GGUF magic");
        version_ = reader.read<uint32_t>("GGUF version");
        if (version_ != 2 && version_ != 3) {
            if (version_ != 0 && (version_ & 0xFFFFu) == 0)
                throw Error(ErrorCode::UnsupportedVersion, "big-endian GGUF files are not supported");
            if (version_ == 1)
                throw Error(ErrorCode::UnsupportedVersion,
                            "GGUF version 1 is not supported (only versions 2 and 3); convert the model again");
            throw Error(ErrorCode::UnsupportedVersion,
                        "unsupported GGUF version " + std::to_string(version_) + " (expected 2 or 3)");
        }
        return reader.read<uint64_t>("tensor count");
    }

    void read_metadata(ByteReader& reader, uint64_t count) {
        for (uint64_t i = 0; i < count; ++i) {
            const size_t offset = reader.position();
            try {
                const std::string_view key = reader.read_string("metadata key");
                if (key.empty()) throw Error(ErrorCode::Malformed, "empty metadata key");
                if (!is_valid_utf8(key))
                    throw Error(ErrorCode::Malformed, "the key is not valid UTF-8 (" + describe_invalid_utf8(key) + ")");
                const MetaType type = MetaValue::read_type(reader, "metadata value type");
                const MetaValue value = MetaValue::decode(type, reader, key);
                if (!metadata_index_.emplace(key, metadata_.size()).second)
                    throw Error(ErrorCode::Malformed, "duplicate metadata key");
                metadata_.push_back(MetaEntry{key, value, offset});
            } catch (const Error& e) {
                throw e.with_context("metadata entry " + std::to_string(i) + quoted_string_at(offset) + " at offset " +
                                     std::to_string(offset) + ": ");
            }
        }
    }

    uint32_t read_alignment() const {
        const MetaValue* v = find("general.alignment");
        if (!v) return kGgufDefaultAlignment;
        const uint64_t a = v->as_u64();
        if (a == 0 || (a & (a - 1)) != 0 || a > (1u << 30))
            throw Error(ErrorCode::Malformed,
                        "general.alignment is " + std::to_string(a) + ", expected a power of two up to 2^30");
        return uint32_t(a);
    }

    void read_tensor_table(ByteReader& reader, uint64_t count) {
        for (uint64_t i = 0; i < count; ++i) {
            const size_t offset = reader.position();
            try {
                tensors_.push_back(read_tensor_info(reader));
                if (!tensor_index_.emplace(tensors_.back().name, tensors_.size() - 1).second)
                    throw Error(ErrorCode::Malformed, "duplicate tensor name");
            } catch (const Error& e) {
                throw e.with_context("tensor " + std::to_string(i) + quoted_string_at(offset) +
                                     " (table entry at offset " + std::to_string(offset) + "): ");
            }
        }
    }

    // " 'text'" for the GGUF string at `offset` if it is complete, else "". Error context that is
    // read afresh rather than taken from a half-parsed entry.
    std::string quoted_string_at(size_t offset) const {
        ByteReader reader(bytes_, offset);
        if (reader.remaining() < 8) return "";
        uint64_t length;
        std::memcpy(&length, reader.current(), 8);
        if (length == 0 || length > reader.remaining() - 8 || length > 256) return "";
        return " '" + printable_utf8(std::string_view(reinterpret_cast<const char*>(reader.current() + 8), size_t(length))) + "'";
    }

    static TensorInfo read_tensor_info(ByteReader& reader) {
        TensorInfo t{};
        t.info_offset = reader.position();
        t.name = reader.read_string("tensor name");
        if (t.name.empty()) throw Error(ErrorCode::Malformed, "empty tensor name");
        if (!is_valid_utf8(t.name))
            throw Error(ErrorCode::Malformed, "the name is not valid UTF-8 (" + describe_invalid_utf8(t.name) + ")");
        t.n_dims = reader.read<uint32_t>("dimension count");
        if (t.n_dims == 0 || t.n_dims > kGgufMaxDims)
            throw Error(ErrorCode::Malformed, "has " + std::to_string(t.n_dims) + " dimensions, expected 1 to 4");
        t.shape.fill(1);
        t.n_elements = 1;
        for (uint32_t d = 0; d < t.n_dims; ++d) {
            t.shape[d] = reader.read<uint64_t>("tensor dimension");
            // ggml counts elements in int64: the product must stay below 2^63.
            if (t.shape[d] > uint64_t(INT64_MAX) || (t.shape[d] != 0 && t.n_elements > uint64_t(INT64_MAX) / t.shape[d]))
                throw Error(ErrorCode::Malformed, "shape overflows: dimension " + std::to_string(d) + " is " +
                                                      std::to_string(t.shape[d]));
            t.n_elements *= t.shape[d];
        }
        const uint32_t type_id = reader.read<uint32_t>("tensor type");
        const TypeTraits* traits = find_type_traits(type_id);
        if (!traits) throw Error(ErrorCode::UnsupportedType, "unknown tensor type id " + std::to_string(type_id));
        t.type = traits->type;
        if (t.shape[0] % traits->block_elements != 0)
            throw Error(ErrorCode::Malformed, "row length " + std::to_string(t.shape[0]) + " is not a multiple of the " +
                                                  traits->name + " block size " + std::to_string(traits->block_elements));
        // n_elements < 2^63 and block_bytes <= 292 per block of >= 1 element: check the product.
        const uint64_t blocks = t.n_elements / traits->block_elements;
        if (blocks > UINT64_MAX / traits->block_bytes) throw Error(ErrorCode::Malformed, "byte size overflows");
        t.n_bytes = blocks * traits->block_bytes;
        t.offset = reader.read<uint64_t>("tensor data offset");
        return t;
    }

    void locate_tensor_data(size_t table_end) {
        data_offset_ = (uint64_t(table_end) + alignment_ - 1) / alignment_ * alignment_;
        if (tensors_.empty()) {  // vocab-only files may end before the padding
            data_offset_ = std::min<uint64_t>(data_offset_, file_size_);
            return;
        }
        if (data_offset_ > file_size_)
            throw Error(ErrorCode::Truncated, "truncated: tensor data should start at offset " + std::to_string(data_offset_) +
                                                  ", but the file has " + std::to_string(file_size_) + " bytes");
        const uint64_t data_size = file_size_ - data_offset_;
        for (const TensorInfo& t : tensors_) {
            const std::string where = "tensor '" + std::string(t.name) + "'";
            if (t.offset % alignment_ != 0)
                throw Error(ErrorCode::Malformed, where + ": data offset " + std::to_string(t.offset) +
                                                      " is not a multiple of the alignment " + std::to_string(alignment_));
            if (t.offset > data_size || t.n_bytes > data_size - t.offset)
                throw Error(ErrorCode::Truncated, "truncated: " + where + " needs bytes [" +
                                                      std::to_string(data_offset_ + t.offset) + ", " +
                                                      std::to_string(data_offset_ + t.offset + t.n_bytes) +
                                                      ") of the file, which has " + std::to_string(file_size_));
        }
        std::vector<const TensorInfo*> by_offset;
        for (const TensorInfo& t : tensors_) by_offset.push_back(&t);
        std::sort(by_offset.begin(), by_offset.end(),
                  [](const TensorInfo* a, const TensorInfo* b) { return a->offset < b->offset; });
        for (size_t i = 1; i < by_offset.size(); ++i) {
            const TensorInfo& prev = *by_offset[i - 1];
            if (by_offset[i]->offset < prev.offset + prev.n_bytes)
                throw Error(ErrorCode::Malformed, "tensor '" + std::string(by_offset[i]->name) + "' overlaps tensor '" +
                                                      std::string(prev.name) + "' in the data section");
        }
    }

    std::shared_ptr<const void> storage_;  // keeps the bytes alive (null when borrowed)
    ByteSpan bytes_;            // the whole file, or only its header (from_header)
    uint64_t file_size_ = 0;    // the whole file's
    bool has_data_ = true;
    size_t table_end_ = 0;      // where the tensor table ends
    uint32_t version_ = 0;
    uint32_t alignment_ = kGgufDefaultAlignment;
    uint64_t data_offset_ = 0;
    std::vector<MetaEntry> metadata_;
    std::unordered_map<std::string_view, size_t> metadata_index_;
    std::vector<TensorInfo> tensors_;
    std::unordered_map<std::string_view, size_t> tensor_index_;
    std::vector<GgufFile> shards_;  // the other files of a split model; their bytes stay alive with them
};

}  // namespace chord
