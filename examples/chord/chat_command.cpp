// `chord chat -m MODEL [--template NAME] [--system TEXT] [--no-think] [-n N] [--temp T] [--seed S]`:
// an interactive chat on standard input, one user message per line, in the model's own chat template
// (rendered by chord::jinja) or the built-in format --template names.
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "chord/chat_prompt.hpp"
#include "chord/session.hpp"
#include "commands.hpp"

namespace chord::cli {
namespace {

struct ChatCommandOptions {
    std::string model, template_name, system;
    bool no_think = false;
    uint32_t n_ctx = 0;
    uint64_t max_memory_mib = 0;
    unsigned threads = 0;
    std::string kv_cache_type = "f16";
    GenerateOptions generation;
};

void run_chat(const ChatCommandOptions& options) {
    ModelOptions model_options;
    model_options.n_ctx = options.n_ctx;
    model_options.max_memory = options.max_memory_mib << 20;
    model_options.kv_cache_type = parse_kv_cache_type(options.kv_cache_type);
    model_options.threads = options.threads;
    const auto model = Model::load(options.model, model_options);
    const std::optional<std::string_view> builtin =
        options.template_name.empty() ? std::nullopt : std::optional<std::string_view>(options.template_name);
    const ChatPrompter prompter(model->file(), model->tokenizer());
    prompter.require(builtin);  // no template, or one that cannot be used: fail before the first line
    ChatRequest request;
    if (!options.system.empty()) request.messages.push_back({{"role", "system"}, {"content", options.system}});
    if (options.no_think) request.variables["enable_thinking"] = false;
    Session session(*model);

    const std::string thinking = options.no_think ? ", thinking off" : ", thinking on";
    if (!builtin) {
        std::fprintf(stderr, "chat template: the model's own%s. Type a message and press Enter; end with Ctrl-D.\n",
                     thinking.c_str());
    } else {
        const ChatTemplate id = chat_template_from_name(*builtin);
        const bool has_switch = chat_template_has_thinking_switch(id);
        std::fprintf(stderr, "chat template: %s%s. Type a message and press Enter; end with Ctrl-D.\n", chat_template_name(id),
                     has_switch ? thinking.c_str() : "");
        if (options.no_think && !has_switch)
            std::fprintf(stderr, "(--no-think: the %s template has no thinking switch; it changes nothing)\n", chat_template_name(id));
    }
    std::string line;
    while (std::fputs("> ", stdout), std::fflush(stdout), std::getline(std::cin, line)) {
        if (line.empty()) continue;
        request.messages.push_back({{"role", "user"}, {"content", line}});
        const std::string prompt = prompter.render(request, builtin, std::time(nullptr)).text;
        // The template spells out control tokens (<|im_start|>): let them become tokens.
        const std::vector<TokenId> tokens = model->tokenizer().encode(prompt, {/*add_special=*/true, /*parse_special=*/true});
        const GenerateResult reply = session.generate_tokens(tokens, options.generation, [](std::string_view text, TokenId) {
            std::fwrite(text.data(), 1, text.size(), stdout);
            std::fflush(stdout);
            return true;
        });
        std::fputs("\n", stdout);
        request.messages.push_back({{"role", "assistant"}, {"content", reply.text}});
        if (reply.finish_reason == FinishReason::ContextFull) {
            std::fprintf(stderr, "(the context is full: the conversation ends here)\n");
            break;
        }
    }
}

}  // namespace

void register_chat_command(CLI::App& app) {
    auto o = std::make_shared<ChatCommandOptions>();
    o->generation.max_tokens = 512;
    CLI::App* cmd = app.add_subcommand("chat", "Chat with a model in its chat template, one message per line");
    cmd->add_option("-m,--model", o->model, "GGUF model file")->required();
    cmd->add_option("--template", o->template_name, "A built-in chat format (chatml, llama3, ...; default: the model's own template)");
    cmd->add_option("--system", o->system, "System message");
    cmd->add_flag("--no-think", o->no_think, "Answer without thinking first (Qwen3's enable_thinking=false)");
    cmd->add_option("-n,--max-tokens", o->generation.max_tokens, "Most tokens per reply")->capture_default_str();
    cmd->add_option("--temp", o->generation.sampling.temperature, "Temperature; 0 is greedy")->capture_default_str();
    cmd->add_option("--seed", o->generation.sampling.seed, "Random seed")->capture_default_str();
    cmd->add_option("--ctx", o->n_ctx, "Context window in tokens (default: the model's, at most 4096)");
    cmd->add_option("--max-memory", o->max_memory_mib, "Most memory the model may hold, in MiB (default: the machine's)")
        ->check(CLI::Range(uint64_t(1), uint64_t(1) << 40));
    cmd->add_option("-t,--threads", o->threads, "CPU threads (default: one per hardware thread)");
    cmd->add_option("--kv-cache-type", o->kv_cache_type, "KV cache type: f16, q8_0 (half the memory) or f32")->capture_default_str();
    cmd->callback([o] { run_chat(*o); });
}

}  // namespace chord::cli
