// A loaded transformer model (llama, qwen2/3, phi3, gemma2/3): configuration, tokenizer, weights on a backend, KV cache, and
// the forward pass — the transformer as a graph of backend operations (step_graph.hpp), built once
// at load and run by the backend for every batch of tokens.
#pragma once

#include <cmath>
#include <memory>
#include <new>
#include <set>
#include <string>
#include <vector>

#include "chord/backend.hpp"
#include "chord/cpu_backend.hpp"
#include "chord/gguf.hpp"
#include "chord/gguf_split.hpp"
#include "chord/memory_budget.hpp"
#include "chord/model_config.hpp"
#include "chord/tensor_check.hpp"
#include "chord/tensor_usage.hpp"
#include "chord/tokenizer.hpp"
#include "chord/weight_stream.hpp"

namespace chord {

struct ModelOptions {
    uint32_t n_ctx = 0;        // context window in tokens; 0: the training context, at most 4096
    uint32_t batch_size = 0;   // tokens per forward pass while reading a prompt; 0: the backend's (64 CPU, 256 WebGPU)
    unsigned threads = 0;      // CPU threads; 0: one per hardware thread
    CpuKernels kernels = CpuKernels::Fast;  // the CPU backend's (the slower ones are for tests)
    uint64_t max_memory = 0;   // bytes the model may hold here (file, CPU KV cache, buffers); 0: what the platform has
    uint64_t max_gpu_memory = 0;  // bytes it may hold on a GPU (weights, KV cache, buffers); 0: no budget
    KvCacheType kv_cache_type = KvCacheType::F16;  // how keys and values are stored (kv_cache.hpp); F16 as llama.cpp
};

class Model {
public:
    // `path` may name any part of a split model (PREFIX-00001-of-00003.gguf): all parts are opened.
    static std::unique_ptr<Model> load(const std::string& path, const ModelOptions& options = {},
                                       std::unique_ptr<Backend> backend = nullptr) {
        return std::unique_ptr<Model>(new Model(open_model_file(path), options, std::move(backend)));
    }
    // A file opened from its header alone (GgufFile::from_header) gives a model whose weight
    // buffers are created empty, on a backend that can (WebGPU): StreamedModelLoad
    // (streamed_model_load.hpp) fills them and hands the model out once they are whole.
    static std::unique_ptr<Model> load(GgufFile file, const ModelOptions& options = {},
                                       std::unique_ptr<Backend> backend = nullptr) {
        return std::unique_ptr<Model>(new Model(std::move(file), options, std::move(backend)));
    }

    // The stream that fills the weights a header-only file left empty (none for a whole file).
    WeightStream stream_weights() {
        std::vector<uint64_t> data_sizes;
        for (uint32_t part = 0; part < file_.split_count(); ++part) data_sizes.push_back(file_.file_size(part) - file_.data_offset(part));
        std::vector<TensorHead> heads;
        streamed_heads_.assign(file_.tensors().size(), {});
        for (size_t i = 0; i < file_.tensors().size(); ++i) heads.push_back({&file_.tensors()[i], &streamed_heads_[i]});
        return WeightStream(*backend_, streamed_weights_, std::move(data_sizes), std::move(heads));
    }

    // The first min(kTensorHeadBytes, n_bytes) bytes of a tensor of file(): in the file, or kept
    // as they streamed past (a header-only file).
    ByteSpan tensor_head(const TensorInfo& t) const {
        if (file_.has_tensor_data()) {
            const TensorView view = file_.tensor(t);
            return {view.data, size_t(std::min<uint64_t>(kTensorHeadBytes, view.size))};
        }
        const std::vector<uint8_t>& head = streamed_heads_.at(size_t(&t - file_.tensors().data()));
        return {head.data(), head.size()};
    }

    const ModelConfig& config() const { return config_; }
    const Tokenizer& tokenizer() const { return tokenizer_; }
    const GgufFile& file() const { return file_; }
    const Backend& backend() const { return *backend_; }
    unsigned threads() const { return backend_->threads(); }
    uint32_t n_ctx() const { return n_ctx_; }
    KvCacheType kv_cache_type() const { return kv_cache_type_; }
    // The KV cache's bytes (keys and values, every layer, the whole context), wherever it lives.
    uint64_t kv_cache_bytes() const { return chord::kv_cache_bytes(config_, n_ctx_, kv_cache_type_); }
    uint32_t batch_size() const { return batch_size_; }

    // Runs `n` tokens at positions n_past, n_past+1, … (the cache must hold positions
    // [0, n_past) already) and returns the logits that follow the last of them.
    const std::vector<float>& forward(const TokenId* tokens, size_t n, uint32_t n_past) {
        check_tokens(tokens, n, n_past);
        for (size_t done = 0; done < n;) {
            const size_t batch = std::min<size_t>(n - done, batch_size_);
            forward_batch(graph_, tokens + done, batch, n_past + uint32_t(done));
            done += batch;
        }
        if (backend_->reads_asynchronously()) {  // the caller awaits the read, then finish_forward()
            backend_->begin_read(logits_buffer_, 0, 1);
            logits_pending_ = true;
        } else {
            backend_->read(logits_buffer_, 0, 1, logits_.data());
        }
        return logits_;
    }

    // With a backend that reads asynchronously: whether forward()'s logits are still on their way,
    // and, once they have arrived, the logits.
    bool logits_pending() const { return logits_pending_; }
    const std::vector<float>& finish_forward() {
        if (logits_pending_) backend_->read(logits_buffer_, 0, 1, logits_.data());
        logits_pending_ = false;
        return logits_;
    }

    // The final hidden states of `n` tokens read from position 0, a batch at a time: each token's
    // residual stream after the output norm, which is what llama.cpp returns as a decoder model's
    // embeddings (the logits are not computed). hidden_batch() runs the batch that starts at
    // `first` (0, then each batch's end in turn) and returns how many tokens it has;
    // finish_hidden_batch() gives their rows, n_embd floats each, valid until the next batch —
    // with a backend that reads asynchronously, once the caller has awaited them
    // (hidden_batch_pending() says so, as logits_pending() does for forward()). This overwrites the
    // KV cache: cache_epoch() changes with every batch.
    size_t hidden_batch(const TokenId* tokens, size_t n, size_t first) {
        check_tokens(tokens, n, 0);
        if (first >= n) throw Error(ErrorCode::InvalidArgument, "hidden_batch: no tokens from " + std::to_string(first));
        ++cache_epoch_;  // before the batch: a failed one has overwritten the cache too
        hidden_count_ = std::min<size_t>(n - first, batch_size_);
        hidden_rows_.resize(size_t(batch_size_) * config_.n_embd);
        forward_batch(hidden_graph_, tokens + first, hidden_count_, uint32_t(first));
        if (backend_->reads_asynchronously()) {
            backend_->begin_read(xn_, 0, hidden_count_);
            hidden_pending_ = true;
        } else {
            backend_->read(xn_, 0, hidden_count_, hidden_rows_.data());
        }
        return hidden_count_;
    }
    bool hidden_batch_pending() const { return hidden_pending_; }
    const float* finish_hidden_batch() {
        if (hidden_pending_) backend_->read(xn_, 0, hidden_count_, hidden_rows_.data());
        hidden_pending_ = false;
        return hidden_rows_.data();
    }

    // Changes whenever something other than forward() overwrote the KV cache (hidden_batch(),
    // write_cache_state()): a caller that remembers what the cache holds, as Session does, must
    // forget it then.
    uint64_t cache_epoch() const { return cache_epoch_; }

    // --- the KV cache between steps (Session: context shifts, saved states) ---
    // Positions [first, first + count) leave every layer's cache and [first + count, n_used) move
    // down by `count`, their keys turned to the new positions by the layer's own RoPE (the global
    // or the sliding-window one), as llama.cpp's context shift. Error(Unsupported), with nothing
    // changed, where the backend cannot.
    void shift_cache(uint32_t n_used, uint32_t first, uint32_t count) {
        for (const Layer& L : layers_)
            backend_->shift_cache(L.k_cache, L.v_cache, L.windowed ? rope_local_ : rope_global_, n_used, first, count);
    }
    // Positions [0, n) of every layer, keys then values a layer, as the bytes of the cache's type:
    // cache_state_bytes(n) of them. With a backend that reads asynchronously, read_cache_state()
    // takes the rows that begin_read_cache_state() started bringing back, once the caller has
    // awaited them.
    uint64_t cache_state_bytes(uint32_t n) const { return 2ull * config_.n_layer * n * cache_row_bytes(); }
    void begin_read_cache_state(uint32_t n) {
        for (const Layer& L : layers_) {
            backend_->begin_read_cache_rows(L.k_cache, 0, n);
            backend_->begin_read_cache_rows(L.v_cache, 0, n);
        }
    }
    void read_cache_state(uint32_t n, uint8_t* out) const {
        const size_t part = size_t(n * cache_row_bytes());
        for (const Layer& L : layers_) {
            backend_->read_cache_rows(L.k_cache, 0, n, out);
            backend_->read_cache_rows(L.v_cache, 0, n, out + part);
            out += 2 * part;
        }
    }
    void write_cache_state(uint32_t n, const uint8_t* in) {
        ++cache_epoch_;  // overwritten: whoever remembered the old contents must forget them
        const size_t part = size_t(n * cache_row_bytes());
        for (const Layer& L : layers_) {
            backend_->write_cache_rows(L.k_cache, 0, n, in);
            backend_->write_cache_rows(L.v_cache, 0, n, in + part);
            in += 2 * part;
        }
    }
    // Bytes of one position of one layer's keys (or values) in the cache.
    uint64_t cache_row_bytes() const { return kv_cache_row_bytes(kv_cache_type_, config_.kv_width()); }

private:
    struct Layer {
        BufferId attn_norm = kNoBuffer, wq = kNoBuffer, wk = kNoBuffer, wv = kNoBuffer, wqkv = kNoBuffer;
        BufferId bq = kNoBuffer, bk = kNoBuffer, bv = kNoBuffer, wo = kNoBuffer;
        BufferId q_norm = kNoBuffer, k_norm = kNoBuffer, post_attn_norm = kNoBuffer;
        BufferId ffn_norm = kNoBuffer, w_gate = kNoBuffer, w_up = kNoBuffer, w_gate_up = kNoBuffer, w_down = kNoBuffer;
        BufferId post_ffn_norm = kNoBuffer;
        BufferId k_cache = kNoBuffer, v_cache = kNoBuffer;
        bool fused_qkv = false, fused_gate_up = false, has_bias = false;
        bool windowed = false;  // attends through the sliding window, with the local RoPE
    };

    Model(GgufFile file, const ModelOptions& options, std::unique_ptr<Backend> backend)
        : file_(std::move(file)),
          config_(ModelConfig::from_gguf(file_)),
          tokenizer_(Tokenizer::from_gguf(file_)),
          backend_(backend ? std::move(backend) : make_cpu_backend({options.threads, options.kernels})) {
        n_ctx_ = options.n_ctx ? options.n_ctx : std::min<uint32_t>(config_.n_ctx_train, 4096);
        batch_size_ = std::max<uint32_t>(1, std::min(options.batch_size ? options.batch_size : backend_->preferred_batch_size(), n_ctx_));
        kv_cache_type_ = options.kv_cache_type;
        check_kv_cache_type(kv_cache_type_, config_.head_dim);
        const MemoryNeed need = model_memory_need(config_, file_.bytes_here(), n_ctx_, batch_size_, !backend_->buffers_in_host_memory(),
                                                  kv_cache_type_);
        check_memory_budget(need, options.max_memory, n_ctx_);
        if (!backend_->buffers_in_host_memory()) {
            uint64_t weight_bytes = 0;
            for (const TensorInfo& t : file_.tensors()) weight_bytes = saturating_add(weight_bytes, backend_->stored_weight_bytes(t));
            check_gpu_memory_budget(model_gpu_memory_need(config_, weight_bytes, n_ctx_, batch_size_, kv_cache_type_),
                                    options.max_gpu_memory, n_ctx_);
        }
        try {
            load_weights();
            refuse_unused_tensors(file_, used_tensors_, config_.architecture_name);
            set_up_rope();
            create_buffers();
            build_graph();
        } catch (const std::bad_alloc&) {  // the budget fit, but the system (or the browser) said no
            throw Error(ErrorCode::OutOfMemory, "out of memory while loading the model, which needs about " +
                                                    mebibytes(need.total()) + ": free memory, or ask for a smaller context");
        }
    }

    // The tensor `name` with exactly `shape` (GGUF order: row length first), uploaded.
    BufferId weight(const std::string& name, std::vector<uint64_t> shape, bool required = true) {
        const TensorInfo* t = file_.find_tensor(name);
        if (!t) {
            if (!required) return kNoBuffer;
            throw Error(ErrorCode::NotFound, "model tensor '" + name + "' is missing");
        }
        bool same = t->n_dims == shape.size();
        for (size_t d = 0; same && d < shape.size(); ++d) same = t->shape[d] == shape[d];
        if (!same) {
            std::string want;
            for (uint64_t s : shape) want += (want.empty() ? "" : ", ") + std::to_string(s);
            throw Error(ErrorCode::Malformed, "tensor '" + name + "' has the wrong shape for this model (expected [" + want + "])");
        }
        used_tensors_.insert(name);
        if (!file_.has_tensor_data()) {  // its bytes come later, checked as they arrive (weight_stream.hpp)
            check_weight_type(*t);
            const BufferId id = backend_->create_weight(*t);
            streamed_weights_.push_back({t, id});
            return id;
        }
        const TensorView view = file_.tensor(*t);
        check_finite_weights(view);  // NaN/Inf weights (and unsupported types): an error now, not NaN logits later
        return backend_->upload_weight(view);
    }

    void load_weights() {
        const ModelConfig& c = config_;
        const TensorInfo* embedding = file_.find_tensor("token_embd.weight");
        if (embedding && embedding->rows() != c.n_vocab)
            throw Error(ErrorCode::Malformed, "the vocabulary has " + std::to_string(c.n_vocab) +
                                                  " tokens but token_embd.weight has " + std::to_string(embedding->rows()) + " rows");
        token_embd_ = weight("token_embd.weight", {c.n_embd, c.n_vocab});
        output_norm_ = weight("output_norm.weight", {c.n_embd});
        // Gemma 2 always ties the output to the embeddings (llama.cpp loads no output.weight for it).
        if (c.architecture != Architecture::Gemma2) output_ = weight("output.weight", {c.n_embd, c.n_vocab}, false);
        if (output_ == kNoBuffer) output_ = token_embd_;  // tied embeddings
        load_rope_factors();
        for (uint32_t l = 0; l < c.n_layer; ++l) layers_.push_back(load_layer(l));
    }

    Layer load_layer(uint32_t l) {
        const ModelConfig& c = config_;
        const std::string p = "blk." + std::to_string(l) + ".";
        Layer L;
        L.windowed = c.layer_has_window(l);
        L.attn_norm = weight(p + "attn_norm.weight", {c.n_embd});
        L.fused_qkv = file_.find_tensor(p + "attn_qkv.weight") != nullptr;
        if (L.fused_qkv) {
            L.wqkv = weight(p + "attn_qkv.weight", {c.n_embd, c.q_width() + 2 * c.kv_width()});
        } else {
            L.wq = weight(p + "attn_q.weight", {c.n_embd, c.q_width()});
            L.wk = weight(p + "attn_k.weight", {c.n_embd, c.kv_width()});
            L.wv = weight(p + "attn_v.weight", {c.n_embd, c.kv_width()});
            if (c.architecture == Architecture::Qwen2) {  // the only family here with q/k/v biases
                L.bq = weight(p + "attn_q.bias", {c.q_width()}, false);
                L.bk = weight(p + "attn_k.bias", {c.kv_width()}, false);
                L.bv = weight(p + "attn_v.bias", {c.kv_width()}, false);
            }
            L.has_bias = L.bq != kNoBuffer || L.bk != kNoBuffer || L.bv != kNoBuffer;
            if (L.has_bias && (L.bq == kNoBuffer || L.bk == kNoBuffer || L.bv == kNoBuffer))
                throw Error(ErrorCode::Malformed, "layer " + std::to_string(l) + " has some but not all q/k/v biases");
        }
        if (c.qk_norm) {
            L.q_norm = weight(p + "attn_q_norm.weight", {c.head_dim});
            L.k_norm = weight(p + "attn_k_norm.weight", {c.head_dim});
        }
        L.wo = weight(p + "attn_output.weight", {c.q_width(), c.n_embd});
        if (c.post_norms) L.post_attn_norm = weight(p + "post_attention_norm.weight", {c.n_embd});
        L.ffn_norm = weight(p + "ffn_norm.weight", {c.n_embd});
        L.fused_gate_up = file_.find_tensor(p + "ffn_gate.weight") == nullptr;
        if (L.fused_gate_up) {  // phi3: one matrix makes [gate | up]
            L.w_gate_up = weight(p + "ffn_up.weight", {c.n_embd, 2 * c.n_ff});
        } else {
            L.w_gate = weight(p + "ffn_gate.weight", {c.n_embd, c.n_ff});
            L.w_up = weight(p + "ffn_up.weight", {c.n_embd, c.n_ff});
        }
        L.w_down = weight(p + "ffn_down.weight", {c.n_ff, c.n_embd});
        if (c.post_norms) L.post_ffn_norm = weight(p + "post_ffw_norm.weight", {c.n_embd});
        L.k_cache = backend_->create_cache(n_ctx_, c.kv_width(), kv_cache_type_);
        L.v_cache = backend_->create_cache(n_ctx_, c.kv_width(), kv_cache_type_);
        return L;
    }

    // RoPE frequency factors: Llama 3.1/3.2's rope_freqs, or Phi-3's LongRoPE pair, of which
    // llama.cpp takes the long factors when the context exceeds the original one.
    void load_rope_factors() {
        const ModelConfig& c = config_;
        const std::vector<uint64_t> shape{c.n_rot / 2};
        if (c.architecture == Architecture::Llama) {
            rope_factors_ = weight("rope_freqs.weight", shape, false);
        } else if (c.architecture == Architecture::Phi3) {
            const bool long_context = n_ctx_ > c.rope_orig_ctx;
            rope_factors_ = weight(long_context ? "rope_factors_long.weight" : "rope_factors_short.weight", shape, false);
            const std::string other = long_context ? "rope_factors_short.weight" : "rope_factors_long.weight";
            if (file_.find_tensor(other)) used_tensors_.insert(other);  // read, and chosen against
        }
    }

    // The RoPE of the global layers and of the sliding-window ones (Gemma's local base).
    void set_up_rope() {
        const ModelConfig& c = config_;
        const auto params = [&](float base, float scale) {
            RopeParams p{c.head_dim, c.n_rot, base, scale, c.rope_neox};
            p.ext_factor = c.rope_ext_factor;
            p.attn_factor = c.rope_attn_factor;
            p.freq_factors = rope_factors_;
            yarn_corr_dims(c.n_rot, c.rope_orig_ctx, base, p.corr_low, p.corr_high);
            return p;
        };
        rope_global_ = params(c.rope_freq_base, c.rope_freq_scale);
        rope_local_ = params(c.rope_freq_base_swa, c.rope_freq_scale_swa);
    }

    // ggml_rope_yarn_corr_dims: the pair indices where YaRN's ramp starts and ends (beta_fast 32,
    // beta_slow 1, llama.cpp's defaults).
    static void yarn_corr_dims(uint32_t n_dims, uint32_t n_ctx_orig, float base, float& low, float& high) {
        const auto corr_dim = [&](float n_rot) {
            return float(n_dims) * std::log(float(n_ctx_orig) / (n_rot * 2 * float(M_PI))) / (2 * std::log(base));
        };
        low = std::max(0.0f, std::floor(corr_dim(32.0f)));
        high = std::min(float(n_dims - 1), std::ceil(corr_dim(1.0f)));
    }

    void create_buffers() {
        const ModelConfig& c = config_;
        const size_t b = batch_size_;
        x_ = backend_->create_activations(b, c.n_embd);
        xn_ = backend_->create_activations(b, c.n_embd);
        q_ = backend_->create_activations(b, c.q_width());
        k_ = backend_->create_activations(b, c.kv_width());
        v_ = backend_->create_activations(b, c.kv_width());
        qkv_ = backend_->create_activations(b, c.q_width() + 2 * c.kv_width());
        attn_ = backend_->create_activations(b, c.q_width());
        proj_ = backend_->create_activations(b, c.n_embd);
        gate_ = backend_->create_activations(b, c.n_ff);
        up_ = backend_->create_activations(b, c.n_ff);
        gate_up_ = backend_->create_activations(b, 2 * size_t(c.n_ff));
        last_ = backend_->create_activations(1, c.n_embd);
        logits_buffer_ = backend_->create_activations(1, c.n_vocab);
        logits_.resize(c.n_vocab);
    }

    void check_tokens(const TokenId* tokens, size_t n, uint32_t n_past) const {
        if (n == 0) throw Error(ErrorCode::InvalidArgument, "forward needs at least one token");
        if (uint64_t(n_past) + n > n_ctx_)
            throw Error(ErrorCode::ContextFull, std::to_string(uint64_t(n_past) + n) + " tokens do not fit in the context of " +
                                                    std::to_string(n_ctx_));
        for (size_t i = 0; i < n; ++i) tokenizer_.vocab().check_id(tokens[i]);
    }

    void forward_batch(const StepGraph& graph, const TokenId* tokens, size_t n, uint32_t n_past) {
        positions_.resize(n);
        for (size_t i = 0; i < n; ++i) positions_[i] = int32_t(n_past + i);
        backend_->run(graph, {tokens, positions_.data(), n});
    }

    // The forward passes as lists of backend operations (step_graph.hpp), built once: the step's,
    // which ends in the last token's logits, and hidden_batch()'s, which ends in every token's
    // output norm.
    void build_graph() {
        const ModelConfig& c = config_;
        add_layers(graph_);
        // Only the last token's logits are needed to continue.
        graph_.add(LastRowOp{x_, last_});
        graph_.one_row_from = graph_.ops.size();
        graph_.add(RmsNormOp{last_, output_norm_, c.rms_eps, last_});
        graph_.add(MatmulOp{output_, last_, logits_buffer_});
        if (c.final_softcap != 0.0f) graph_.add(SoftCapOp{logits_buffer_, c.final_softcap});

        add_layers(hidden_graph_);
        hidden_graph_.add(RmsNormOp{x_, output_norm_, c.rms_eps, xn_});
    }

    // The embedding lookup and every layer, on all rows of the batch.
    void add_layers(StepGraph& g) const {
        const ModelConfig& c = config_;
        g.add(EmbedOp{token_embd_, x_});
        if (c.embedding_scale != 1.0f) g.add(ScaleOp{x_, c.embedding_scale});
        for (const Layer& L : layers_) {
            AttentionParams attention{c.n_head, c.n_head_kv, c.head_dim, c.attention_scale};
            attention.softcap = c.attn_softcap;
            attention.window = L.windowed ? c.sliding_window : 0;
            const RopeParams& rope = L.windowed ? rope_local_ : rope_global_;

            // Attention block: x += Wo · attention(rope(Wq·norm(x)), rope(Wk·norm(x)), Wv·norm(x))
            g.add(RmsNormOp{x_, L.attn_norm, c.rms_eps, xn_});
            if (L.fused_qkv) {
                g.add(MatmulOp{L.wqkv, xn_, qkv_});
                g.add(CopyColumnsOp{qkv_, 0, q_});
                g.add(CopyColumnsOp{qkv_, c.q_width(), k_});
                g.add(CopyColumnsOp{qkv_, c.q_width() + c.kv_width(), v_});
            } else {
                g.add(MatmulOp{L.wq, xn_, q_});
                g.add(MatmulOp{L.wk, xn_, k_});
                g.add(MatmulOp{L.wv, xn_, v_});
                if (L.has_bias) {
                    g.add(AddBiasOp{q_, L.bq});
                    g.add(AddBiasOp{k_, L.bk});
                    g.add(AddBiasOp{v_, L.bv});
                }
            }
            if (c.qk_norm) {
                g.add(RmsNormHeadsOp{q_, L.q_norm, c.rms_eps, c.head_dim});
                g.add(RmsNormHeadsOp{k_, L.k_norm, c.rms_eps, c.head_dim});
            }
            g.add(RopeOp{q_, rope});
            g.add(RopeOp{k_, rope});
            g.add(AttentionOp{q_, k_, v_, L.k_cache, L.v_cache, attention, attn_});
            g.add(MatmulOp{L.wo, attn_, proj_});
            if (c.post_norms) g.add(RmsNormOp{proj_, L.post_attn_norm, c.rms_eps, proj_});
            g.add(AddOp{x_, proj_});

            // Feed-forward block: x += W_down · (act(W_gate·norm(x)) * W_up·norm(x))
            g.add(RmsNormOp{x_, L.ffn_norm, c.rms_eps, xn_});
            if (L.fused_gate_up) {
                g.add(MatmulOp{L.w_gate_up, xn_, gate_up_});
                g.add(CopyColumnsOp{gate_up_, 0, gate_});
                g.add(CopyColumnsOp{gate_up_, c.n_ff, up_});
            } else {
                g.add(MatmulOp{L.w_gate, xn_, gate_});
                g.add(MatmulOp{L.w_up, xn_, up_});
            }
            if (c.ffn_activation == FfnActivation::GeluTanh)
                g.add(GegluOp{gate_, up_});
            else
                g.add(SwigluOp{gate_, up_});
            g.add(MatmulOp{L.w_down, gate_, proj_});
            if (c.post_norms) g.add(RmsNormOp{proj_, L.post_ffn_norm, c.rms_eps, proj_});
            g.add(AddOp{x_, proj_});
        }
    }

    GgufFile file_;  // first: the backend computes on views into its bytes
    ModelConfig config_;
    Tokenizer tokenizer_;
    std::unique_ptr<Backend> backend_;
    uint32_t n_ctx_ = 0, batch_size_ = 0;
    KvCacheType kv_cache_type_ = KvCacheType::F16;

    std::set<std::string> used_tensors_;  // every tensor of the file must end up here
    std::vector<StreamedWeight> streamed_weights_;  // created empty, from a header-only file
    std::vector<std::vector<uint8_t>> streamed_heads_;  // tensor_head()'s, by tensor, as they stream past
    BufferId token_embd_ = kNoBuffer, output_norm_ = kNoBuffer, output_ = kNoBuffer, rope_factors_ = kNoBuffer;
    RopeParams rope_global_{}, rope_local_{};
    std::vector<Layer> layers_;
    BufferId x_, xn_, q_, k_, v_, qkv_, attn_, proj_, gate_, up_, gate_up_, last_, logits_buffer_;
    StepGraph graph_, hidden_graph_;
    std::vector<int32_t> positions_;
    std::vector<float> hidden_rows_;  // [batch_size × n_embd]: hidden_batch()'s rows
    size_t hidden_count_ = 0;         // of which this many are the last batch's
    bool hidden_pending_ = false;     // hidden_batch() began a read that finish_hidden_batch() completes
    uint64_t cache_epoch_ = 0;
    std::vector<float> logits_;
    bool logits_pending_ = false;  // forward() began a read that finish_forward() completes
};

}  // namespace chord
