// `chord embed -m MODEL -p TEXT [--pooling mean|last|cls] [--no-normalize] [--ctx N] [-t N]`: the
// text's embedding (embeddings.hpp) as a JSON array of n_embd numbers on one line.
#include <charconv>
#include <cstdio>
#include <memory>
#include <string>

#include "chord/embeddings.hpp"
#include "commands.hpp"

namespace chord::cli {
namespace {

struct EmbedCommandOptions {
    std::string model, text, pooling;  // pooling "": the model's
    bool no_normalize = false;
    uint32_t n_ctx = 0;
    unsigned threads = 0;
};

void run_embed(const EmbedCommandOptions& options) {
    EmbedOptions embed_options;
    if (!options.pooling.empty()) embed_options.pooling = pooling_from_name(options.pooling);
    embed_options.normalize = !options.no_normalize;
    ModelOptions model_options;
    model_options.n_ctx = options.n_ctx;
    model_options.threads = options.threads;
    const auto model = Model::load(options.model, model_options);
    const std::vector<float> embedding = embed(*model, options.text, embed_options);
    std::string line = "[";
    for (size_t i = 0; i < embedding.size(); ++i) {
        char number[32];  // each float in the shortest form that reads back as the same float
        const auto end = std::to_chars(number, number + sizeof number, embedding[i]).ptr;
        line.append(i ? "," : "").append(number, end);
    }
    std::printf("%s]\n", line.c_str());
}

}  // namespace

void register_embed_command(CLI::App& app) {
    auto o = std::make_shared<EmbedCommandOptions>();
    CLI::App* cmd = app.add_subcommand("embed", "Print the embedding of a text as a JSON array");
    cmd->add_option("-m,--model", o->model, "GGUF model file")->required();
    cmd->add_option("-p,--prompt", o->text, "Text to embed")->required();
    cmd->add_option("--pooling", o->pooling, "How token states make one vector: mean, last or cls (default: the model's, else mean)")
        ->check(CLI::IsMember({"mean", "last", "cls"}));
    cmd->add_flag("--no-normalize", o->no_normalize, "Do not scale the vector to unit length");
    cmd->add_option("--ctx", o->n_ctx, "Context window in tokens: the longest text (default: the model's, at most 4096)");
    cmd->add_option("-t,--threads", o->threads, "CPU threads (default: one per hardware thread)");
    cmd->callback([o] { run_embed(*o); });
}

}  // namespace chord::cli
