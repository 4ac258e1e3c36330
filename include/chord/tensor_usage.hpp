// Every tensor of a model file must be used by the forward pass we run, or the load fails naming
// it: an unknown tensor is a feature of the model (a bias, a norm, experts, RoPE factors, …) that
// computing without would silently give wrong text.
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "chord/error.hpp"
#include "chord/gguf.hpp"

namespace chord {

// What a tensor is for in llama.cpp's naming, for the error message.
inline std::string tensor_purpose(std::string_view name) {
    const auto has = [&](std::string_view part) { return name.find(part) != std::string_view::npos; };
    if (has("_exps") || has("_shexp") || has("ffn_gate_inp")) return "mixture-of-experts weights";
    if (has("rope_freqs")) return "RoPE frequency factors";
    if (has("rope_factors")) return "LongRoPE frequency factors";
    if (has("attn_q_norm") || has("attn_k_norm")) return "a per-head query/key norm";
    if (has("post_attention_norm") || has("post_ffw_norm")) return "a norm after the attention or feed-forward block";
    if (has("attn_sinks")) return "attention sinks";
    if (name.size() > 5 && name.substr(name.size() - 5) == ".bias") return "a bias";
    if (has("norm")) return "a norm";
    return "of a purpose this library does not know";
}

// Throws Unsupported for the first tensor of `file` that is not in `used`.
inline void refuse_unused_tensors(const GgufFile& file, const std::set<std::string>& used, const std::string& architecture) {
    for (const TensorInfo& t : file.tensors()) {
        if (used.count(std::string(t.name))) continue;
        throw Error(ErrorCode::Unsupported, "tensor '" + std::string(t.name) + "' (" + tensor_purpose(t.name) +
                                                ") is not used by the " + architecture +
                                                " forward pass this library implements: computing without it would be wrong");
    }
}

}  // namespace chord
