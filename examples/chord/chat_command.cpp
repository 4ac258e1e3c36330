// `chord chat -m MODEL [--template NAME] [--system TEXT] [--no-think] [-n N] [--temp T] [--seed S]`:
// an interactive chat on standard input, one user message per line, in the model's chat template.
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "chord/chat.hpp"
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
    const ChatTemplate chat_template = chat_template_for(
        model->file(), options.template_name.empty() ? std::nullopt : std::optional<std::string_view>(options.template_name));
    Session session(*model);
    std::vector<ChatMessage> messages;
    if (!options.system.empty()) messages.push_back({"system", options.system});

    ChatOptions chat_options;
    chat_options.enable_thinking = !options.no_think;
    const bool has_switch = chat_template_has_thinking_switch(chat_template);
    std::fprintf(stderr, "chat template: %s%s. Type a message and press Enter; end with Ctrl-D.\n",
                 chat_template_name(chat_template),
                 has_switch ? (chat_options.enable_thinking ? ", thinking on" : ", thinking off") : "");
    if (options.no_think && !has_switch)
        std::fprintf(stderr, "(--no-think: the %s template has no thinking switch; it changes nothing)\n",
                     chat_template_name(chat_template));
    std::string line;
    while (std::fputs("> ", stdout), std::fflush(stdout), std::getline(std::cin, line)) {
        if (line.empty()) continue;
        messages.push_back({"user", line});
        const std::string prompt = render_chat(chat_template, messages, /*add_generation_prompt=*/true, chat_options);
        // The template spells out control tokens (<|im_start|>): let them become tokens.
        const std::vector<TokenId> tokens = model->tokenizer().encode(prompt, {/*add_special=*/true, /*parse_special=*/true});
        const GenerateResult reply = session.generate_tokens(tokens, options.generation, [](std::string_view text, TokenId) {
            std::fwrite(text.data(), 1, text.size(), stdout);
            std::fflush(stdout);
            return true;
        });
        std::fputs("\n", stdout);
        messages.push_back({"assistant", reply.text});
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
    cmd->add_option("--template", o->template_name, "Chat template name (default: detected from the model)");
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
