// Writes a llama-architecture GGUF model of any shape with random weights and a real vocabulary,
// quantized by our own quantizers: benchmark models that need no download, and that llama.cpp
// loads as well as we do.
//
// The layout (metadata, the vocabulary's tokenizer.* keys, the tensor table) is fixed first;
// then each tensor is generated and quantized a few rows at a time and streamed to the file,
// so memory stays at one chunk however large the model. The same seed gives the same bytes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "chord/error.hpp"
#include "chord/gguf.hpp"
#include "chord/gguf_stream_writer.hpp"
#include "chord/gguf_writer.hpp"
#include "chord/model_shape.hpp"
#include "chord/quantize_weights.hpp"
#include "chord/type_traits.hpp"
#include "chord/weight_formats.hpp"
#include "chord/weight_rng.hpp"

namespace chord {

struct SynthOptions {
    ModelShape shape;
    std::string type = "q4_0";  // a name from kWeightFormats
    std::string vocab_path;     // a GGUF file whose tokenizer.* keys are copied
    uint64_t seed = 0;
};

// One tensor of the model to write.
struct SynthTensor {
    std::string name;
    TensorRole role;
    GgmlType type;
    std::vector<uint64_t> shape;  // GGUF order: row length first
};

constexpr float kSynthWeightStd = 0.02f;  // matrices; norm weights are 1

// The tensors of the model, in file order, each with its type. Throws InvalidArgument if a row
// length is not a whole number of its type's blocks.
inline std::vector<SynthTensor> synth_tensors(const ModelShape& shape, const WeightFormat& format, uint32_t n_vocab) {
    shape.validate();
    const uint64_t dim = shape.dim, kv = shape.kv_dim(), ffn = shape.ffn;
    const uint32_t gqa = shape.heads / shape.kv_heads;
    std::vector<SynthTensor> tensors;
    const auto add = [&](std::string name, TensorRole role, std::vector<uint64_t> dims, uint32_t layer) {
        const GgmlType type = tensor_type(format, role, layer, shape.layers, gqa);
        const uint32_t block = type_traits(type).block_elements;
        if (dims[0] % block != 0)
            throw Error(ErrorCode::InvalidArgument,
                        "tensor '" + name + "' has rows of " + std::to_string(dims[0]) + " weights, not a multiple of the " +
                            type_name(type) + " block size " + std::to_string(block) + ": choose dim and ffn as multiples of " +
                            std::to_string(block) + " for --type " + format.name);
        tensors.push_back({std::move(name), role, type, std::move(dims)});
    };
    add("token_embd.weight", TensorRole::TokenEmbedding, {dim, n_vocab}, 0);
    for (uint32_t l = 0; l < shape.layers; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        add(p + "attn_norm.weight", TensorRole::Norm, {dim}, l);
        add(p + "attn_q.weight", TensorRole::AttnQ, {dim, dim}, l);
        add(p + "attn_k.weight", TensorRole::AttnK, {dim, kv}, l);
        add(p + "attn_v.weight", TensorRole::AttnV, {dim, kv}, l);
        add(p + "attn_output.weight", TensorRole::AttnOutput, {dim, dim}, l);
        add(p + "ffn_norm.weight", TensorRole::Norm, {dim}, l);
        add(p + "ffn_gate.weight", TensorRole::FfnGate, {dim, ffn}, l);
        add(p + "ffn_up.weight", TensorRole::FfnUp, {dim, ffn}, l);
        add(p + "ffn_down.weight", TensorRole::FfnDown, {ffn, dim}, l);
    }
    add("output_norm.weight", TensorRole::Norm, {dim}, 0);
    add("output.weight", TensorRole::Output, {dim, n_vocab}, 0);
    return tensors;
}

// Metadata (llama.cpp's keys for the llama architecture, then the vocabulary's tokenizer.*
// keys) and the tensor table.
inline GgufLayout synth_layout(const SynthOptions& options, const GgufFile& vocab) {
    const ModelShape& s = options.shape;
    const WeightFormat& format = find_weight_format(options.type);
    const MetaValue* tokens = vocab.find("tokenizer.ggml.tokens");
    if (!tokens || tokens->type() != MetaType::Array || tokens->as_array().size() == 0)
        throw Error(ErrorCode::InvalidArgument, "'" + options.vocab_path + "' has no tokenizer.ggml.tokens: not a vocabulary");
    if (tokens->as_array().size() > UINT32_MAX)
        throw Error(ErrorCode::InvalidArgument, "'" + options.vocab_path + "' has too many tokens");
    const auto n_vocab = uint32_t(tokens->as_array().size());

    GgufLayout layout;
    layout.set("general.architecture", GgufValue::string("llama"));
    layout.set("general.name", GgufValue::string("synthetic " + s.name + " " + format.name + " (random weights)"));
    layout.set("llama.context_length", GgufValue::u32(s.ctx));
    layout.set("llama.embedding_length", GgufValue::u32(s.dim));
    layout.set("llama.feed_forward_length", GgufValue::u32(s.ffn));
    layout.set("llama.block_count", GgufValue::u32(s.layers));
    layout.set("llama.attention.head_count", GgufValue::u32(s.heads));
    layout.set("llama.attention.head_count_kv", GgufValue::u32(s.kv_heads));
    layout.set("llama.attention.layer_norm_rms_epsilon", GgufValue::f32(s.rms_eps));
    layout.set("llama.rope.freq_base", GgufValue::f32(s.rope_base));
    layout.set("llama.rope.dimension_count", GgufValue::u32(s.head_dim()));
    layout.set("llama.vocab_size", GgufValue::u32(n_vocab));
    const bool quantized = type_traits(format.base).block_elements > 1;
    if (quantized) layout.set("general.quantization_version", GgufValue::u32(2));
    layout.set("general.file_type", GgufValue::u32(format.file_type));
    for (const MetaEntry& e : vocab.metadata())
        if (e.key.substr(0, 10) == "tokenizer.") layout.set(std::string(e.key), GgufValue::copy_of(e.value));

    for (SynthTensor& t : synth_tensors(s, format, n_vocab)) layout.add_tensor(std::move(t.name), t.type, std::move(t.shape));
    return layout;
}

struct SynthResult {
    uint64_t parameters = 0;
    uint64_t file_bytes = 0;
    size_t tensors = 0;
};

// Generates the data of every tensor of `layout`, in table order, a few rows at a time (norms 1,
// matrices normal with kSynthWeightStd, quantized to the tensor's type), and hands each piece to
// `write(tensor, bytes, size)`. Returns the number of parameters.
template <typename Write>
uint64_t synth_weights(const GgufLayout& layout, uint64_t seed, Write&& write) {
    constexpr uint64_t kChunkWeights = uint64_t(1) << 20;  // generated and quantized at a time
    std::vector<float> weights;
    std::vector<uint8_t> quantized;
    uint64_t parameters = 0;
    for (const GgufLayout::Tensor& t : layout.tensors()) {
        const uint64_t row = t.shape[0], rows = t.shape.size() > 1 ? t.shape[1] : 1;
        const uint64_t rows_per_chunk = std::max<uint64_t>(1, kChunkWeights / row);
        const TypeTraits& traits = type_traits(t.type);
        const bool is_norm = t.shape.size() == 1;
        WeightRng rng(seed ^ fnv1a64(t.name));
        for (uint64_t done = 0; done < rows; done += rows_per_chunk) {
            const size_t n = size_t(std::min(rows_per_chunk, rows - done) * row);
            weights.resize(n);
            if (is_norm)
                std::fill(weights.begin(), weights.end(), 1.0f);
            else
                for (float& w : weights) w = kSynthWeightStd * rng.normal();
            quantized.resize(n / traits.block_elements * traits.block_bytes);
            quantize(t.type, weights.data(), quantized.data(), n);
            write(t, quantized.data(), quantized.size());
        }
        parameters += row * rows;
    }
    return parameters;
}

// Writes the model to `path`.
inline SynthResult synth_model(const SynthOptions& options, const std::string& path) {
    const GgufFile vocab = GgufFile::open(options.vocab_path);
    GgufStreamWriter writer(path, synth_layout(options, vocab));
    SynthResult result;
    result.parameters = synth_weights(writer.layout(), options.seed,
                                      [&](const GgufLayout::Tensor&, const uint8_t* data, size_t size) { writer.write(data, size); });
    writer.finish();
    result.tensors = writer.layout().tensors().size();
    result.file_bytes = writer.layout().file_size();
    return result;
}

// The same model as synth_model() writes, in memory, with the vocabulary already open: for tests
// that build small models without touching the disk (the wasm tests too).
inline std::vector<uint8_t> synth_model_bytes(const SynthOptions& options, const GgufFile& vocab) {
    const GgufLayout layout = synth_layout(options, vocab);
    const std::string header = layout.header_bytes();
    std::vector<uint8_t> bytes(header.begin(), header.end());
    synth_weights(layout, options.seed, [&](const GgufLayout::Tensor& t, const uint8_t* data, size_t size) {
        bytes.resize(std::max<size_t>(bytes.size(), header.size() + size_t(t.offset)));  // the padding before it
        bytes.insert(bytes.end(), data, data + size);
    });
    bytes.resize(size_t(layout.file_size()));
    return bytes;
}

}  // namespace chord
