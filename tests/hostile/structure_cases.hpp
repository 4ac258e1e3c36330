// Hostile cases for the structure of a GGUF file: truncations at every boundary, the header,
// counts, string and array lengths, and metadata value types.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "gguf_surgery.hpp"
#include "hostile_case.hpp"

namespace chord::hostile {

// Lengths and counts that would allocate terabytes or overflow: 64-bit, and 32-bit (wasm's size_t,
// where 2^32 + n would wrap around to n).
inline std::vector<uint64_t> huge_lengths(uint64_t actual) {
    std::vector<uint64_t> lengths = {UINT64_MAX, uint64_t(1) << 63, (uint64_t(1) << 63) - 1, uint64_t(1) << 40, uint64_t(1) << 32};
    if (actual != 0) lengths.push_back((uint64_t(1) << 32) + actual);
    return lengths;
}

// What the reader must say when the file ends at `cut`: the section and, within it, the entry.
inline std::string truncation_fragment(const FieldMap& m, uint64_t cut) {
    if (cut < 4) return "truncated: GGUF magic";
    if (cut < 8) return "truncated: GGUF version";
    if (cut < 16) return "truncated: tensor count";
    if (cut < 24) return "truncated: metadata count";
    for (size_t i = m.metadata.size(); i-- > 0;)
        if (cut >= m.metadata[i].start && cut < m.metadata_end)
            return " at offset " + std::to_string(m.metadata[i].start) + ": truncated";
    for (size_t i = m.tensors.size(); i-- > 0;)
        if (cut >= m.tensors[i].start && cut < m.table_end)
            return "(table entry at offset " + std::to_string(m.tensors[i].start) + "): truncated";
    if (cut < m.data_offset) return "truncated: tensor data should start at offset " + std::to_string(m.data_offset);
    for (const FieldMap::TensorEntry& t : m.tensors)  // the first, in table (= file) order, that does not fit
        if (t.data_at + t.data_size > cut) return "truncated: tensor '" + t.name + "' needs bytes";
    return "";
}

// Every boundary between fields, and the bytes on either side; `all_fields` adds the inner
// fields of each entry (else only where entries and tensors start).
inline void add_truncations(CaseSink& sink, const std::string& model, const std::vector<uint8_t>& bytes, bool all_fields) {
    const FieldMap m = FieldMap::of(bytes);
    // Without all fields, the data only where it starts and ends.
    std::set<uint64_t> bounds = {0, 4, 8, 16, 24, m.metadata_end, m.table_end, m.data_offset, m.data_end - 1};
    for (const FieldMap::Entry& e : m.metadata) {
        bounds.insert(e.start);
        if (!all_fields) continue;
        for (uint64_t b : {e.start + 8, e.type_at, e.value_at, e.value_at + 4, e.value_at + 8, e.value_at + 12, e.value_at + 20})
            if (b < e.end) bounds.insert(b);
        bounds.insert(e.end - 1);
    }
    for (const FieldMap::TensorEntry& t : m.tensors) {
        bounds.insert(t.start);
        if (!all_fields) continue;
        bounds.insert(t.data_at);
        bounds.insert(t.data_at + t.data_size - 1);
        for (uint64_t b : {t.start + 8, t.n_dims_at, t.dims_at, t.type_at, t.offset_at, t.data_at + t.data_size / 2})
            bounds.insert(b);
    }
    std::set<uint64_t> cuts;
    for (uint64_t b : bounds) {
        if (b > 0) cuts.insert(b - 1);
        cuts.insert(b);
        cuts.insert(b + 1);
    }
    for (uint64_t cut : cuts) {
        if (cut >= m.data_end) continue;  // past the last tensor the file is complete
        sink.add(model + " cut at " + std::to_string(cut), truncated(bytes, cut), ErrorCode::Truncated,
                 truncation_fragment(m, cut));
    }
}

inline void add_header_cases(CaseSink& sink, const std::vector<uint8_t>& bytes) {
    for (const char* magic : {"GGUG", "gguf", "GGML", "GGJT", "\x7f" "ELF"})
        sink.add(std::string("magic '") + magic + "'", overwritten(bytes, 0, magic), ErrorCode::NotGguf, "not a GGUF file");
    sink.add("magic of zeros", patched<uint32_t>(bytes, 0, 0), ErrorCode::NotGguf, "not a GGUF file: it starts with bytes 00 00 00 00");
    for (uint32_t version : {0u, 4u, 100u, 0x7FFFFFFFu, 0xFFFFFFFFu})
        sink.add("version " + std::to_string(version), patched(bytes, 4, version), ErrorCode::UnsupportedVersion,
                 "unsupported GGUF version " + std::to_string(version));
    sink.add("version 1", patched<uint32_t>(bytes, 4, 1), ErrorCode::UnsupportedVersion, "GGUF version 1 is not supported");
    for (uint32_t version : {0x02000000u, 0x03000000u})
        sink.add("big-endian version " + std::to_string(version), patched(bytes, 4, version), ErrorCode::UnsupportedVersion,
                 "big-endian");
}

// Counts larger than what follows: each entry is read (and fails) in turn, nothing is reserved
// up front. The file ends where the missing entries would begin.
inline void add_count_cases(CaseSink& sink, const std::vector<uint8_t>& bytes) {
    const FieldMap m = FieldMap::of(bytes);
    const uint64_t n_meta = m.metadata.size(), n_tensors = m.tensors.size();
    const std::vector<uint8_t> without_table = truncated(bytes, m.metadata_end);
    for (uint64_t count : huge_lengths(n_meta)) {
        sink.add("metadata count " + std::to_string(count), patched(without_table, 16, count), ErrorCode::Truncated,
                 "metadata entry " + std::to_string(n_meta) + " at offset " + std::to_string(m.metadata_end) + ": truncated");
    }
    sink.add("metadata count one too many", patched(without_table, 16, n_meta + 1), ErrorCode::Truncated,
             "metadata entry " + std::to_string(n_meta) + " at offset " + std::to_string(m.metadata_end) + ": truncated");
    // No metadata: the first entry (general.architecture, a string) is read as a tensor of 8 dimensions.
    sink.add("metadata count 0", patched<uint64_t>(bytes, 16, 0), ErrorCode::Malformed,
             "tensor 0 'general.architecture' (table entry at offset 24): has 8 dimensions, expected 1 to 4");

    const std::vector<uint8_t> without_data = truncated(bytes, m.table_end);
    for (uint64_t count : huge_lengths(n_tensors)) {
        sink.add("tensor count " + std::to_string(count), patched(without_data, 8, count), ErrorCode::Truncated,
                 "tensor " + std::to_string(n_tensors) + " (table entry at offset " + std::to_string(m.table_end) + "): truncated");
    }
    sink.add("tensor count 0", patched<uint64_t>(bytes, 8, 0), ErrorCode::NotFound, "model tensor 'token_embd.weight' is missing");
}

// Lengths of keys, string values, arrays and tensor names past the end of the file.
inline void add_length_cases(CaseSink& sink, const std::vector<uint8_t>& bytes) {
    const FieldMap m = FieldMap::of(bytes);
    for (size_t i = 0; i < m.metadata.size(); ++i) {
        const FieldMap::Entry& e = m.metadata[i];
        const std::string where = " at offset " + std::to_string(e.start) + ": truncated: ";
        std::vector<uint64_t> lengths = huge_lengths(e.key.size());
        lengths.push_back(m.file_size - e.start - 8 + 1);  // one byte more than the file holds
        for (uint64_t length : lengths)
            sink.add("key of '" + e.key + "' " + std::to_string(length) + " bytes long", patched(bytes, e.start, length),
                     ErrorCode::Truncated, where + "metadata key needs " + std::to_string(length) + " bytes");
        if (e.type == MetaType::String) {
            lengths = huge_lengths(0);
            lengths.push_back(m.file_size - e.value_at - 8 + 1);
            for (uint64_t length : lengths)
                sink.add("string '" + e.key + "' " + std::to_string(length) + " bytes long", patched(bytes, e.value_at, length),
                         ErrorCode::Truncated, where + "string value needs " + std::to_string(length) + " bytes");
        }
        if (e.type == MetaType::Array) {
            // Fixed-size elements are checked against the bytes left; strings fail where they run out.
            std::vector<uint64_t> counts = huge_lengths(0);
            for (uint64_t c : {uint64_t(1) << 62, uint64_t(1) << 61, uint64_t(1) << 30, uint64_t(1) << 29}) counts.push_back(c);
            for (uint64_t count : counts)
                sink.add("array '" + e.key + "' of " + std::to_string(count), patched(bytes, e.value_at + 4, count),
                         ErrorCode::Truncated, where);
        }
    }
    // Strings inside the token array: the first, and the last.
    const FieldMap::Entry& tokens = m.entry("tokenizer.ggml.tokens");
    sink.add("token 0 of 2^63 bytes", patched(bytes, tokens.value_at + 12, uint64_t(1) << 63), ErrorCode::Truncated,
             " at offset " + std::to_string(tokens.start) + ": truncated: string value needs 9223372036854775808 bytes");
    for (const FieldMap::TensorEntry& t : m.tensors) {
        for (uint64_t length : huge_lengths(t.name.size()))
            sink.add("name of '" + t.name + "' " + std::to_string(length) + " bytes long", patched(bytes, t.start, length),
                     ErrorCode::Truncated,
                     "(table entry at offset " + std::to_string(t.start) + "): truncated: tensor name needs " +
                         std::to_string(length) + " bytes");
    }
}

// A value of `type` (an array's element type is given separately): the raw bytes after the type tag.
inline GgufValue raw_value(MetaType type, const std::string& bytes) { return GgufValue{type, bytes}; }

// An array header: u32 element type, u64 count.
inline std::string array_header(uint32_t element_type, uint64_t count) {
    std::string out;
    GgufValue::append_pod(out, element_type);
    GgufValue::append_pod(out, count);
    return out;
}

inline void add_metadata_type_cases(CaseSink& sink, const std::vector<uint8_t>& bytes) {
    const FieldMap m = FieldMap::of(bytes);
    for (const FieldMap::Entry& e : m.metadata)
        for (uint32_t type : {13u, 14u, 255u, 0x80000000u, 0xFFFFFFFFu})
            sink.add("'" + e.key + "' of value type " + std::to_string(type), patched(bytes, e.type_at, type), ErrorCode::Malformed,
                     " at offset " + std::to_string(e.start) + ": unknown metadata value type " + std::to_string(type));
    for (const FieldMap::Entry& e : m.metadata) {
        if (e.type != MetaType::Array) continue;
        for (uint32_t type : {13u, 0xFFFFFFFFu})
            sink.add("array '" + e.key + "' of element type " + std::to_string(type), patched(bytes, e.value_at, type),
                     ErrorCode::Malformed, "unknown metadata value type " + std::to_string(type));
    }

    // Extra entries, written as raw bytes: nested arrays, bools that are neither 0 nor 1.
    const Recipe base = Recipe::of(bytes);
    const auto with = [&](const std::string& key, GgufValue value) { return Recipe(base).set(key, std::move(value)).bytes(); };
    std::string u8_array = array_header(uint32_t(MetaType::U8), 3) + "abc";
    sink.add("nested array with an element of type 13",
             with("hostile.nested", raw_value(MetaType::Array, array_header(uint32_t(MetaType::Array), 2) + u8_array + array_header(13, 1))),
             ErrorCode::Malformed, "unknown metadata value type 13");
    std::string deep = u8_array;
    for (int level = 0; level < 9; ++level) deep = array_header(uint32_t(MetaType::Array), 1) + deep;
    sink.add("arrays nested 10 deep", with("hostile.deep", raw_value(MetaType::Array, deep)), ErrorCode::Malformed,
             "arrays nested deeper than 8 levels");
    for (uint64_t count : {UINT64_MAX, uint64_t(1) << 62, uint64_t(1) << 30})
        sink.add("nested array of " + std::to_string(count) + " u32",
                 with("hostile.nested", raw_value(MetaType::Array, array_header(uint32_t(MetaType::Array), 1) +
                                                                       array_header(uint32_t(MetaType::U32), count))),
                 ErrorCode::Truncated, "truncated: array of " + std::to_string(count) + " u32");
    // Last in a file without tensors, so that what follows the one real element is the zero
    // padding (more empty arrays), then the end of the file.
    Recipe metadata_only = base;
    metadata_only.tensors.clear();
    for (uint64_t count : {UINT64_MAX, uint64_t(1) << 40})
        sink.add("array of " + std::to_string(count) + " empty arrays",
                 Recipe(metadata_only)
                     .set("hostile.nested", raw_value(MetaType::Array, array_header(uint32_t(MetaType::Array), count) +
                                                                           array_header(uint32_t(MetaType::U8), 0)))
                     .bytes(),
                 ErrorCode::Truncated, "'hostile.nested' at offset");
    sink.add("array of strings, one 2^64-1 bytes long",
             with("hostile.strings", raw_value(MetaType::Array, array_header(uint32_t(MetaType::String), 2) +
                                                                   std::string("\x01\0\0\0\0\0\0\0a", 9) + std::string(8, '\xff'))),
             ErrorCode::Truncated, "truncated: string value needs 18446744073709551615 bytes");
    for (int b : {2, 0x80, 0xFF}) {
        sink.add("bool " + std::to_string(b), with("hostile.bool", raw_value(MetaType::Bool, std::string(1, char(b)))),
                 ErrorCode::Malformed, "bool value " + std::to_string(b));
        sink.add("bool array element " + std::to_string(b),
                 with("hostile.bools", raw_value(MetaType::Array, array_header(uint32_t(MetaType::Bool), 3) + std::string("\x01\x00", 2) +
                                                                     std::string(1, char(b)))),
                 ErrorCode::Malformed, "bool array element 2");
    }
}

// Keys and tensor names that the reader must refuse whatever the rest says: empty, or duplicated.
inline void add_name_cases(CaseSink& sink, const std::vector<uint8_t>& bytes) {
    const FieldMap m = FieldMap::of(bytes);
    for (const FieldMap::Entry& e : m.metadata)
        sink.add("key of '" + e.key + "' empty", patched<uint64_t>(bytes, e.start, 0), ErrorCode::Malformed,
                 " at offset " + std::to_string(e.start) + ": empty metadata key");
    for (const FieldMap::TensorEntry& t : m.tensors)
        sink.add("name of '" + t.name + "' empty", patched<uint64_t>(bytes, t.start, 0), ErrorCode::Malformed,
                 "(table entry at offset " + std::to_string(t.start) + "): empty tensor name");
    for (size_t i = 0; i < m.metadata.size(); ++i)
        for (size_t j = i + 1; j < m.metadata.size(); ++j)
            if (m.metadata[i].key.size() == m.metadata[j].key.size())
                sink.add("key '" + m.metadata[j].key + "' renamed '" + m.metadata[i].key + "'",
                         overwritten(bytes, m.metadata[j].start + 8, m.metadata[i].key), ErrorCode::Malformed,
                         " at offset " + std::to_string(m.metadata[j].start) + ": duplicate metadata key");
    for (size_t i = 0; i < m.tensors.size(); ++i)
        for (size_t j = i + 1; j < m.tensors.size(); ++j)
            if (m.tensors[i].name.size() == m.tensors[j].name.size())
                sink.add("tensor '" + m.tensors[j].name + "' renamed '" + m.tensors[i].name + "'",
                         overwritten(bytes, m.tensors[j].start + 8, m.tensors[i].name), ErrorCode::Malformed,
                         "(table entry at offset " + std::to_string(m.tensors[j].start) + "): duplicate tensor name");
}

}  // namespace chord::hostile
