// Makes arbitrary bytes safe and readable on a terminal line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace chord::cli {

// Valid UTF-8 text passes through; quotes, backslashes and control characters are escaped
// (\n, \t, \"), invalid bytes become \xNN. Longer results are cut at about `max_chars` with "…".
std::string escape_for_terminal(std::string_view bytes, size_t max_chars = SIZE_MAX);

}  // namespace chord::cli
