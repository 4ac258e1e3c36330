// Phi-3 support without a Phi-3 file: the bundled llama model rewritten in Phi-3's layout (fused
// q/k/v and gate/up matrices, NeoX RoPE) must compute the same logits. NeoX rotates pairs
// (i, i + d/2) where llama rotates (2i, 2i+1): permuting the rows of Wq and Wk within each head
// turns one into the other, which is what conversion scripts do.
#include <gtest/gtest.h>

#include "chord/gguf_writer.hpp"
#include "chord/model.hpp"
#include "test_support.hpp"

namespace chord {
namespace {

GgufValue copy_value(const MetaValue& v) {
    switch (v.type()) {
        case MetaType::String: return GgufValue::string(v.as_string());
        case MetaType::U32: return GgufValue::u32(uint32_t(v.as_u64()));
        case MetaType::F32: return GgufValue::f32(v.as_f32());
        case MetaType::Array: {
            const MetaArray a = v.as_array();
            if (a.element_type() == MetaType::String) {
                std::vector<std::string> s;
                for (std::string_view x : a.strings()) s.emplace_back(x);
                return GgufValue::strings(s);
            }
            if (a.element_type() == MetaType::F32) return GgufValue::numbers(MetaType::F32, a.numbers<float>());
            if (a.element_type() == MetaType::I32) return GgufValue::numbers(MetaType::I32, a.numbers<int32_t>());
            break;
        }
        default: break;
    }
    throw Error(ErrorCode::Unsupported, "test cannot copy metadata '" + std::string(v.key()) + "'");
}

// Rows of an F32 [cols × rows] tensor, reordered so that llama's RoPE pairs become NeoX pairs.
std::vector<float> neox_rows(const std::vector<float>& w, size_t cols, size_t rows, size_t head_dim) {
    std::vector<float> out(w.size());
    for (size_t r = 0; r < rows; ++r) {
        const size_t head = r / head_dim, d = r % head_dim;
        const size_t to = head * head_dim + (d % 2 == 0 ? d / 2 : d / 2 + head_dim / 2);
        std::copy(w.begin() + std::ptrdiff_t(r * cols), w.begin() + std::ptrdiff_t((r + 1) * cols),
                  out.begin() + std::ptrdiff_t(to * cols));
    }
    return out;
}

std::vector<uint8_t> as_phi3(const GgufFile& llama) {
    GgufWriter w;
    for (const MetaEntry& e : llama.metadata()) {
        std::string key(e.key);
        if (key == "general.architecture") {
            w.set(key, GgufValue::string("phi3"));
            continue;
        }
        if (key.rfind("llama.", 0) == 0) key = "phi3." + key.substr(6);
        w.set(key, copy_value(e.value));
    }
    const ModelConfig c = ModelConfig::from_gguf(llama);
    const auto add = [&](const std::string& name, const std::vector<float>& data, std::vector<uint64_t> shape) {
        w.add_tensor(name, GgmlType::F32, shape, data.data(), data.size() * sizeof(float));
    };
    const auto floats = [&](const std::string& name) { return llama.tensor(name).to_floats(); };
    for (const char* name : {"token_embd.weight", "output_norm.weight", "output.weight"}) {
        const TensorInfo* t = llama.find_tensor(name);
        add(name, floats(name), std::vector<uint64_t>(t->shape.begin(), t->shape.begin() + t->n_dims));
    }
    for (uint32_t l = 0; l < c.n_layer; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        std::vector<float> qkv = neox_rows(floats(p + "attn_q.weight"), c.n_embd, c.q_width(), c.head_dim);
        const std::vector<float> k = neox_rows(floats(p + "attn_k.weight"), c.n_embd, c.kv_width(), c.head_dim);
        const std::vector<float> v = floats(p + "attn_v.weight");
        qkv.insert(qkv.end(), k.begin(), k.end());
        qkv.insert(qkv.end(), v.begin(), v.end());
        add(p + "attn_qkv.weight", qkv, {c.n_embd, c.q_width() + 2 * c.kv_width()});
        std::vector<float> gate_up = floats(p + "ffn_gate.weight");
        const std::vector<float> up = floats(p + "ffn_up.weight");
        gate_up.insert(gate_up.end(), up.begin(), up.end());
        add(p + "ffn_up.weight", gate_up, {c.n_embd, 2 * uint64_t(c.n_ff)});
        add(p + "attn_norm.weight", floats(p + "attn_norm.weight"), {c.n_embd});
        add(p + "ffn_norm.weight", floats(p + "ffn_norm.weight"), {c.n_embd});
        add(p + "attn_output.weight", floats(p + "attn_output.weight"), {c.q_width(), c.n_embd});
        add(p + "ffn_down.weight", floats(p + "ffn_down.weight"), {c.n_ff, c.n_embd});
    }
    return w.to_bytes();
}

TEST(Phi3Layout, SameWeightsInPhi3LayoutGiveTheSameLogits) {
    GgufFile llama_file = GgufFile::open((test::shared_dir() / "models" / "stories260K-f32.gguf").string());
    ASSERT_EQ(ModelConfig::from_gguf(llama_file).n_rot, ModelConfig::from_gguf(llama_file).head_dim);
    ModelOptions options;
    options.n_ctx = 64;
    auto phi3 = Model::load(GgufFile::from_buffer(as_phi3(llama_file)), options);
    auto llama = Model::load(std::move(llama_file), options);
    ASSERT_EQ(phi3->config().architecture, Architecture::Phi3);
    EXPECT_TRUE(phi3->config().rope_neox);

    std::vector<TokenId> tokens = llama->tokenizer().encode("Once upon a time");
    const std::vector<float>* a = &llama->forward(tokens.data(), tokens.size(), 0);
    const std::vector<float>* b = &phi3->forward(tokens.data(), tokens.size(), 0);
    float max_diff = 0;
    for (int step = 0; step < 12; ++step) {
        for (size_t i = 0; i < a->size(); ++i) max_diff = std::max(max_diff, std::fabs((*a)[i] - (*b)[i]));
        const TokenId next = TokenId(std::max_element(a->begin(), a->end()) - a->begin());
        ASSERT_EQ(next, TokenId(std::max_element(b->begin(), b->end()) - b->begin())) << "step " << step;
        const uint32_t n_past = uint32_t(tokens.size());
        tokens.push_back(next);
        a = &llama->forward(&next, 1, n_past);
        b = &phi3->forward(&next, 1, n_past);
    }
    EXPECT_LT(max_diff, 1e-3f);
}

}  // namespace
}  // namespace chord
