// The subcommands of the `chord` CLI. Each registers itself on the app; its callback does the
// work and may throw chord::Error, which main() turns into "error: <message>" and exit code 1.
#pragma once

#include <CLI/CLI.hpp>

namespace chord::cli {

void register_inspect_command(CLI::App& app);
void register_tokenize_command(CLI::App& app);
void register_generate_command(CLI::App& app);
void register_chat_command(CLI::App& app);
void register_split_command(CLI::App& app);
void register_synth_command(CLI::App& app);
void register_embed_command(CLI::App& app);

}  // namespace chord::cli
