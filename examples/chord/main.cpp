// chord — the command-line tool of wasm-chord.
//
// Contract for scripts: exit code 0 on success; on any error exit code 1 and one line
// "error: <message>" on stderr. Never a signal.
#include <exception>
#include <iostream>
#include <string>

#include "chord/error.hpp"
#include "commands.hpp"

int main(int argc, char** argv) {
    CLI::App app{"chord: run GGUF language models (wasm-chord's command-line tool)"};
    app.require_subcommand(1);
    chord::cli::register_inspect_command(app);
    chord::cli::register_tokenize_command(app);
    chord::cli::register_generate_command(app);
    chord::cli::register_chat_command(app);
    chord::cli::register_split_command(app);
    chord::cli::register_synth_command(app);
    chord::cli::register_embed_command(app);

    // CLI11 would report an unknown command as a missing one; name it instead.
    const auto is_command = [&](const std::string& name) {
        for (const CLI::App* sub : app.get_subcommands({}))
            if (sub->check_name(name)) return true;
        return false;
    };
    if (argc > 1 && argv[1][0] != '-' && !is_command(argv[1])) {
        std::cerr << "error: unknown command '" << argv[1] << "'\n(run 'chord --help' for usage)\n";
        return 1;
    }
    try {
        app.parse(argc, argv);  // runs the chosen subcommand's callback
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);  // --help
        std::cerr << "error: " << e.what() << "\n(run 'chord --help' for usage)\n";
        return 1;
    } catch (const chord::Error& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
