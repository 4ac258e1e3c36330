// `chord synth --shape SHAPE --type TYPE --vocab VOCAB.gguf -o FILE [--seed N] [--ctx N]`: writes
// a llama model of any shape with random weights and a real vocabulary, so that benchmarks (ours
// and llama.cpp's, on the very same file) need no download.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "chord/synth_model.hpp"
#include "commands.hpp"

namespace chord::cli {
namespace {

struct SynthCommandOptions {
    std::string shape, type, vocab, output;
    uint64_t seed = 0;
    uint32_t ctx = 0;
};

void run_synth(const SynthCommandOptions& o) {
    SynthOptions options;
    options.shape = ModelShape::parse(o.shape);
    if (o.ctx) options.shape.ctx = o.ctx;
    options.type = o.type;
    options.vocab_path = o.vocab;
    options.seed = o.seed;
    const auto start = std::chrono::steady_clock::now();
    const SynthResult r = synth_model(options, o.output);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("wrote %s: %s %s, %zu tensors, %llu parameters, %llu bytes in %.1f s\n", o.output.c_str(),
                options.shape.name.c_str(), o.type.c_str(), r.tensors, (unsigned long long)r.parameters,
                (unsigned long long)r.file_bytes, seconds);
}

}  // namespace

void register_synth_command(CLI::App& app) {
    auto o = std::make_shared<SynthCommandOptions>();
    CLI::App* cmd = app.add_subcommand("synth", "Write a random-weight llama model of a given shape and weight type");
    cmd->add_option("--shape", o->shape,
                    "tinyllama-1.1b, 110m, or dim=D,layers=L,heads=H,kv_heads=K,ffn=F[,ctx=C,rope_base=B,rms_eps=E]")
        ->required();
    cmd->add_option("--type", o->type, "Weight type: " + weight_format_names() +
                                           " (plain names: every matrix in that type; _s/_m/_l and q2_k_mix: llama.cpp's mixes)")
        ->required();
    cmd->add_option("--vocab", o->vocab, "GGUF file whose tokenizer.* metadata (the vocabulary) is copied")->required();
    cmd->add_option("-o,--output", o->output, "GGUF file to write")->required();
    cmd->add_option("--seed", o->seed, "Seed of the random weights (same seed, same bytes)")->capture_default_str();
    cmd->add_option("--ctx", o->ctx, "Training context length to record (default: the shape's)");
    cmd->callback([o] { run_synth(*o); });
}

}  // namespace chord::cli
