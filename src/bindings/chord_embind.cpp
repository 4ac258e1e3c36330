// The embind glue: converts between JS values and the C++ API and forwards. Every entry point
// catches chord::Error and returns it as { error, code } so that JS can throw a real Error;
// no logic lives here.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstdlib>

#include "chord/chat.hpp"
#include "chord/session.hpp"
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
    } catch (const std::exception& e) {
        return error_value(Error(ErrorCode::InvalidArgument, e.what()));
    }
}

std::vector<TokenId> ids_from(const val& array) { return emscripten::vecFromJSArray<TokenId>(array); }

val ids_to_js(const std::vector<TokenId>& ids) {
    val out = val::array();
    for (size_t i = 0; i < ids.size(); ++i) out.set(i, ids[i]);
    return out;
}

val step_to_js(const Session::Step& s) {
    val v = val::object();
    v.set("text", s.text);
    v.set("token", s.token);
    v.set("done", s.done);
    v.set("pending", s.pending);  // the logits are on their way: await Module.chordGpuPending, step again
    return v;
}

GenerateOptions generate_options_from(const val& o) {
    GenerateOptions g;
    const auto number = [&](const char* key, auto& field) {
        if (o.hasOwnProperty(key) && !o[key].isUndefined()) field = o[key].as<std::decay_t<decltype(field)>>();
    };
    number("maxTokens", g.max_tokens);
    number("temperature", g.sampling.temperature);
    number("topK", g.sampling.top_k);
    number("topP", g.sampling.top_p);
    number("minP", g.sampling.min_p);
    number("repeatPenalty", g.sampling.repeat_penalty);
    number("frequencyPenalty", g.sampling.frequency_penalty);
    number("presencePenalty", g.sampling.presence_penalty);
    number("penaltyLastN", g.sampling.penalty_last_n);
    if (o.hasOwnProperty("seed") && !o["seed"].isUndefined()) g.sampling.seed = uint64_t(o["seed"].as<double>());
    if (o.hasOwnProperty("stop") && o["stop"].isArray()) g.stop = emscripten::vecFromJSArray<std::string>(o["stop"]);
    return g;
}

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
val logits_to_js(const std::vector<float>& logits) {
    val out = val::global("Float32Array").new_(logits.size());
    out.call<void>("set", val(emscripten::typed_memory_view(logits.size(), logits.data())));
    return out;
}

class WasmModel {
public:
    // Takes ownership of the blocks at `addresses` (allocated with _malloc, `sizes` bytes each),
    // even when it fails: one block per file, several for a split model.
    // backend: "cpu", "webgpu" (the device in Module.chordGpuDevice), or "webgpu-or-cpu" (auto
    // with a device): the CPU when the weights do not fit the device, and { cpuBecause } says why.
    val open(const val& addresses, const val& sizes, uint32_t n_ctx, uint32_t threads, const std::string& backend) {
        HeapBlocks blocks(emscripten::vecFromJSArray<double>(addresses), emscripten::vecFromJSArray<double>(sizes));
        return guarded([&] {
            std::vector<GgufFile> files;
            while (!blocks.all_taken()) {
                const HeapBlocks::Block b = blocks.take();
                files.push_back(GgufFile::adopt(b.data, b.size, std::free));
            }
            GgufFile file = files.size() == 1 ? std::move(files[0]) : GgufFile::join(std::move(files));
            ModelOptions options;
            options.n_ctx = n_ctx;
            options.threads = threads;
            val result = val::object();
            bool gpu = backend == "webgpu";
            if (backend == "webgpu-or-cpu") {
                const std::string misfit = webgpu_misfit(file);
                gpu = misfit.empty();
                if (!gpu) result.set("cpuBecause", misfit);
            }
            model_ = Model::load(std::move(file), options, gpu ? make_webgpu_backend() : nullptr);
            session_ = std::make_unique<Session>(*model_);
            return result;
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
        v.set("trainedContextLength", c.n_ctx_train);
        v.set("backend", model_->backend().name());
        v.set("threads", model_->threads());
        v.set("kernels", model_->backend().kernels());
        const MetaValue* name = model_->file().find("general.name");
        v.set("name", name ? std::string(name->as_string()) : std::string());
        const TensorInfo* q = model_->file().find_tensor("blk.0.attn_q.weight");
        if (!q) q = model_->file().find_tensor("blk.0.attn_qkv.weight");
        v.set("weightType", std::string(q ? type_name(q->type) : "unknown"));
        v.set("chatTemplate", chat_template_name_or_null());
        return v;
    }

    // The model's chat template as chatPrompt() would use it, or null when it has none wasm-chord knows.
    val chat_template_name_or_null() const {
        try {
            return val(std::string(chat_template_name(chat_template_for(model_->file(), std::nullopt))));
        } catch (const Error&) {
            return val::null();
        }
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

    // The prompt text of a conversation in the model's chat template (or the named one).
    val chat_prompt(const val& messages, const val& template_name, bool add_generation_prompt) const {
        return guarded([&] {
            std::vector<ChatMessage> list;
            const size_t n = messages["length"].as<size_t>();
            for (size_t i = 0; i < n; ++i)
                list.push_back({messages[i]["role"].as<std::string>(), messages[i]["content"].as<std::string>()});
            std::optional<std::string> name;
            if (template_name.isString()) name = template_name.as<std::string>();
            const ChatTemplate t = chat_template_for(model_->file(), name ? std::optional<std::string_view>(*name) : std::nullopt);
            val v = val::object();
            v.set("prompt", render_chat(t, list, add_generation_prompt));
            v.set("template", std::string(chat_template_name(t)));
            return v;
        });
    }

    val begin(const val& prompt, const val& options) {
        return guarded([&] {
            const std::vector<TokenId> tokens = prompt.isString() ? model_->tokenizer().encode(prompt.as<std::string>())
                                                                  : ids_from(prompt);
            session_->begin(tokens, generate_options_from(options));
            val v = val::object();
            v.set("pending", session_->pending());
            return v;
        });
    }

    val step() {
        return guarded([&] { return step_to_js(session_->step()); });
    }

    // Ends the generation; returns the text that was still held back.
    val cancel() {
        return guarded([&] { return step_to_js(session_->finish(FinishReason::Cancelled)); });
    }

    val result() const {
        const GenerateResult& r = session_->result();
        val v = val::object();
        v.set("text", r.text);
        v.set("tokens", ids_to_js(r.tokens));
        v.set("finishReason", std::string(finish_reason_name(r.finish_reason)));
        v.set("promptTokens", r.prompt_tokens);
        v.set("promptMs", r.prompt_ms);
        v.set("predictedTokens", r.tokens.size());
        v.set("predictedMs", r.generation_ms);
        return v;
    }

    void reset() { session_->reset(); }

private:
    std::unique_ptr<Model> model_;
    std::unique_ptr<Session> session_;
};

}  // namespace
}  // namespace chord::wasm

EMSCRIPTEN_BINDINGS(wasm_chord) {
    using chord::wasm::WasmModel;
    emscripten::class_<WasmModel>("WasmModel")
        .constructor<>()
        .function("open", &WasmModel::open)
        .function("info", &WasmModel::info)
        .function("tokenize", &WasmModel::tokenize)
        .function("detokenize", &WasmModel::detokenize)
        .function("forward", &WasmModel::forward)
        .function("forwardResult", &WasmModel::forward_result)
        .function("chatPrompt", &WasmModel::chat_prompt)
        .function("begin", &WasmModel::begin)
        .function("step", &WasmModel::step)
        .function("cancel", &WasmModel::cancel)
        .function("result", &WasmModel::result)
        .function("reset", &WasmModel::reset);
}
