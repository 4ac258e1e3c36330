// render_goldens: renders every chat template x every case with llama.cpp's own
// Jinja engine (common/jinja) and writes one golden JSON file per template.
//
// Not part of the wasm-chord build. Built by scripts/chat-template-goldens.sh,
// which compiles this file together with llama.cpp's engine sources.
//
// usage: render_goldens TEMPLATES_DIR CASES_JSON OUT_DIR LLAMA_CPP_COMMIT
//
// The global context of each render is exactly:
//   messages, tools (only when the case has it), add_generation_prompt,
//   bos_token = "<s>", eos_token = "</s>", then the case's kwargs.
// Time is fixed (context.current_time = 2026-01-02T03:04:05Z, TZ=UTC) so that
// strftime_now is deterministic. Raw engine only: no common/chat.cpp
// workarounds, no caps-based polyfills, no input marking.

#include "ggml.h"
#include "jinja/lexer.h"
#include "jinja/parser.h"
#include "jinja/runtime.h"
#include "jinja/value.h"
#include "json.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

using ojson = nlohmann::ordered_json;
namespace fs = std::filesystem;

// common/json.cpp uses GGML_ASSERT; provide ggml_abort so we need no libggml.
extern "C" void ggml_abort(const char * file, int line, const char * fmt, ...) {
    std::fprintf(stderr, "%s:%d: ", file, line);
    va_list args;
    va_start(args, fmt);
    std::vfprintf(stderr, fmt, args);
    va_end(args);
    std::fprintf(stderr, "\n");
    std::abort();
}

static const std::time_t FIXED_TIME = 1767323045;  // 2026-01-02T03:04:05Z

static std::string read_file(const fs::path & p) {
    std::ifstream f(p, std::ios::binary);
    if (!f) {
        throw std::runtime_error("cannot open " + p.string());
    }
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

int main(int argc, char ** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: %s TEMPLATES_DIR CASES_JSON OUT_DIR LLAMA_CPP_COMMIT\n", argv[0]);
        return 2;
    }
    const fs::path    tmpl_dir = argv[1];
    const ojson       cases    = ojson::parse(read_file(argv[2]));
    const fs::path    out_dir  = argv[3];
    const std::string commit   = argv[4];

    // strftime_now uses std::localtime: make local time UTC.
    setenv("TZ", "UTC", 1);
    tzset();

    std::vector<fs::path> templates;
    for (const auto & e : fs::directory_iterator(tmpl_dir)) {
        if (e.is_regular_file() && e.path().extension() == ".jinja") {
            templates.push_back(e.path());
        }
    }
    std::sort(templates.begin(), templates.end());

    size_t n_ok = 0, n_err = 0;
    for (const auto & path : templates) {
        const std::string src = read_file(path);

        jinja::program prog;
        std::string    parse_error;
        try {
            jinja::lexer lexer;
            auto         tokens = lexer.tokenize(src);
            prog                = jinja::parse_from_tokens(tokens);
        } catch (const std::exception & e) {
            parse_error = e.what();
            std::fprintf(stderr, "PARSE ERROR %s: %s\n", path.filename().c_str(), e.what());
        }

        ojson results = ojson::array();
        for (const auto & c : cases) {
            ojson r;
            r["case"] = c.at("id");
            if (!parse_error.empty()) {
                r["error"] = parse_error;
                ++n_err;
                results.push_back(r);
                continue;
            }
            // global context, in this order
            ojson inp;
            inp["messages"] = c.at("messages");
            if (c.contains("tools")) {
                inp["tools"] = c.at("tools");
            }
            inp["add_generation_prompt"] = c.at("add_generation_prompt");
            inp["bos_token"]             = "<s>";
            inp["eos_token"]             = "</s>";
            if (c.contains("kwargs")) {
                for (const auto & [k, v] : c.at("kwargs").items()) {
                    inp[k] = v;
                }
            }
            try {
                jinja::context ctx(src);  // src: for error messages, as llama.cpp does
                ctx.current_time = FIXED_TIME;
                jinja::global_from_json(ctx, common_json::parse(inp.dump()), /* mark_input */ false);
                jinja::runtime runtime(ctx);
                const jinja::value out = runtime.execute(prog);
                r["output"] = jinja::runtime::gather_string_parts(out)->as_string().str();
                ++n_ok;
            } catch (const std::exception & e) {
                r["error"] = std::string(e.what());
                ++n_err;
            }
            results.push_back(r);
        }

        ojson golden;
        golden["template"]         = path.filename().string();
        golden["llama_cpp_commit"] = commit;
        golden["results"]          = results;
        const fs::path out_path    = out_dir / (path.stem().string() + ".json");
        std::ofstream  f(out_path, std::ios::binary);
        // UTF-8 kept as is (ensure_ascii = false); invalid UTF-8 is an error
        f << golden.dump(2, ' ', false, ojson::error_handler_t::strict) << "\n";
    }
    std::printf("%zu templates x %zu cases: %zu rendered, %zu errors\n", templates.size(), cases.size(), n_ok,
                n_err);
    return 0;
}
