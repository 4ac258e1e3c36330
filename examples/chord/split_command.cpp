// `chord split MODEL -o PREFIX [--max-tensors N] [--max-size SIZE]`: writes the model as
// PREFIX-00001-of-0000N.gguf, ... (llama.cpp's gguf-split format), e.g. to host a model as files
// small enough for a browser to fetch one at a time. Every chord command opens such a set from
// the path of any of its files.
#include <cstdio>
#include <memory>
#include <string>

#include "chord/gguf_split_writer.hpp"
#include "commands.hpp"

namespace chord::cli {
namespace {

struct SplitOptions {
    std::string model;
    std::string prefix;
    uint64_t max_tensors = 128;
    std::string max_size;
};

// "500M", "2G", "4096K" or a plain byte count.
uint64_t parse_size(const std::string& text) {
    size_t end = 0;
    unsigned long long n = 0;
    try {
        n = std::stoull(text, &end);
    } catch (const std::exception&) {
        end = 0;
    }
    const std::string unit = text.substr(end);
    const uint64_t scale = unit.empty() ? 1 : unit == "K" ? 1ull << 10 : unit == "M" ? 1ull << 20 : unit == "G" ? 1ull << 30 : 0;
    if (end == 0 || scale == 0 || n == 0)
        throw Error(ErrorCode::InvalidArgument, "--max-size '" + text + "' is not a size like 500M or 2G");
    return n * scale;
}

void run_split(const SplitOptions& options) {
    const GgufFile file = open_model_file(options.model);
    SplitLimits limits;
    limits.max_tensors = options.max_tensors;
    if (!options.max_size.empty()) limits.max_bytes = parse_size(options.max_size);
    for (const std::string& path : write_split(file, options.prefix, limits)) std::printf("%s\n", path.c_str());
}

}  // namespace

void register_split_command(CLI::App& app) {
    auto options = std::make_shared<SplitOptions>();
    CLI::App* cmd = app.add_subcommand("split", "Write a model as a set of split GGUF files (llama.cpp's gguf-split format)");
    cmd->add_option("model", options->model, "GGUF model file (or any file of a split set)")->required();
    cmd->add_option("-o,--output", options->prefix, "Prefix of the files to write: PREFIX-00001-of-0000N.gguf")->required();
    cmd->add_option("--max-tensors", options->max_tensors, "Most tensors per file (default 128)");
    cmd->add_option("--max-size", options->max_size, "Most tensor bytes per file, e.g. 500M or 2G (a soft limit)");
    cmd->callback([options] { run_split(*options); });
}

}  // namespace chord::cli
