// `chord synth --shape SHAPE --type TYPE --vocab VOCAB.gguf -o FILE [--seed N] [--ctx N]
// [--weight-std S] [--qk-std S] [--norm-std S] [--without FEATURE]... [--chat-template FILE]`: writes a model of any
// architecture and shape with random weights and a real vocabulary, so that benchmarks (ours and
// llama.cpp's, on the very same file) need no download, and so that small test models can be
// made sensitive to every feature of their architecture.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "chord/synth_model.hpp"
#include "commands.hpp"

namespace chord::cli {
namespace {

struct SynthCommandOptions {
    std::string shape, type, vocab, output;
    uint64_t seed = 0;
    uint32_t ctx = 0, vocab_size = 0;
    float weight_std = kSynthWeightStd, qk_std = 0.0f, embd_std = 0.0f, norm_mean = 1.0f, norm_std = 0.0f;
    std::vector<std::string> without;
    std::string chat_template_file;
};

void run_synth(const SynthCommandOptions& o) {
    SynthOptions options;
    options.shape = ModelShape::parse(o.shape);
    if (o.ctx) options.shape.ctx = o.ctx;
    options.type = o.type;
    options.vocab_path = o.vocab;
    options.seed = o.seed;
    options.weight_std = o.weight_std;
    options.qk_std = o.qk_std;
    options.embd_std = o.embd_std;
    options.norm_mean = o.norm_mean;
    options.norm_std = o.norm_std;
    options.without = o.without;
    options.vocab_size = o.vocab_size;
    if (!o.chat_template_file.empty()) {
        std::ifstream in(o.chat_template_file, std::ios::binary);
        if (!in) throw Error(ErrorCode::Io, "cannot read '" + o.chat_template_file + "'");
        options.chat_template.assign(std::istreambuf_iterator<char>(in), {});
    }
    const auto start = std::chrono::steady_clock::now();
    const SynthResult r = synth_model(options, o.output);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::string without;
    for (const std::string& f : o.without) without += (without.empty() ? " without " : ", ") + f;
    std::printf("wrote %s: %s %s %s%s, %zu tensors, %llu parameters, %llu bytes in %.1f s\n", o.output.c_str(),
                options.shape.arch.c_str(), options.shape.name.c_str(), o.type.c_str(), without.c_str(), r.tensors,
                (unsigned long long)r.parameters, (unsigned long long)r.file_bytes, seconds);
}

}  // namespace

void register_synth_command(CLI::App& app) {
    auto o = std::make_shared<SynthCommandOptions>();
    CLI::App* cmd = app.add_subcommand(
        "synth", "Write a random-weight model (llama, phi3, qwen3, gemma2, gemma3) of a given shape and weight type");
    cmd->add_option("--shape", o->shape, kShapeKeysHelp)->required();
    cmd->add_option("--type", o->type, "Weight type: " + weight_format_names() +
                                           " (plain names: every matrix in that type; _s/_m/_l and q2_k_mix: llama.cpp's mixes;"
                                           " rows that are not whole blocks fall back as llama-quantize does)")
        ->required();
    cmd->add_option("--vocab", o->vocab, "GGUF file whose tokenizer.* metadata (the vocabulary) is copied")->required();
    cmd->add_option("--chat-template", o->chat_template_file, "Jinja file written as tokenizer.chat_template (default: the vocabulary's)");
    cmd->add_option("--vocab-size", o->vocab_size,
                    "Pad the vocabulary to this many tokens (never produced from text), for a family's embedding and "
                    "output sizes: Qwen3 151936, Gemma 3 262144");
    cmd->add_option("-o,--output", o->output, "GGUF file to write")->required();
    cmd->add_option("--seed", o->seed, "Seed of the random weights (same seed, same bytes)")->capture_default_str();
    cmd->add_option("--ctx", o->ctx, "Training context length to record (default: the shape's)");
    const auto positive = CLI::PositiveNumber;
    cmd->add_option("--weight-std", o->weight_std, "Standard deviation of the matrices' weights")
        ->capture_default_str()
        ->check(positive);
    cmd->add_option("--qk-std", o->qk_std,
                    "Standard deviation of attn_q and attn_k (their rows of attn_qkv): larger makes attention sharper, "
                    "and RoPE, windows and soft-caps matter more (default: --weight-std)")
        ->check(positive);
    cmd->add_option("--embd-std", o->embd_std,
                    "Standard deviation of token_embd (the output projection too where tied) (default: --weight-std)")
        ->check(positive);
    cmd->add_option("--norm-mean", o->norm_mean, "Mean of the norm weights (Gemma files store 1 + w)")
        ->capture_default_str()
        ->check(positive);
    cmd->add_option("--norm-std", o->norm_std,
                    "Norm weights are --norm-mean + this times a normal draw (default 0: all exactly --norm-mean)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--without", o->without,
                    "Write the same model without a feature, to show a test model is sensitive to it (repeatable): " +
                        synth_feature_names());
    cmd->callback([o] { run_synth(*o); });
}

}  // namespace chord::cli
