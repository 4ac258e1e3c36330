// Hostile cases for what the structure holds: strings that are not UTF-8, NaN and infinite
// weights, and weight types wasm-chord cannot compute with.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "base_models.hpp"
#include "chord/quant_blocks.hpp"
#include "gguf_surgery.hpp"
#include "hostile_case.hpp"

namespace chord::hostile {

// Byte sequences that are not UTF-8: a byte that never starts a character, a lone continuation,
// an overlong '/', a surrogate, a code point past U+10FFFF, a sequence cut short.
inline const std::vector<std::string>& invalid_utf8_samples() {
    static const std::vector<std::string> samples = {"\xFF", "\x80", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82"};
    return samples;
}

inline std::string hex_bytes(const std::string& s) {
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (char c : s) out += std::string(out.empty() ? "" : " ") + hex[uint8_t(c) >> 4] + hex[uint8_t(c) & 15];
    return out;
}

inline void add_utf8_cases(CaseSink& sink, const BaseModels& models) {
    const std::vector<uint8_t>& bytes = models.small;
    const FieldMap m = FieldMap::of(bytes);
    // In place, over the first bytes after the first character of keys, names and string values.
    for (const std::string& bad : invalid_utf8_samples()) {
        const std::string sample = " with " + hex_bytes(bad);
        // Keys and names: the two- and three-byte samples (the reader checks them all alike).
        if (bad.size() == 2 || bad.size() == 3) {
            for (const FieldMap::Entry& e : m.metadata)
                sink.add("key '" + e.key + "'" + sample, overwritten(bytes, e.start + 8 + 1, bad), ErrorCode::Malformed,
                         " at offset " + std::to_string(e.start) + ": the key is not valid UTF-8 (byte 0x" +
                             hex_bytes(bad.substr(0, 1)) + " at offset 1)");
            for (const FieldMap::TensorEntry& t : m.tensors)
                sink.add("name '" + t.name + "'" + sample, overwritten(bytes, t.start + 8 + 1, bad), ErrorCode::Malformed,
                         "(table entry at offset " + std::to_string(t.start) + "): the name is not valid UTF-8");
        }
        for (const char* key : {"general.architecture", "tokenizer.ggml.model"})
            sink.add("value of '" + std::string(key) + "'" + sample, overwritten(bytes, m.entry(key).value_at + 8 + 1, bad),
                     ErrorCode::Malformed, "metadata '" + std::string(key) + "' is not valid UTF-8 (byte 0x" + hex_bytes(bad.substr(0, 1)));
    }
    // Token texts and BPE merges, at the start, in the middle and at the end of their arrays.
    const Recipe spm = Recipe::of(models.small), bpe = Recipe::of(models.bpe);
    const auto with_item = [](Recipe r, const std::string& key, size_t index, const std::string& text) {
        std::vector<std::string> items;
        const GgufFile file = GgufFile::from_buffer(r.bytes());  // alive while its strings are copied
        for (std::string_view s : file.get(key).as_array().strings()) items.emplace_back(s);
        items[index] = text;
        r.set(key, GgufValue::strings(items));
        return r.bytes();
    };
    for (const std::string& bad : invalid_utf8_samples()) {
        const std::string sample = " with " + hex_bytes(bad);
        for (size_t token : {0, 3, 300, 511})
            sink.add("token " + std::to_string(token) + sample, with_item(spm, "tokenizer.ggml.tokens", token, "a" + bad + "z"),
                     ErrorCode::Malformed, "token " + std::to_string(token) + " in tokenizer.ggml.tokens is not valid UTF-8 (byte 0x" +
                                               hex_bytes(bad.substr(0, 1)) + " at offset 1");
        for (size_t token : {0, 400})
            sink.add("BPE token " + std::to_string(token) + sample, with_item(bpe, "tokenizer.ggml.tokens", token, bad),
                     ErrorCode::Malformed, "token " + std::to_string(token) + " in tokenizer.ggml.tokens is not valid UTF-8");
        for (size_t merge : {0, 128, 255})
            sink.add("BPE merge " + std::to_string(merge) + sample, with_item(bpe, "tokenizer.ggml.merges", merge, "a " + bad),
                     ErrorCode::Malformed, "merge " + std::to_string(merge) + " in tokenizer.ggml.merges is not valid UTF-8");
        sink.add("tokenizer.ggml.pre" + sample, Recipe(bpe).set("tokenizer.ggml.pre", GgufValue::string("gpt" + bad)).bytes(),
                 ErrorCode::Malformed, "metadata 'tokenizer.ggml.pre' is not valid UTF-8");
        sink.add("llama.rope.scaling.type" + sample,
                 Recipe(spm).set("llama.rope.scaling.type", GgufValue::string("lin" + bad)).bytes(), ErrorCode::Malformed,
                 "metadata 'llama.rope.scaling.type' is not valid UTF-8");
    }
}

// Where the float fields of a block type are, and how NaN and Inf are spelled in them.
struct BlockFloats {
    GgmlType type;
    uint32_t block_bytes;
    std::vector<std::pair<const char*, uint32_t>> fields;  // name, offset in the block
    bool f32;                                              // the fields are floats, else halves
};

inline std::vector<BlockFloats> block_floats() {
    return {
        {GgmlType::F32, 4, {{nullptr, 0}}, true},
        {GgmlType::F16, 2, {{nullptr, 0}}, false},
        {GgmlType::BF16, 2, {{nullptr, 0}}, false},
        {GgmlType::Q4_0, sizeof(BlockQ4_0), {{"d", offsetof(BlockQ4_0, d)}}, false},
        {GgmlType::Q4_1, sizeof(BlockQ4_1), {{"d", offsetof(BlockQ4_1, d)}, {"m", offsetof(BlockQ4_1, m)}}, false},
        {GgmlType::Q5_0, sizeof(BlockQ5_0), {{"d", offsetof(BlockQ5_0, d)}}, false},
        {GgmlType::Q5_1, sizeof(BlockQ5_1), {{"d", offsetof(BlockQ5_1, d)}, {"m", offsetof(BlockQ5_1, m)}}, false},
        {GgmlType::Q8_0, sizeof(BlockQ8_0), {{"d", offsetof(BlockQ8_0, d)}}, false},
        {GgmlType::Q2_K, sizeof(BlockQ2_K), {{"d", offsetof(BlockQ2_K, d)}, {"dmin", offsetof(BlockQ2_K, dmin)}}, false},
        {GgmlType::Q3_K, sizeof(BlockQ3_K), {{"d", offsetof(BlockQ3_K, d)}}, false},
        {GgmlType::Q4_K, sizeof(BlockQ4_K), {{"d", offsetof(BlockQ4_K, d)}, {"dmin", offsetof(BlockQ4_K, dmin)}}, false},
        {GgmlType::Q5_K, sizeof(BlockQ5_K), {{"d", offsetof(BlockQ5_K, d)}, {"dmin", offsetof(BlockQ5_K, dmin)}}, false},
        {GgmlType::Q6_K, sizeof(BlockQ6_K), {{"d", offsetof(BlockQ6_K, d)}}, false},
        {GgmlType::Q8_K, sizeof(BlockQ8_K), {{"d", offsetof(BlockQ8_K, d)}}, true},
    };
}

// The bits of NaN / +Inf / -Inf in a float field of `type`.
inline uint32_t non_finite_bits(GgmlType type, bool f32, int which) {
    if (f32) return which == 0 ? 0x7FC00000u : which == 1 ? 0x7F800000u : 0xFF800000u;
    if (type == GgmlType::BF16) return which == 0 ? 0x7FC0u : which == 1 ? 0x7F80u : 0xFF80u;
    return which == 0 ? 0x7E00u : which == 1 ? 0x7C00u : 0xFC00u;
}

// `bytes` with field `field` of block (or element) `block` of tensor `t` set to NaN/Inf/-Inf.
inline std::vector<uint8_t> with_non_finite(const std::vector<uint8_t>& bytes, const FieldMap::TensorEntry& t, const BlockFloats& bf,
                                            uint64_t block, uint32_t field_offset, int which) {
    const size_t at = size_t(t.data_at + block * bf.block_bytes + field_offset);
    const uint32_t bits = non_finite_bits(bf.type, bf.f32, which);
    return bf.f32 ? patched<uint32_t>(bytes, at, bits) : patched<uint16_t>(bytes, at, uint16_t(bits));
}

inline void add_non_finite_cases(CaseSink& sink, const BaseModels& models) {
    const char* const spelled[] = {"NaN", "Inf", "-Inf"};
    const std::vector<BlockFloats> layouts = block_floats();
    const auto layout_of = [&](GgmlType type) -> const BlockFloats& {
        for (const BlockFloats& b : layouts)
            if (b.type == type) return b;
        throw Error(ErrorCode::NotFound, "no block layout");
    };
    // The scale: NaN in the first block, Inf in the middle one, -Inf in the last. A second field
    // (the minimum): NaN in the middle block.
    const auto add_for = [&](const std::vector<uint8_t>& bytes, const std::string& model, const std::string& tensor) {
        const FieldMap m = FieldMap::of(bytes);
        const FieldMap::TensorEntry& t = m.tensor(tensor);
        const BlockFloats& bf = layout_of(t.type);
        const uint64_t blocks = t.data_size / bf.block_bytes;
        for (const auto& [field, offset] : bf.fields) {
            std::vector<std::pair<uint64_t, int>> where = {{0, 0}, {blocks / 2, 1}, {blocks - 1, 2}};
            if (offset != bf.fields.front().second) where = {{blocks / 2, 0}};
            for (const auto& [block, which] : where) {
                const std::string at = field ? "in the " + std::string(field) + " field of block " + std::to_string(block)
                                             : "at element " + std::to_string(block);
                sink.add(model + " '" + tensor + "' (" + type_name(t.type) + ") " + spelled[which] + " " + at,
                         with_non_finite(bytes, t, bf, block, offset, which), ErrorCode::Malformed,
                         "tensor '" + tensor + "' holds " + (which == 0 ? "NaN " : "Inf ") + at);
            }
        }
    };
    for (const char* tensor : {"blk.0.attn_norm.weight", "output_norm.weight", "token_embd.weight", "blk.0.ffn_down.weight"})
        add_for(models.small, "small", tensor);  // F32 norms, F16 matrices
    std::vector<GgmlType> seen;  // one tensor of each type
    for (const auto& [tensor, type] : every_type_tensors()) {
        if (std::find(seen.begin(), seen.end(), type) != seen.end()) continue;
        seen.push_back(type);
        add_for(models.every_type, "every-type", tensor);
    }
}

// Types ggml knows and wasm-chord does not compute with, written over a type of the same block
// size (so that the table stays valid): refused at load, not at the first token.
inline void add_unsupported_type_cases(CaseSink& sink, const BaseModels& models) {
    const struct {
        const char* model;
        const std::vector<uint8_t>& bytes;
        const char* tensor;
        GgmlType type;
    } swaps[] = {
        {"small", models.small, "token_embd.weight", GgmlType::I16},
        {"small", models.small, "blk.0.attn_q.weight", GgmlType::I16},
        {"small", models.small, "output.weight", GgmlType::I16},
        {"small", models.small, "blk.0.attn_norm.weight", GgmlType::I32},
        {"small", models.small, "output_norm.weight", GgmlType::I32},
        {"every-type", models.every_type, "blk.1.ffn_gate.weight", GgmlType::IQ4_NL},
        {"every-type", models.every_type, "blk.1.ffn_down.weight", GgmlType::IQ4_NL},
        {"every-type", models.every_type, "blk.0.ffn_up.weight", GgmlType::IQ3_S},
        {"every-type", models.every_type, "blk.1.attn_k.weight", GgmlType::I16},
    };
    for (const auto& s : swaps) {
        const FieldMap m = FieldMap::of(s.bytes);
        sink.add(std::string(s.model) + " '" + s.tensor + "' as " + type_name(s.type),
                 patched(s.bytes, m.tensor(s.tensor).type_at, uint32_t(s.type)),
                 ErrorCode::UnsupportedType,
                 std::string("tensor '") + s.tensor + "': weight type " + type_name(s.type) + " is not supported by wasm-chord");
    }
}

}  // namespace chord::hostile
