// A session's saved context (Session::save and load): the tokens its KV cache holds and the
// cache's rows for them, every layer, keys and values in the cache's own type, behind a header that
// names the model and cache it belongs to, so that a state loads only where it means the same.
//
// Layout (little-endian, as GGUF):
//   "CHKV"                      magic
//   u32 version                 kSessionStateVersion
//   u64 model fingerprint       model_fingerprint(): tensor table, RoPE, first bytes of each tensor
//   u32 n_layer, n_head_kv, head_dim, n_ctx, cache type (0 f16, 1 q8_0, 2 f32)
//   u32 n_tokens                positions in use (< n_ctx)
//   i32 tokens[n_tokens]
//   cache rows                  per layer: keys [n_tokens × row bytes], then values likewise
//   u64 checksum                FNV-1a 64 of every byte before it
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "chord/byte_reader.hpp"
#include "chord/model.hpp"

namespace chord {

constexpr char kSessionStateMagic[4] = {'C', 'H', 'K', 'V'};
constexpr uint32_t kSessionStateVersion = 1;
constexpr uint64_t kSessionStateHeaderBytes = 4 + 4 + 8 + 6 * 4;  // magic to n_tokens
// The format writes these as they are: changing one changes the format.
static_assert(int(KvCacheType::F16) == 0 && int(KvCacheType::Q8_0) == 1 && int(KvCacheType::F32) == 2, "cache type codes");
static_assert(sizeof(TokenId) == 4, "token ids are i32");

// 64-bit FNV-1a, continued from `h`.
inline uint64_t fnv1a64(const void* data, size_t n, uint64_t h = 0xcbf29ce484222325ull) {
    const uint8_t* p = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

// What tells one model from another without reading all its weights: every tensor's name, type
// and shape, the first 64 bytes of its data, and the RoPE that turned the cached keys.
inline uint64_t model_fingerprint(const Model& model) {
    uint64_t h = fnv1a64(nullptr, 0);
    const auto add = [&h](const void* p, size_t n) { h = fnv1a64(p, n, h); };
    for (const TensorInfo& t : model.file().tensors()) {
        add(t.name.data(), t.name.size());
        add(&t.type, sizeof t.type);
        add(t.shape.data(), sizeof t.shape);
        const ByteSpan head = model.tensor_head(t);  // kTensorHeadBytes (64) of them
        add(head.data, head.size);
    }
    const ModelConfig& c = model.config();
    for (float f : {c.rope_freq_base, c.rope_freq_scale, c.rope_freq_base_swa, c.rope_freq_scale_swa, c.rope_ext_factor,
                    c.rope_attn_factor})
        add(&f, sizeof f);
    for (uint32_t u : {c.n_rot, c.rope_orig_ctx, uint32_t(c.rope_neox), c.sliding_window}) add(&u, sizeof u);
    return h;
}

// The numbers of the header after the magic and version, in their order.
struct SessionStateShape {
    uint64_t fingerprint;
    uint32_t n_layer, n_head_kv, head_dim, n_ctx, cache_type;

    static SessionStateShape of(const Model& model) {
        const ModelConfig& c = model.config();
        return {model_fingerprint(model), c.n_layer, c.n_head_kv, c.head_dim, model.n_ctx(), uint32_t(model.kv_cache_type())};
    }
};

// Bytes of a whole state of `n` tokens of this shape; 0 when the numbers overflow (a damaged header).
inline uint64_t session_state_size(const SessionStateShape& s, uint32_t n) {
    const uint64_t row = kv_cache_row_bytes(KvCacheType(s.cache_type), uint64_t(s.n_head_kv) * s.head_dim);
    uint64_t rows, cache;  // 2 · n_layer · n rows, each `row` bytes
    if (__builtin_mul_overflow(2ull * s.n_layer, uint64_t(n), &rows) || __builtin_mul_overflow(rows, row, &cache) ||
        cache > (1ull << 62))
        return 0;
    return kSessionStateHeaderBytes + uint64_t(n) * sizeof(TokenId) + cache + 8;
}

// The state of a model's cache holding `tokens` at positions [0, tokens.size()).
inline std::vector<uint8_t> write_session_state(const Model& model, const std::vector<TokenId>& tokens) {
    const SessionStateShape shape = SessionStateShape::of(model);
    const uint32_t n = uint32_t(tokens.size());
    std::vector<uint8_t> out;
    out.reserve(size_t(session_state_size(shape, n)));
    const auto put = [&out](const void* p, size_t size) {
        out.insert(out.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + size);
    };
    put(kSessionStateMagic, 4);
    put(&kSessionStateVersion, 4);
    put(&shape.fingerprint, 8);
    for (uint32_t u : {shape.n_layer, shape.n_head_kv, shape.head_dim, shape.n_ctx, shape.cache_type, n}) put(&u, 4);
    put(tokens.data(), n * sizeof(TokenId));
    const size_t cache_at = out.size();
    out.resize(cache_at + size_t(model.cache_state_bytes(n)));
    model.read_cache_state(n, out.data() + cache_at);
    const uint64_t checksum = fnv1a64(out.data(), out.size());
    put(&checksum, 8);
    return out;
}

// A state checked against `model`: its tokens, and where its cache rows start in the bytes read.
struct SessionStateView {
    std::vector<TokenId> tokens;
    const uint8_t* cache = nullptr;  // model.cache_state_bytes(tokens.size()) bytes
};

// Reads a state for `model`, checking all of it before the caller changes anything: a truncated
// state is a Truncated error; a damaged one (magic, version, size, checksum, token ids) Malformed;
// an intact state of another model, shape, context or cache type InvalidArgument.
inline SessionStateView read_session_state(const Model& model, const uint8_t* data, size_t size) {
    ByteReader r({data, size});
    r.require(4, "the session state's magic");
    if (std::memcmp(r.current(), kSessionStateMagic, 4) != 0)
        throw Error(ErrorCode::Malformed, "this is not a saved session state (no 'CHKV' magic)");
    r.skip(4, "magic");
    const uint32_t version = r.read<uint32_t>("the session state's version");
    if (version != kSessionStateVersion)
        throw Error(ErrorCode::Malformed, "session state version " + std::to_string(version) + " (this library reads " +
                                              std::to_string(kSessionStateVersion) + ")");
    SessionStateShape saved{};
    saved.fingerprint = r.read<uint64_t>("the model fingerprint");
    for (uint32_t* u : {&saved.n_layer, &saved.n_head_kv, &saved.head_dim, &saved.n_ctx, &saved.cache_type})
        *u = r.read<uint32_t>("the session state's shape");
    const uint32_t n = r.read<uint32_t>("the token count");
    if (saved.cache_type > uint32_t(KvCacheType::F32))
        throw Error(ErrorCode::Malformed, "the session state names KV cache type " + std::to_string(saved.cache_type));
    // All of it there, and intact, before its numbers are believed.
    const uint64_t expected = session_state_size(saved, n);
    if (expected == 0) throw Error(ErrorCode::Malformed, "the session state's header is damaged (sizes overflow)");
    if (size < expected)
        throw Error(ErrorCode::Truncated, "the session state is truncated: " + std::to_string(size) + " bytes of " +
                                              std::to_string(expected));
    if (size > expected)
        throw Error(ErrorCode::Malformed, "the session state has " + std::to_string(size - expected) + " bytes too many");
    uint64_t checksum;
    std::memcpy(&checksum, data + size - 8, 8);
    if (checksum != fnv1a64(data, size - 8)) throw Error(ErrorCode::Malformed, "the session state is damaged (checksum)");

    const SessionStateShape here = SessionStateShape::of(model);
    const auto mismatch = [](const std::string& what, uint64_t saved_value, uint64_t here_value) {
        return Error(ErrorCode::InvalidArgument, "the session state's " + what + " is " + std::to_string(saved_value) +
                                                     ", this model's " + std::to_string(here_value));
    };
    if (saved.n_layer != here.n_layer) throw mismatch("layer count", saved.n_layer, here.n_layer);
    if (saved.n_head_kv != here.n_head_kv) throw mismatch("number of key/value heads", saved.n_head_kv, here.n_head_kv);
    if (saved.head_dim != here.head_dim) throw mismatch("head size", saved.head_dim, here.head_dim);
    if (saved.n_ctx != here.n_ctx) throw mismatch("context", saved.n_ctx, here.n_ctx);
    if (saved.cache_type != here.cache_type)
        throw Error(ErrorCode::InvalidArgument, std::string("the session state holds a ") +
                                                    kv_cache_type_name(KvCacheType(saved.cache_type)) + " KV cache; this model's is " +
                                                    kv_cache_type_name(model.kv_cache_type()));
    if (saved.fingerprint != here.fingerprint)
        throw Error(ErrorCode::InvalidArgument, "the session state was saved with another model (its weights or RoPE differ)");
    if (n >= here.n_ctx) throw Error(ErrorCode::Malformed, "the session state holds as many tokens as its context, or more");

    SessionStateView view;
    view.tokens.resize(n);
    if (n != 0) std::memcpy(view.tokens.data(), r.current(), n * sizeof(TokenId));
    for (TokenId id : view.tokens)
        if (id < 0 || size_t(id) >= model.tokenizer().vocab().size())
            throw Error(ErrorCode::Malformed, "the session state holds token id " + std::to_string(id) + ", outside the vocabulary");
    view.cache = r.current() + n * sizeof(TokenId);
    return view;
}

}  // namespace chord
