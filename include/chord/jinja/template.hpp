// A chat template (a model's tokenizer.chat_template), rendered byte for byte as llama.cpp's own
// Jinja engine (common/jinja) renders it.
//
//   chord::jinja::Template t(source);                  // parses; chord::Error on a syntax error
//   std::string prompt = t.render(context, now);       // context: a JSON object of variables
//
// The context holds what the template reads: messages, tools, add_generation_prompt, bos_token,
// eos_token, and any extra keyword (enable_thinking, ...). strftime_now() formats `now` in UTC.
// The language is the engine's subset of Jinja, quirks included (see parser.hpp and
// interpreter.hpp); HuggingFace's trim_blocks and lstrip_blocks are on, as for every chat template.
//
// Errors are chord::Error: Malformed for a syntax or runtime error ("chat template line L,
// column C: ..."), InvalidArgument when the template refuses its input with raise_exception
// ("chat template line L: <its message>"). A template runs within Limits: deep nesting, endless
// loops and huge strings end in an error, not a crash. A Template is immutable after parsing;
// render may be called from several threads at once.
#pragma once

#include <ctime>
#include <string>

#include <nlohmann/json.hpp>

#include "chord/jinja/interpreter.hpp"
#include "chord/jinja/parser.hpp"

namespace chord::jinja {

class Template {
public:
    explicit Template(const std::string& source, const Limits& limits = {}) : limits_(limits) {
        Lexed lexed = tokenize(source);
        program_ = parse(lexed, limits_.max_depth);
        source_ = std::move(lexed.source);
    }

    std::string render(const nlohmann::ordered_json& context, std::time_t now) const {
        Runtime rt(limits_, now);
        return Interpreter(source_, rt).render(program_, context);
    }

private:
    Limits limits_;
    std::string source_;  // newline-normalised, for the line numbers of errors
    NodeList program_;
};

}  // namespace chord::jinja
