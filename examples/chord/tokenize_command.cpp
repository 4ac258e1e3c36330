// `chord tokenize -m MODEL [--no-bos] [--ids] [--parse-special]`: the tokens of the UTF-8 text on
// standard input, exactly as given (a trailing newline is part of the text).
#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include "chord/tokenizer.hpp"
#include "commands.hpp"
#include "text_escape.hpp"

namespace chord::cli {
namespace {

struct TokenizeOptions {
    std::string model;
    bool no_bos = false;
    bool ids_only = false;
    bool parse_special = false;
};

void run_tokenize(const TokenizeOptions& options) {
    const Tokenizer tokenizer = Tokenizer::from_gguf(GgufFile::open(options.model));
    std::ios::sync_with_stdio(false);
    const std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    const std::vector<TokenId> ids = tokenizer.encode(text, {!options.no_bos, options.parse_special});
    if (options.ids_only) {
        std::string line;
        for (size_t i = 0; i < ids.size(); ++i) line += (i ? " " : "") + std::to_string(ids[i]);
        std::printf("%s\n", line.c_str());
        return;
    }
    for (TokenId id : ids)
        std::printf("%6d '%s'\n", id, escape_for_terminal(tokenizer.token_to_piece(id, /*render_special=*/true)).c_str());
}

}  // namespace

void register_tokenize_command(CLI::App& app) {
    auto options = std::make_shared<TokenizeOptions>();
    CLI::App* cmd = app.add_subcommand("tokenize", "Print the tokens of the text on standard input");
    cmd->add_option("-m,--model", options->model, "GGUF model or vocabulary file")->required();
    cmd->add_flag("--no-bos", options->no_bos, "Do not add the BOS token (nor EOS) even if the vocabulary asks for it");
    cmd->add_flag("--ids", options->ids_only, "Print only the token ids, space-separated, on one line");
    cmd->add_flag("--parse-special", options->parse_special, "Turn control tokens written in the text into tokens");
    cmd->callback([options] { run_tokenize(*options); });
}

}  // namespace chord::cli
