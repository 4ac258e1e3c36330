// Hostile cases for the tensor table: dimension counts, shapes whose products overflow, type
// ids, data offsets out of range, overlapping or misaligned, and general.alignment.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gguf_surgery.hpp"
#include "hostile_case.hpp"

namespace chord::hostile {

inline std::string table_entry(const FieldMap::TensorEntry& t) {
    return "(table entry at offset " + std::to_string(t.start) + "): ";
}

inline void add_dimension_cases(CaseSink& sink, const std::vector<uint8_t>& bytes) {
    const FieldMap m = FieldMap::of(bytes);
    for (const FieldMap::TensorEntry& t : m.tensors)
        for (uint32_t n_dims : {0u, 5u, 0x80000000u, 0xFFFFFFFFu})
            sink.add("'" + t.name + "' with " + std::to_string(n_dims) + " dimensions", patched(bytes, t.n_dims_at, n_dims),
                     ErrorCode::Malformed, table_entry(t) + "has " + std::to_string(n_dims) + " dimensions, expected 1 to 4");

    const uint64_t two_63 = uint64_t(1) << 63;
    for (const FieldMap::TensorEntry& t : m.tensors) {
        const auto shape = [&](uint64_t d0, uint64_t d1) {
            std::vector<uint8_t> b = patched(bytes, t.dims_at, d0);
            return t.n_dims > 1 ? patched(b, t.dims_at + 8, d1) : b;
        };
        const std::string name = "'" + t.name + "' of shape ";
        if (t.n_dims == 1) {
            // The product fits; its bytes do not (F32: 4 bytes each).
            sink.add(name + "[2^62]", shape(uint64_t(1) << 62, 0), ErrorCode::Malformed, table_entry(t) + "byte size overflows");
            sink.add(name + "[2^61]", shape(uint64_t(1) << 61, 0), ErrorCode::Truncated, "truncated: tensor '" + t.name + "' needs bytes");
            for (uint64_t d0 : {two_63, UINT64_MAX})
                sink.add(name + "[" + std::to_string(d0) + "]", shape(d0, 0), ErrorCode::Malformed,
                         table_entry(t) + "shape overflows: dimension 0");
            continue;
        }
        // Products past 2^63 (ggml counts elements in int64) and past 2^64.
        const struct {
            uint64_t d0, d1;
            int bad_dim;
        } overflows[] = {{uint64_t(1) << 32, uint64_t(1) << 32, 1}, {uint64_t(1) << 31, uint64_t(1) << 32, 1},
                         {3, uint64_t(1) << 62, 1},                 {two_63, 1, 0},
                         {UINT64_MAX, 1, 0},                        {2, UINT64_MAX, 1}};
        for (const auto& o : overflows)
            sink.add(name + "[" + std::to_string(o.d0) + ", " + std::to_string(o.d1) + "]", shape(o.d0, o.d1), ErrorCode::Malformed,
                     table_entry(t) + "shape overflows: dimension " + std::to_string(o.bad_dim));
        // Products past 2^32 but not 2^64: fine in 64 bits, they wrap around in a 32-bit size_t.
        const uint64_t two_32 = uint64_t(1) << 32;
        const std::vector<std::pair<uint64_t, uint64_t>> wide = {
            {65536, 65537}, {two_32 + 32, 1}, {32, two_32}, {two_32 / 2, 3}, {uint64_t(1) << 20, uint64_t(1) << 20}};
        for (const auto& [d0, d1] : wide)
            sink.add(name + "[" + std::to_string(d0) + ", " + std::to_string(d1) + "]", shape(d0, d1), ErrorCode::Truncated,
                     "truncated: tensor '" + t.name + "' needs bytes");
        // No elements: the table is fine, the model is not.
        const std::string empty_error = t.name == "token_embd.weight" ? "token_embd.weight has 0 rows"
                                                                     : "tensor '" + t.name + "' has the wrong shape";
        sink.add(name + "[32, 0]", shape(32, 0), ErrorCode::Malformed, empty_error);
    }
}

inline void add_type_id_cases(CaseSink& sink, const std::vector<uint8_t>& bytes) {
    const FieldMap m = FieldMap::of(bytes);
    // Ids ggml never had, and the ones it removed (Q4_2, Q4_3; the Q4_0_4_4 … repacked types).
    const uint32_t unknown[] = {4, 5, 31, 33, 36, 38, 42, 0xFFFFFFFFu};
    for (const FieldMap::TensorEntry& t : m.tensors)
        for (uint32_t id : unknown)
            sink.add("'" + t.name + "' of type id " + std::to_string(id), patched(bytes, t.type_at, id), ErrorCode::UnsupportedType,
                     table_entry(t) + "unknown tensor type id " + std::to_string(id));
    // Block types whose blocks do not divide the rows (of 32 or 64 weights).
    for (const FieldMap::TensorEntry& t : m.tensors)
        for (GgmlType type : {GgmlType::Q4_K, GgmlType::Q6_K, GgmlType::Q8_K, GgmlType::IQ2_XXS, GgmlType::Q1_0})
            sink.add("'" + t.name + "' as " + type_name(type), patched(bytes, t.type_at, uint32_t(type)), ErrorCode::Malformed,
                     table_entry(t) + "row length " + std::to_string(t.shape[0]) + " is not a multiple of the " +
                         type_name(type) + " block size");
}

inline void add_offset_cases(CaseSink& sink, const std::vector<uint8_t>& bytes) {
    const FieldMap m = FieldMap::of(bytes);
    const uint64_t data_size = m.file_size - m.data_offset;
    for (const FieldMap::TensorEntry& t : m.tensors) {
        for (uint64_t delta : {1, 2, 4, 16, 31})
            sink.add("'" + t.name + "' data offset +" + std::to_string(delta), patched(bytes, t.offset_at, t.offset + delta),
                     ErrorCode::Malformed,
                     "tensor '" + t.name + "': data offset " + std::to_string(t.offset + delta) + " is not a multiple of the alignment 32");
        // Aligned, past the end (2^32 + offset: the same offset in a 32-bit size_t).
        for (uint64_t offset : {(data_size + 31) / 32 * 32, (data_size + 31) / 32 * 32 + 4096, (uint64_t(1) << 32) + t.offset,
                                uint64_t(1) << 63, UINT64_MAX - 31})
            sink.add("'" + t.name + "' data at offset " + std::to_string(offset), patched(bytes, t.offset_at, offset),
                     ErrorCode::Truncated, "truncated: tensor '" + t.name + "' needs bytes");
        // Its data where the tensor before or after it has its own, entirely or in part.
        for (const FieldMap::TensorEntry& other : m.tensors) {
            const ptrdiff_t distance = &other - &t;
            if (distance != 1 && distance != -1) continue;
            for (uint64_t at : {other.offset, other.offset + 32}) {
                if (at >= other.offset + other.data_size || at + t.data_size > data_size) continue;
                sink.add("'" + t.name + "' data over '" + other.name + "' at " + std::to_string(at), patched(bytes, t.offset_at, at),
                         ErrorCode::Malformed, "' overlaps tensor '");
            }
        }
    }
}

inline void add_alignment_cases(CaseSink& sink, const std::vector<uint8_t>& bytes) {
    const Recipe base = Recipe::of(bytes);
    const auto with_alignment = [&](GgufValue value) { return Recipe(base).set("general.alignment", std::move(value)).bytes(); };
    for (uint32_t a : {0u, 3u, 48u, 100u, 0x80000000u, 0xFFFFFFFFu})
        sink.add("general.alignment u32 " + std::to_string(a), with_alignment(GgufValue::u32(a)), ErrorCode::Malformed,
                 "general.alignment is " + std::to_string(a) + ", expected a power of two");
    for (uint64_t a : {uint64_t(1) << 32, uint64_t(1) << 63, UINT64_MAX})
        sink.add("general.alignment u64 " + std::to_string(a), with_alignment(GgufValue::u64(a)), ErrorCode::Malformed,
                 "general.alignment is " + std::to_string(a) + ", expected a power of two");
    // Valid, and so large that the data would start a gigabyte in.
    sink.add("general.alignment 2^30", with_alignment(GgufValue::u32(1u << 30)), ErrorCode::Truncated,
             "truncated: tensor data should start at offset 1073741824");
    sink.add("general.alignment i32 -32", with_alignment(GgufValue::i32(-32)), ErrorCode::WrongType,
             "metadata 'general.alignment' is -32, expected a non-negative integer");
    sink.add("general.alignment f32 32", with_alignment(GgufValue::f32(32)), ErrorCode::WrongType,
             "metadata 'general.alignment' is f32, expected an integer");
    sink.add("general.alignment string", with_alignment(GgufValue::string("32")), ErrorCode::WrongType,
             "metadata 'general.alignment' is string, expected an integer");
    // A file really aligned to 64 whose tensor sits 32 bytes off.
    const std::vector<uint8_t> aligned_64 = base.bytes(64);
    const FieldMap m = FieldMap::of(aligned_64);
    for (const FieldMap::TensorEntry& t : m.tensors)
        sink.add("'" + t.name + "' at +32 with alignment 64", patched(aligned_64, t.offset_at, t.offset + 32), ErrorCode::Malformed,
                 "tensor '" + t.name + "': data offset " + std::to_string(t.offset + 32) + " is not a multiple of the alignment 64");
}

}  // namespace chord::hostile
