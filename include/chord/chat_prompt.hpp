// The prompt text of a conversation for a model: the model's own chat template
// (`tokenizer.chat_template`), rendered by chord::jinja as llama.cpp renders it, or one of the
// built-in formats of chat.hpp by name (for files without a template, or to override one).
//
//   ChatPrompter prompter(model.file(), model.tokenizer());
//   ChatPrompt p = prompter.render(request, std::nullopt, std::time(nullptr));
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "chord/chat.hpp"
#include "chord/error.hpp"
#include "chord/gguf.hpp"
#include "chord/jinja/template.hpp"
#include "chord/tokenizer.hpp"

namespace chord {

// What a template renders: OpenAI-style messages ({role, content, tool_calls, ...}), tools, and the
// template's other variables (chat_template_kwargs: enable_thinking, ...).
struct ChatRequest {
    nlohmann::ordered_json messages = nlohmann::ordered_json::array();
    nlohmann::ordered_json tools;                                         // null: none
    nlohmann::ordered_json variables = nlohmann::ordered_json::object();
    bool add_generation_prompt = true;
};

struct ChatPrompt {
    std::string text;
    std::string template_name;  // "model" (the file's own template) or a built-in format's name
};

class ChatPrompter {
public:
    // The file's template is parsed here; a template that does not parse fails render(), not this.
    ChatPrompter(const GgufFile& gguf, const Tokenizer& tokenizer) {
        const Vocabulary& vocab = tokenizer.vocab();
        if (vocab.bos != kNoToken) bos_token_ = tokenizer.token_to_piece(vocab.bos, /*render_special=*/true);
        if (vocab.eos != kNoToken) eos_token_ = tokenizer.token_to_piece(vocab.eos, /*render_special=*/true);
        strip_bos_ = vocab.add_bos;
        strip_eos_ = vocab.add_eos;
        const MetaValue* source = gguf.find("tokenizer.chat_template");
        if (!source) return;
        has_model_template_ = true;
        try {
            template_.emplace(std::string(source->as_string()));
        } catch (const Error& e) {
            parse_error_.emplace(e.code(), std::string("the model's chat template: ") + e.what());
        }
    }

    bool has_model_template() const { return has_model_template_; }

    // builtin: a built-in format's name, which wins over the file's template; now: for strftime_now.
    ChatPrompt render(const ChatRequest& request, std::optional<std::string_view> builtin, std::time_t now) const {
        require(builtin);
        if (builtin || !has_model_template_) return render_builtin(request, builtin);
        return {render_model_template(request, now), "model"};
    }

    // Throws what render() would for the template itself: none at all, an unknown built-in name, or
    // the file's template not parsing. (A template may still refuse a conversation when rendering.)
    void require(std::optional<std::string_view> builtin) const {
        if (builtin) {
            (void)chat_template_from_name(*builtin);
        } else if (!has_model_template_) {
            throw no_chat_template_error();
        } else if (parse_error_) {
            throw *parse_error_;
        }
    }

private:
    // The variables llama.cpp's server gives a template (common/chat.cpp): messages, bos_token,
    // eos_token, enable_thinking (true unless asked otherwise), tools when there are some, the
    // caller's variables over these, and add_generation_prompt only when true. The BOS (EOS) text the
    // template writes is taken off where the tokenizer adds that token itself, so that it is not there twice.
    std::string render_model_template(const ChatRequest& request, std::time_t now) const {
        nlohmann::ordered_json context = {
            {"messages", request.messages}, {"bos_token", bos_token_}, {"eos_token", eos_token_}, {"enable_thinking", true}};
        if (request.tools.is_array() && !request.tools.empty()) context["tools"] = request.tools;
        for (const auto& [key, value] : request.variables.items()) context[key] = value;
        if (request.add_generation_prompt) context["add_generation_prompt"] = true;
        std::string text = template_->render(context, now);
        if (strip_bos_ && !bos_token_.empty() && text.compare(0, bos_token_.size(), bos_token_) == 0)
            text.erase(0, bos_token_.size());
        if (strip_eos_ && !eos_token_.empty() && text.size() >= eos_token_.size() &&
            text.compare(text.size() - eos_token_.size(), eos_token_.size(), eos_token_) == 0)
            text.erase(text.size() - eos_token_.size());
        return text;
    }

    // The built-in formats know roles and text only, and Qwen3's enable_thinking.
    static ChatPrompt render_builtin(const ChatRequest& request, std::optional<std::string_view> name) {
        const ChatTemplate id = chat_template_from_name(*name);
        if (request.tools.is_array() && !request.tools.empty())
            throw Error(ErrorCode::InvalidArgument, "the built-in chat formats cannot write tools; use the model's own template");
        ChatOptions options;
        for (const auto& [key, value] : request.variables.items()) {
            if (key != "enable_thinking")
                throw Error(ErrorCode::InvalidArgument, "'" + key + "' is not a variable the built-in chat formats read (they "
                                                        "read enable_thinking only; a model's own template reads any)");
            if (!value.is_boolean())
                throw Error(ErrorCode::InvalidArgument, "enable_thinking must be true or false, got " + value.dump());
            options.enable_thinking = value.get<bool>();
        }
        return {render_chat(id, plain_messages(request.messages), request.add_generation_prompt, options), chat_template_name(id)};
    }

    static std::vector<ChatMessage> plain_messages(const nlohmann::ordered_json& messages) {
        if (!messages.is_array()) throw Error(ErrorCode::InvalidArgument, "chat messages must be an array");
        std::vector<ChatMessage> out;
        for (size_t i = 0; i < messages.size(); ++i) {
            const nlohmann::ordered_json& m = messages[i];
            if (!m.is_object() || !m.contains("role") || !m["role"].is_string() || !m.contains("content") ||
                !m["content"].is_string())
                throw Error(ErrorCode::InvalidArgument, "chat message " + std::to_string(i) +
                                                            " needs a text role and content for the built-in chat formats");
            out.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
        }
        return out;
    }

    bool has_model_template_ = false;
    std::optional<jinja::Template> template_;
    std::optional<Error> parse_error_;
    std::string bos_token_, eos_token_;
    bool strip_bos_ = false, strip_eos_ = false;
};

}  // namespace chord
