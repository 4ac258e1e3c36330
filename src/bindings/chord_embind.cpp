// The embind glue: converts between JS values and the C++ API and forwards. Every entry point
// catches chord::Error and returns it as { error, code } so that JS can throw a real Error;
// no logic lives here.
#include <emscripten/bind.h>
#include <emscripten/heap.h>
#include <emscripten/val.h>

#include <malloc.h>

#include <cstdlib>
#include <ctime>
#include <new>

#include "chord/chat_prompt.hpp"
#include "chord/embeddings.hpp"
#include "chord/generate_options_reader.hpp"
#include "chord/session.hpp"
#include "chord/streamed_model_load.hpp"
#include "chord/tool_calls.hpp"
#include "chord/tool_calls/call_grammar.hpp"
#include "chord/webgpu_backend.hpp"

namespace chord::wasm {
namespace {

using emscripten::val;

val error_value(const Error& e) {
    val v = val::object();
    v.set("error", std::string(e.what()));
    v.set("code", std::string(error_code_name(e.code())));
    return v;
}

template <typename F>
val guarded(F&& f) {
    try {
        return f();
    } catch (const Error& e) {
        return error_value(e);
    } catch (const std::bad_alloc&) {  // the heap could not grow: the browser or the 4 GB limit said no
        return error_value(Error(ErrorCode::OutOfMemory, "out of WebAssembly memory"));
    } catch (const std::exception& e) {
        return error_value(Error(ErrorCode::InvalidArgument, e.what()));
    }
}

// A count or a size as a JS Number: embind hands a size_t to JS as a BigInt in the Memory64 build,
// where it is 64 bits. Exact up to 2^53.
double js_size(size_t n) { return double(n); }

// A JS array's length, read as a Number in both builds (as<size_t>() wants a BigInt in Memory64).
uint32_t js_length(const val& array) { return array["length"].as<uint32_t>(); }

std::vector<TokenId> ids_from(const val& array) { return emscripten::vecFromJSArray<TokenId>(array); }

val ids_to_js(const std::vector<TokenId>& ids) {
    val out = val::array();
    for (uint32_t i = 0; i < ids.size(); ++i) out.set(i, ids[i]);
    return out;
}

// One token's log-probability as OpenAI writes it: the token's text and bytes (a piece may be part
// of a UTF-8 character), its logprob, and the most likely tokens beside it.
val logprob_to_js(const TokenLogprob& lp, const Tokenizer& tokenizer) {
    const auto entry = [&](TokenId id, float logprob) {
        const std::string_view piece = tokenizer.token_to_piece(id, /*render_special=*/true);
        val bytes = val::array();
        for (char c : piece) bytes.call<void>("push", int(uint8_t(c)));
        val e = val::object();
        e.set("id", id);
        e.set("token", std::string(piece));
        e.set("bytes", bytes);
        e.set("logprob", logprob);
        return e;
    };
    val v = entry(lp.token, lp.logprob);
    val top = val::array();
    for (const auto& [id, logprob] : lp.top) top.call<void>("push", entry(id, logprob));
    v.set("top", top);
    return v;
}

val step_to_js(const Session::Step& s, const Tokenizer& tokenizer) {
    val v = val::object();
    v.set("text", s.text);
    v.set("token", s.token);
    if (s.logprob) v.set("logprob", logprob_to_js(*s.logprob, tokenizer));
    v.set("done", s.done);
    v.set("pending", s.pending);  // the logits are on their way: await Module.chordGpuPending, step again
    if (s.prompt_read) v.set("promptRead", js_size(s.prompt_read));  // a batch of the prompt was read
    return v;
}

// JS values for generate_options_reader.hpp: the options object as JS made it.
struct JsAdapter {
    using Value = val;
    ValueKind kind(const val& v) const {
        if (v.isNull() || v.isUndefined()) return ValueKind::Null;
        if (v.isTrue() || v.isFalse()) return ValueKind::Boolean;
        if (v.isNumber()) return ValueKind::Number;
        if (v.isString()) return ValueKind::String;
        if (v.isArray()) return ValueKind::Array;
        return v.typeOf().as<std::string>() == "object" ? ValueKind::Object : ValueKind::Other;
    }
    double number(const val& v) const { return v.as<double>(); }
    bool boolean(const val& v) const { return v.isTrue(); }
    std::string string(const val& v) const { return v.as<std::string>(); }
    std::vector<val> elements(const val& v) const {
        std::vector<val> out;
        const uint32_t n = js_length(v);
        for (uint32_t i = 0; i < n; ++i) out.push_back(v[i]);
        return out;
    }
    std::vector<std::pair<std::string, val>> members(const val& v) const {
        std::vector<std::pair<std::string, val>> out;
        const val keys = val::global("Object").call<val>("keys", v);
        const uint32_t n = js_length(keys);
        for (uint32_t i = 0; i < n; ++i) out.emplace_back(keys[i].as<std::string>(), v[keys[i]]);
        return out;
    }
    std::string json_text(const val& v) const { return val::global("JSON").call<std::string>("stringify", v); }
};

// _malloc'ed blocks handed over by JS: the ones not yet taken are freed on the way out.
class HeapBlocks {
public:
    struct Block {
        const void* data;
        size_t size;
    };
    HeapBlocks(const std::vector<double>& addresses, const std::vector<double>& sizes) {
        for (size_t i = 0; i < addresses.size(); ++i)
            blocks_.push_back({reinterpret_cast<const void*>(uintptr_t(addresses[i])), i < sizes.size() ? size_t(sizes[i]) : 0});
    }
    HeapBlocks(const HeapBlocks&) = delete;
    HeapBlocks& operator=(const HeapBlocks&) = delete;
    ~HeapBlocks() {
        for (size_t i = next_; i < blocks_.size(); ++i) std::free(const_cast<void*>(blocks_[i].data));
    }
    bool all_taken() const { return next_ == blocks_.size(); }
    Block take() { return blocks_[next_++]; }

private:
    std::vector<Block> blocks_;
    size_t next_ = 0;
};

// A model and its session, as JS sees them: `new WasmModel()`, then open().
// A Float32Array copy of floats (logits, an embedding).
val logits_to_js(const std::vector<float>& logits) {
    val out = val::global("Float32Array").new_(js_size(logits.size()));
    out.call<void>("set", val(emscripten::typed_memory_view(logits.size(), logits.data())));
    return out;
}

// The load options open() and openStreamed() take, as ModelOptions.
ModelOptions model_options(uint32_t n_ctx, uint32_t threads, double max_memory, double max_gpu_memory, const std::string& kv_cache_type,
                           uint32_t batch_size) {
    ModelOptions options;
    options.n_ctx = n_ctx;
    options.threads = threads;
    options.max_memory = uint64_t(max_memory);
    options.max_gpu_memory = uint64_t(max_gpu_memory);
    options.kv_cache_type = parse_kv_cache_type(kv_cache_type);
    options.batch_size = batch_size;
    return options;
}

class WasmModel {
public:
    // Takes ownership of the blocks at `addresses` (allocated with _malloc, `sizes` bytes each),
    // even when it fails: one block per file, several for a split model.
    // backend: "cpu", "webgpu" (the device in Module.chordGpuDevice), or "webgpu-or-cpu" (auto
    // with a device): the CPU when the weights do not fit the device, and { cpuBecause } says why.
    // max_memory: the budget in bytes (0: the 4 GB of wasm memory); max_gpu_memory: the GPU's (0: none).
    // kv_cache_type: "f16", "q8_0" or "f32".
    val open(const val& addresses, const val& sizes, uint32_t n_ctx, uint32_t threads, const std::string& backend,
             double max_memory, double max_gpu_memory, const std::string& kv_cache_type, uint32_t batch_size) {
        HeapBlocks blocks(emscripten::vecFromJSArray<double>(addresses), emscripten::vecFromJSArray<double>(sizes));
        return guarded([&] {
            std::vector<GgufFile> files;
            while (!blocks.all_taken()) {
                const HeapBlocks::Block b = blocks.take();
                files.push_back(GgufFile::adopt(b.data, b.size, std::free));
            }
            GgufFile file = files.size() == 1 ? std::move(files[0]) : GgufFile::join(std::move(files));
            const ModelOptions options = model_options(n_ctx, threads, max_memory, max_gpu_memory, kv_cache_type, batch_size);
            val result = val::object();
            bool gpu = backend == "webgpu";
            if (backend == "webgpu-or-cpu") {
                const std::string misfit = webgpu_misfit(file);
                gpu = misfit.empty();
                if (!gpu) result.set("cpuBecause", misfit);
            }
            model_ = Model::load(std::move(file), options, gpu ? make_webgpu_backend() : nullptr);
            session_ = std::make_unique<Session>(*model_);
            prompter_ = std::make_unique<ChatPrompter>(model_->file(), model_->tokenizer());
            return result;
        });
    }

    // A WebGPU load whose weights stream into the GPU (streamed_model_load.hpp), never all in wasm
    // memory: `headers` holds each part's header (Uint8Arrays of ggufHeaderProbe's length),
    // `file_sizes` the parts' whole sizes. Then the caller writes each part's data section, a piece
    // at a time, at { stagingAddress } (stagingSize bytes at most) and calls streamConsume(n);
    // streamEndPart() after each part but the last, streamFinish() after it. backend
    // "webgpu-or-cpu": { cpuBecause } where the weights do not fit the device, and nothing is
    // loaded (the caller opens the whole file on the CPU instead).
    val open_streamed(const val& headers, const val& file_sizes, uint32_t n_ctx, uint32_t threads, const std::string& backend,
                      double max_memory, double max_gpu_memory, const std::string& kv_cache_type, uint32_t batch_size) {
        return guarded([&] {
            const std::vector<double> sizes = emscripten::vecFromJSArray<double>(file_sizes);
            std::vector<GgufFile> files;
            for (uint32_t i = 0; i < js_length(headers); ++i) {
                std::vector<uint8_t> bytes(js_length(headers[i]));
                val(emscripten::typed_memory_view(bytes.size(), bytes.data())).call<void>("set", headers[i]);
                files.push_back(GgufFile::from_header(bytes.data(), bytes.size(), i < sizes.size() ? uint64_t(sizes[i]) : 0));
            }
            GgufFile file = files.size() == 1 ? std::move(files[0]) : GgufFile::join(std::move(files));
            val result = val::object();
            if (backend == "webgpu-or-cpu") {
                const std::string misfit = webgpu_misfit(file);
                if (!misfit.empty()) {
                    result.set("cpuBecause", misfit);
                    return result;
                }
            } else if (backend != "webgpu") {
                throw Error(ErrorCode::InvalidArgument, "weights stream only into WebGPU, not '" + backend + "'");
            }
            const ModelOptions options = model_options(n_ctx, threads, max_memory, max_gpu_memory, kv_cache_type, batch_size);
            streaming_ = std::make_unique<StreamedModelLoad>(std::move(file), options, make_webgpu_backend());
            staging_.resize(kStagingBytes);
            staging_used_ = staging_.size();
            result.set("stagingAddress", js_size(reinterpret_cast<uintptr_t>(staging_.data())));
            result.set("stagingSize", js_size(staging_.size()));
            return result;
        });
    }

    // The next `n` bytes of the current part's data section, written at stagingAddress. An error
    // ends the load: nothing of it stays.
    val stream_consume(double n) {
        return streaming_step([&] {
            if (!(n >= 0 && n <= double(staging_.size())))
                throw Error(ErrorCode::InvalidArgument, "streamConsume: " + std::to_string(n) + " bytes do not fit the staging area");
            streaming_->consume(staging_.data(), size_t(n));
        });
    }
    val stream_end_part() {
        return streaming_step([&] { streaming_->end_part(); });
    }
    val stream_finish() {
        return streaming_step([&] {
            model_ = streaming_->finish();
            streaming_.reset();
            std::vector<uint8_t>().swap(staging_);  // its memory back (= {} would keep the capacity)
            session_ = std::make_unique<Session>(*model_);
            prompter_ = std::make_unique<ChatPrompter>(model_->file(), model_->tokenizer());
        });
    }

    val info() const {
        const ModelConfig& c = model_->config();
        val v = val::object();
        v.set("architecture", c.architecture_name);
        v.set("vocabularySize", c.n_vocab);
        v.set("embeddingLength", c.n_embd);
        v.set("layers", c.n_layer);
        v.set("heads", c.n_head);
        v.set("kvHeads", c.n_head_kv);
        v.set("contextLength", model_->n_ctx());
        v.set("kvCacheType", std::string(kv_cache_type_name(model_->kv_cache_type())));
        v.set("batchSize", model_->batch_size());
        v.set("kvCacheBytes", double(model_->kv_cache_bytes()));
        v.set("trainedContextLength", c.n_ctx_train);
        v.set("backend", model_->backend().name());
        v.set("threads", model_->threads());
        v.set("kernels", model_->backend().kernels());
        v.set("gpuDispatchesPerToken", model_->backend().planned_dispatches());
        v.set("memory", memory_info());
        const MetaValue* name = model_->file().find("general.name");
        v.set("name", name ? std::string(name->as_string()) : std::string());
        const TensorInfo* q = model_->file().find_tensor("blk.0.attn_q.weight");
        if (!q) q = model_->file().find_tensor("blk.0.attn_qkv.weight");
        v.set("weightType", std::string(q ? type_name(q->type) : "unknown"));
        v.set("chatTemplate", chat_template_name_or_null());
        const MetaValue* chat_template = model_->file().find("tokenizer.chat_template");
        v.set("toolCallFormat", std::string(tool_call_format_name(
                                    chat_template ? detect_tool_call_format(chat_template->as_string()) : ToolCallFormat::None)));
        return v;
    }

    // A finished reply split into { content, reasoning, toolCalls: [{ id, name, arguments }] } for a
    // format named by tool_call_format_name(), the request's tools as JSON text ("" for none).
    val parse_reply(const std::string& text, const std::string& format_name, const std::string& tools_json) const {
        return guarded([&] {
            // The tools (JSON text, may be empty) tell which raw values are strings (Qwen3-Coder's XML).
            const nlohmann::ordered_json tools = nlohmann::ordered_json::parse(tools_json, nullptr, /*allow_exceptions=*/false);
            const StringParameters strings = tool_calls::string_parameters(tools);
            const ParsedReply parsed = parse_tool_calls(text, tool_call_format(format_name), &strings);
            val calls = val::array();
            for (const ToolCall& call : parsed.tool_calls) {
                val c = val::object();
                c.set("id", call.id);
                c.set("name", call.name);
                c.set("arguments", call.arguments);
                calls.call<void>("push", c);
            }
            val v = val::object();
            v.set("content", parsed.content);
            v.set("reasoning", parsed.reasoning_content);
            v.set("toolCalls", calls);
            return v;
        });
    }

    // GBNF of replies that are nothing but calls of the tools (OpenAI's tools, as JSON text) in
    // the named format: of `function` only where it is not empty, one call only unless `parallel`
    // (tool_choice 'required' or a named function).
    val tool_call_grammar(const std::string& tools_json, const std::string& format_name, const std::string& function, bool parallel) const {
        return guarded([&] {
            const nlohmann::ordered_json tools = nlohmann::ordered_json::parse(tools_json, nullptr, /*allow_exceptions=*/false);
            if (tools.is_discarded()) throw Error(ErrorCode::InvalidArgument, "tools: not valid JSON");
            const MetaValue* chat_template = model_->file().find("tokenizer.chat_template");
            return val(chord::tool_call_grammar(tool_call_format(format_name), tools, ToolChoice{function, parallel},
                                                chat_template ? chat_template->as_string() : std::string_view(),
                                                &model_->tokenizer().vocab()));
        });
    }

    // A reply still streaming: its reasoning so far, and how much of the content after it can be
    // shown now ({ reasoning, content: the part safe to show }).
    val reply_so_far(const std::string& text, const std::string& format_name) const {
        return guarded([&] {
            const ToolCallFormat format = tool_call_format(format_name);
            const ReasoningSplit split = split_reasoning_so_far(text, format);
            val v = val::object();
            v.set("reasoning", std::string(split.reasoning));
            v.set("content", std::string(split.content.substr(0, tool_call_safe_prefix(split.content, format))));
            return v;
        });
    }

    // "model" where the file has its own chat template (chatPrompt() renders it), else null.
    val chat_template_name_or_null() const {
        return prompter_->has_model_template() ? val("model") : val::null();
    }

    val tokenize(const std::string& text, bool add_special, bool parse_special) const {
        return guarded([&] { return ids_to_js(model_->tokenizer().encode(text, {add_special, parse_special})); });
    }

    val detokenize(const val& ids, bool render_special) const {
        return guarded([&] {
            DecodeOptions options;
            options.render_special = render_special;
            return val(model_->tokenizer().decode(ids_from(ids), options));
        });
    }

    // Logits after running `ids` at positions n_past… (for tests and advanced callers; the
    // session's cache is forgotten, as these positions overwrite it).
    // The logits after `ids`, or { pending: true } while they are on their way (WebGPU): then
    // await Module.chordGpuPending and take them with forwardResult().
    val forward(const val& ids, uint32_t n_past) {
        return guarded([&] {
            session_->reset();
            const std::vector<TokenId> tokens = ids_from(ids);
            model_->forward(tokens.data(), tokens.size(), n_past);
            if (model_->logits_pending()) {
                val v = val::object();
                v.set("pending", true);
                return v;
            }
            return logits_to_js(model_->finish_forward());
        });
    }

    val forward_result() {
        return guarded([&] { return logits_to_js(model_->finish_forward()); });
    }

    // The prompt text of a conversation: request is the JSON of { messages, tools, variables,
    // addGenerationPrompt }; template_name a built-in format's name, or null for the model's own.
    val chat_prompt(const std::string& request_json, const val& template_name) const {
        return guarded([&] {
            const nlohmann::ordered_json json = nlohmann::ordered_json::parse(request_json);  // JSON.stringify wrote it
            ChatRequest request;
            request.messages = json.value("messages", nlohmann::ordered_json::array());
            request.tools = json.value("tools", nlohmann::ordered_json());
            request.variables = json.value("variables", nlohmann::ordered_json::object());
            request.add_generation_prompt = json.value("addGenerationPrompt", true);
            std::optional<std::string> name;
            if (template_name.isString()) name = template_name.as<std::string>();
            const ChatPrompt prompt = prompter_->render(request, name ? std::optional<std::string_view>(*name) : std::nullopt,
                                                        std::time(nullptr));
            val v = val::object();
            v.set("prompt", prompt.text);
            v.set("template", prompt.template_name);
            return v;
        });
    }

    // The embedding of a text (tokenized as llama.cpp's embedding tool does) or of token ids:
    // { embedding: Float32Array, tokens }, or { pending: true } while a batch's rows are on their
    // way (WebGPU): then await Module.chordGpuPending and go on with embedStep(), as often as it
    // says so. pooling: 'mean' | 'last' | 'cls', or null for the file's.
    val embed(const val& input, const val& pooling, bool normalize) {
        return guarded([&] {
            EmbedOptions options;
            if (pooling.isString()) options.pooling = pooling_from_name(pooling.as<std::string>());
            options.normalize = normalize;
            std::vector<TokenId> tokens =
                input.isString() ? embedding_tokens(model_->tokenizer(), input.as<std::string>()) : ids_from(input);
            embedding_ = std::make_unique<EmbeddingRun>(*model_, std::move(tokens), options);
            return embedding_progress();
        });
    }

    val embed_step() {
        return guarded([&] { return embedding_progress(); });
    }

    // Reading the prompt is left to step(), a batch at a time.
    val begin(const val& prompt, const val& options) {
        return guarded([&] {
            const std::vector<TokenId> tokens = prompt.isString() ? model_->tokenizer().encode(prompt.as<std::string>())
                                                                  : ids_from(prompt);
            session_->begin(tokens, read_generate_options(JsAdapter{}, options));
            val v = val::object();
            v.set("promptTokens", js_size(tokens.size()));
            return v;
        });
    }

    val step() {
        return guarded([&] { return step_to_js(session_->step(), model_->tokenizer()); });
    }

    // Ends the generation; returns the text that was still held back.
    val cancel() {
        return guarded([&] { return step_to_js(session_->finish(FinishReason::Cancelled), model_->tokenizer()); });
    }

    val result() const {
        const GenerateResult& r = session_->result();
        val v = val::object();
        v.set("text", r.text);
        v.set("tokens", ids_to_js(r.tokens));
        v.set("finishReason", std::string(finish_reason_name(r.finish_reason)));
        v.set("promptTokens", js_size(r.prompt_tokens));
        v.set("promptTokensComputed", js_size(r.prompt_tokens_computed));
        v.set("promptMs", r.prompt_ms);
        v.set("predictedTokens", js_size(r.tokens.size()));
        v.set("predictedMs", r.generation_ms);
        v.set("contextShifts", js_size(r.context_shifts));
        if (!r.logprobs.empty()) {
            val logprobs = val::array();
            for (const TokenLogprob& lp : r.logprobs) logprobs.call<void>("push", logprob_to_js(lp, model_->tokenizer()));
            v.set("logprobs", logprobs);
        }
        return v;
    }

    void reset() { session_->reset(); }

    // The session's state (its cached tokens and their keys and values) as bytes, and back: a page
    // can keep a conversation's cache across a reload. The bytes, or { pending: true } while the
    // cache is on its way (WebGPU): then await Module.chordGpuPending and take them with
    // saveSessionResult().
    val save_session() {
        return guarded([&] {
            if (!session_->begin_save()) return save_session_bytes();
            val v = val::object();
            v.set("pending", true);
            return v;
        });
    }

    val save_session_result() const {
        return guarded([&] { return save_session_bytes(); });
    }

    val load_session(const val& bytes) {
        return guarded([&] {
            std::vector<uint8_t> state(js_length(bytes));
            val(emscripten::typed_memory_view(state.size(), state.data())).call<void>("set", bytes);  // one copy
            session_->load(state);
            val v = val::object();
            v.set("cachedTokens", js_size(session_->cached_tokens().size()));
            return v;
        });
    }

private:
    // Bytes of the file at a time between the JS stream and the GPU: a bound on what a streamed
    // load holds in wasm memory besides the model's own state.
    static constexpr size_t kStagingBytes = 16 << 20;

    template <typename F>
    val streaming_step(F&& step) {
        return guarded([&] {
            if (!streaming_) throw Error(ErrorCode::InvalidArgument, "no streamed load is under way");
            try {
                step();
            } catch (...) {
                streaming_.reset();
                std::vector<uint8_t>().swap(staging_);  // its memory back (= {} would keep the capacity)
                throw;
            }
            return val::object();
        });
    }

    // info().memory: what the model holds, by part, and where ("wasm": this module's memory, or
    // "gpu"); the staging area of a streamed load is wasm memory held while loading only.
    val memory_info() const {
        const Backend& backend = model_->backend();
        const BackendMemory m = backend.memory();
        const std::string where = backend.buffers_in_host_memory() ? "wasm" : "gpu";
        const auto part = [](uint64_t bytes, const std::string& where) {
            val p = val::object();
            p.set("bytes", double(bytes));
            p.set("where", where);
            return p;
        };
        val v = val::object();
        v.set("weights", part(m.weights, where));
        v.set("kvCache", part(m.kv_cache, where));
        v.set("activations", part(m.activations + m.scratch, where));
        val staging = part(staging_used_, "wasm");
        staging.set("whileLoading", true);
        v.set("staging", staging);
        // The model file's bytes in wasm memory: all of it on the CPU (whose weights, above, are part
        // of it: it computes on them in place), the headers alone after a streamed load.
        v.set("file", part(model_->file().bytes_here(), "wasm"));
        return v;
    }

    val embedding_progress() {
        if (!embedding_) throw Error(ErrorCode::InvalidArgument, "no embedding is under way");
        val v = val::object();
        if (!embedding_->advance()) {
            v.set("pending", true);
            return v;
        }
        v.set("embedding", logits_to_js(embedding_->result()));
        v.set("tokens", js_size(embedding_->tokens().size()));
        embedding_.reset();
        return v;
    }

    val save_session_bytes() const {
        const std::vector<uint8_t> state = session_->save();
        val out = val::global("Uint8Array").new_(js_size(state.size()));
        out.call<void>("set", val(emscripten::typed_memory_view(state.size(), state.data())));
        return out;
    }

    static ToolCallFormat tool_call_format(const std::string& name) {
        const std::optional<ToolCallFormat> format = tool_call_format_from_name(name);
        if (!format) throw Error(ErrorCode::InvalidArgument, "no tool-call format is named '" + name + "'");
        return *format;
    }

    std::unique_ptr<Model> model_;
    std::unique_ptr<Session> session_;
    std::unique_ptr<ChatPrompter> prompter_;
    std::unique_ptr<EmbeddingRun> embedding_;  // embed()'s, while its batches come back
    std::unique_ptr<StreamedModelLoad> streaming_;  // open_streamed()'s, until stream_finish()
    std::vector<uint8_t> staging_;                  // where JS writes the file's next bytes
    size_t staging_used_ = 0;                       // its size during the load (0: not streamed)
};

// Whether the first bytes of a file of `file_size` bytes (a Uint8Array) hold its whole header:
// { complete: true, bytes: where the tensor data starts } or { complete: false, bytes: how many to
// have before asking again }.
val header_probe(const val& prefix, double file_size) {
    return guarded([&] {
        std::vector<uint8_t> bytes(js_length(prefix));
        val(emscripten::typed_memory_view(bytes.size(), bytes.data())).call<void>("set", prefix);
        const GgufFile::HeaderProbe probe = GgufFile::header_probe(bytes.data(), bytes.size(), uint64_t(file_size));
        val v = val::object();
        v.set("complete", probe.complete);
        v.set("bytes", js_size(size_t(probe.bytes)));
        return v;
    });
}

// The wasm heap's size (it only grows) and the bytes malloc has handed out and not taken back.
val memory_usage() {
    val v = val::object();
    v.set("heapBytes", js_size(emscripten_get_heap_size()));
    // mallinfo's fields are ints: read unsigned, exact up to 4 GB (past that, in the Memory64 build,
    // it wraps; dlmalloc keeps no 64-bit count of the bytes in use).
    v.set("allocatedBytes", js_size(unsigned(mallinfo().uordblks)));
    return v;
}

}  // namespace
}  // namespace chord::wasm

EMSCRIPTEN_BINDINGS(wasm_chord) {
    using chord::wasm::WasmModel;
    emscripten::function("memoryUsage", &chord::wasm::memory_usage);
    emscripten::function("ggufHeaderProbe", &chord::wasm::header_probe);
    emscripten::class_<WasmModel>("WasmModel")
        .constructor<>()
        .function("open", &WasmModel::open)
        .function("openStreamed", &WasmModel::open_streamed)
        .function("streamConsume", &WasmModel::stream_consume)
        .function("streamEndPart", &WasmModel::stream_end_part)
        .function("streamFinish", &WasmModel::stream_finish)
        .function("info", &WasmModel::info)
        .function("tokenize", &WasmModel::tokenize)
        .function("detokenize", &WasmModel::detokenize)
        .function("forward", &WasmModel::forward)
        .function("forwardResult", &WasmModel::forward_result)
        .function("chatPrompt", &WasmModel::chat_prompt)
        .function("embed", &WasmModel::embed)
        .function("embedStep", &WasmModel::embed_step)
        .function("parseReply", &WasmModel::parse_reply)
        .function("replySoFar", &WasmModel::reply_so_far)
        .function("toolCallGrammar", &WasmModel::tool_call_grammar)
        .function("begin", &WasmModel::begin)
        .function("step", &WasmModel::step)
        .function("cancel", &WasmModel::cancel)
        .function("result", &WasmModel::result)
        .function("reset", &WasmModel::reset)
        .function("saveSession", &WasmModel::save_session)
        .function("saveSessionResult", &WasmModel::save_session_result)
        .function("loadSession", &WasmModel::load_session);
}
