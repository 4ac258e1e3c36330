// Errors of a chat template, and where in its source they happened.
//
// Inside the interpreter a failure is one of two internal exceptions that carry only the message;
// the interpreter knows which node was executing and turns it into a chord::Error naming the line
// and column:
//   - a syntax error or a runtime error (unknown filter, wrong argument type, a runaway template):
//     ErrorCode::Malformed, "chat template line L, column C: <what>";
//   - the template's own raise_exception("..."), the template refusing its input:
//     ErrorCode::InvalidArgument, "chat template line L: <the template's message>".
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

#include "chord/error.hpp"

namespace chord::jinja {

// Something the template did that the engine refuses. Thrown by builtins and the interpreter.
struct RuntimeError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// raise_exception() called by the template.
struct Raised : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct LineColumn {
    size_t line = 1;
    size_t column = 1;
};

// 1-based line and column (in bytes) of a byte offset in the (newline-normalised) source.
inline LineColumn line_column(const std::string& source, size_t pos) {
    LineColumn lc;
    for (size_t i = 0; i < pos && i < source.size(); ++i) {
        if (source[i] == '\n') {
            ++lc.line;
            lc.column = 1;
        } else {
            ++lc.column;
        }
    }
    return lc;
}

inline Error template_error(const std::string& source, size_t pos, const std::string& what) {
    const LineColumn lc = line_column(source, pos);
    return Error(ErrorCode::Malformed,
                 "chat template line " + std::to_string(lc.line) + ", column " + std::to_string(lc.column) + ": " + what);
}

inline Error template_refusal(const std::string& source, size_t pos, const std::string& message) {
    return Error(ErrorCode::InvalidArgument,
                 "chat template line " + std::to_string(line_column(source, pos).line) + ": " + message);
}

}  // namespace chord::jinja
