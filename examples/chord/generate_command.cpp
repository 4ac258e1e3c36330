// `chord generate -m MODEL -p PROMPT [-n N] [--temp T] [--top-k K] [--top-p P] [--min-p P]
//  [--repeat-penalty R] [--seed S] [--ids] [--ctx N] [--stats]`: streams the continuation.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "chord/model.hpp"
#include "chord/sampler.hpp"
#include "chord/streaming_decoder.hpp"
#include "commands.hpp"

namespace chord::cli {
namespace {

struct GenerateOptions {
    std::string model, prompt;
    int max_tokens = 128;
    uint32_t n_ctx = 0;
    SamplerParams sampling;
    bool ids_only = false;
    bool stats = false;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void run_generate(const GenerateOptions& options) {
    if (options.max_tokens < 0) throw Error(ErrorCode::InvalidArgument, "-n must be >= 0");
    ModelOptions model_options;
    model_options.n_ctx = options.n_ctx;
    const auto model = Model::load(options.model, model_options);
    Sampler sampler(options.sampling);  // validates the sampling parameters
    const Tokenizer& tokenizer = model->tokenizer();
    const std::vector<TokenId> prompt = tokenizer.encode(options.prompt);
    if (prompt.size() >= model->n_ctx())
        throw Error(ErrorCode::ContextFull, "the prompt has " + std::to_string(prompt.size()) +
                                                " tokens, more than the context of " + std::to_string(model->n_ctx()) + " allows");

    const auto start = std::chrono::steady_clock::now();
    const std::vector<float>* logits = &model->forward(prompt.data(), prompt.size(), 0);
    const double prompt_seconds = seconds_since(start);
    for (TokenId id : prompt) sampler.accept(id);  // the prompt counts for the repetition penalties

    StreamingDecoder decoder(tokenizer);
    std::string ids_line;
    uint32_t n_past = uint32_t(prompt.size());
    int generated = 0;
    const auto decode_start = std::chrono::steady_clock::now();
    while (generated < options.max_tokens && n_past < model->n_ctx()) {
        const TokenId token = sampler.sample(logits->data(), logits->size());
        if (tokenizer.vocab().is_end_of_generation(token)) break;
        sampler.accept(token);
        ++generated;
        if (options.ids_only) {
            ids_line += (ids_line.empty() ? "" : " ") + std::to_string(token);
        } else {
            std::fputs(decoder.push(token).c_str(), stdout);
            std::fflush(stdout);
        }
        if (generated == options.max_tokens) break;
        logits = &model->forward(&token, 1, n_past++);
    }
    if (options.ids_only)
        std::printf("%s\n", ids_line.c_str());
    else
        std::printf("%s\n", decoder.flush().c_str());
    if (options.stats) {
        const double decode_seconds = seconds_since(decode_start);
        std::fprintf(stderr, "prompt: %zu tokens in %.3f s (%.1f tok/s); generated: %d tokens in %.3f s (%.1f tok/s)\n",
                     prompt.size(), prompt_seconds, double(prompt.size()) / prompt_seconds, generated, decode_seconds,
                     generated / std::max(decode_seconds, 1e-9));
    }
}

}  // namespace

void register_generate_command(CLI::App& app) {
    auto o = std::make_shared<GenerateOptions>();
    CLI::App* cmd = app.add_subcommand("generate", "Continue a prompt with the model, streaming the text");
    cmd->add_option("-m,--model", o->model, "GGUF model file")->required();
    cmd->add_option("-p,--prompt", o->prompt, "Text to continue")->required();
    cmd->add_option("-n,--max-tokens", o->max_tokens, "Most tokens to generate")->capture_default_str();
    cmd->add_option("--temp", o->sampling.temperature, "Temperature; 0 is greedy")->capture_default_str();
    cmd->add_option("--top-k", o->sampling.top_k, "Keep the k most likely tokens; 0 is off")->capture_default_str();
    cmd->add_option("--top-p", o->sampling.top_p, "Nucleus sampling; 1 is off")->capture_default_str();
    cmd->add_option("--min-p", o->sampling.min_p, "Drop tokens below min-p times the best; 0 is off")->capture_default_str();
    cmd->add_option("--repeat-penalty", o->sampling.repeat_penalty, "Penalty for recent tokens; 1 is off")->capture_default_str();
    cmd->add_option("--seed", o->sampling.seed, "Random seed")->capture_default_str();
    cmd->add_option("--ctx", o->n_ctx, "Context window in tokens (default: the model's, at most 4096)");
    cmd->add_flag("--ids", o->ids_only, "Print only the generated token ids, space-separated, on one line");
    cmd->add_flag("--stats", o->stats, "Print prompt and generation speed on stderr");
    cmd->callback([o] { run_generate(*o); });
}

}  // namespace chord::cli
