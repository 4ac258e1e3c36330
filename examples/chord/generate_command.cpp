// `chord generate -m MODEL -p PROMPT [-n N] [--temp T] [--top-k K] [--top-p P] [--min-p P]
//  [--repeat-penalty R] [--seed S] [--grammar-file F.gbnf | --json-schema JSON | --json-schema-file F]
//  [--keep N] [--no-context-shift] [--ids] [--ctx N]
//  [--kv-cache-type f16|q8_0|f32] [--stats]`: streams the continuation.
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "chord/grammar/json_schema_text.hpp"
#include "chord/session.hpp"
#include "commands.hpp"

namespace chord::cli {
namespace {

struct GenerateCommandOptions {
    std::string model, prompt;
    uint32_t n_ctx = 0;
    uint64_t max_memory_mib = 0;
    unsigned threads = 0;
    std::string kv_cache_type = "f16";
    std::string grammar_file, json_schema, json_schema_file;
    GenerateOptions generation;  // max tokens and sampling
    bool ids_only = false;
    bool stats = false;
};

std::string read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ErrorCode::Io, "cannot read '" + path + "'");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void run_generate(GenerateCommandOptions options) {
    if (!options.grammar_file.empty()) options.generation.grammar = read_text_file(options.grammar_file);
    if (!options.json_schema_file.empty()) options.json_schema = read_text_file(options.json_schema_file);
    if (!options.json_schema.empty()) options.generation.grammar = grammar::json_schema_text_to_gbnf(options.json_schema);
    ModelOptions model_options;
    model_options.n_ctx = options.n_ctx;
    model_options.max_memory = options.max_memory_mib << 20;
    model_options.threads = options.threads;
    model_options.kv_cache_type = parse_kv_cache_type(options.kv_cache_type);
    const auto model = Model::load(options.model, model_options);
    Session session(*model);
    const GenerateResult r = session.generate(options.prompt, options.generation, [&](std::string_view text, TokenId) {
        if (!options.ids_only) {
            std::fwrite(text.data(), 1, text.size(), stdout);
            std::fflush(stdout);
        }
        return true;
    });
    if (options.ids_only) {
        std::string line;
        for (TokenId id : r.tokens) line += (line.empty() ? "" : " ") + std::to_string(id);
        std::printf("%s\n", line.c_str());
    } else {
        std::printf("\n");
    }
    if (options.stats) {
        std::fprintf(stderr, "context: %u tokens; KV cache: %s, %llu bytes\n", model->n_ctx(), kv_cache_type_name(model->kv_cache_type()),
                     static_cast<unsigned long long>(model->kv_cache_bytes()));
        std::fprintf(stderr, "prompt: %zu tokens in %.3f s (%.1f tok/s); generated: %zu tokens in %.3f s (%.1f tok/s)\n",
                     r.prompt_tokens, r.prompt_ms / 1e3, double(r.prompt_tokens) / std::max(r.prompt_ms / 1e3, 1e-9),
                     r.tokens.size(), r.generation_ms / 1e3, double(r.tokens.size()) / std::max(r.generation_ms / 1e3, 1e-9));
    }
}

}  // namespace

void register_generate_command(CLI::App& app) {
    auto o = std::make_shared<GenerateCommandOptions>();
    o->generation.max_tokens = 128;
    CLI::App* cmd = app.add_subcommand("generate", "Continue a prompt with the model, streaming the text");
    cmd->add_option("-m,--model", o->model, "GGUF model file")->required();
    cmd->add_option("-p,--prompt", o->prompt, "Text to continue")->required();
    cmd->add_option("-n,--max-tokens", o->generation.max_tokens, "Most tokens to generate")->capture_default_str();
    cmd->add_option("--temp", o->generation.sampling.temperature, "Temperature; 0 is greedy")->capture_default_str();
    cmd->add_option("--top-k", o->generation.sampling.top_k, "Keep the k most likely tokens; 0 is off")->capture_default_str();
    cmd->add_option("--top-p", o->generation.sampling.top_p, "Nucleus sampling; 1 is off")->capture_default_str();
    cmd->add_option("--min-p", o->generation.sampling.min_p, "Drop tokens below min-p times the best; 0 is off")->capture_default_str();
    cmd->add_option("--repeat-penalty", o->generation.sampling.repeat_penalty, "Penalty for recent tokens; 1 is off")->capture_default_str();
    cmd->add_option("--seed", o->generation.sampling.seed, "Random seed")->capture_default_str();
    CLI::Option* grammar = cmd->add_option("--grammar-file", o->grammar_file,
                                           "GBNF grammar (llama.cpp's format, rule 'root') the text must follow");
    CLI::Option* schema = cmd->add_option("--json-schema", o->json_schema, "JSON Schema (JSON text) the text must be a document of");
    CLI::Option* schema_file = cmd->add_option("--json-schema-file", o->json_schema_file, "The same, from a file");
    grammar->excludes(schema)->excludes(schema_file);
    schema->excludes(schema_file);
    cmd->add_option("--keep", o->generation.n_keep,
                    "Tokens of the prompt a context shift keeps (llama.cpp's --keep: 0 = the BOS, -1 = all)")
        ->capture_default_str();
    cmd->add_flag("--no-context-shift", [o](int64_t) { o->generation.context_shift = false; },
                  "Stop when the context is full instead of shifting it");
    cmd->add_option("--ctx", o->n_ctx, "Context window in tokens (default: the model's, at most 4096)");
    cmd->add_option("--max-memory", o->max_memory_mib, "Most memory the model may hold, in MiB (default: the machine's)")
        ->check(CLI::Range(uint64_t(1), uint64_t(1) << 40));
    cmd->add_option("-t,--threads", o->threads, "CPU threads (default: one per hardware thread)");
    cmd->add_option("--kv-cache-type", o->kv_cache_type, "KV cache type: f16, q8_0 (half the memory) or f32")->capture_default_str();
    cmd->add_flag("--ids", o->ids_only, "Print only the generated token ids, space-separated, on one line");
    cmd->add_flag("--stats", o->stats, "Print the KV cache's type and size, and prompt and generation speed, on stderr");
    cmd->callback([o] { run_generate(*o); });
}

}  // namespace chord::cli
