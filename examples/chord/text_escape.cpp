#include "text_escape.hpp"

#include <cstdint>
#include <cstdio>

#include "chord/utf8.hpp"

namespace chord::cli {

std::string escape_for_terminal(std::string_view bytes, size_t max_chars) {
    std::string out;
    size_t chars = 0;
    while (!bytes.empty()) {
        if (chars >= max_chars) {
            out += "…";
            break;
        }
        const size_t n = utf8_sequence_length(bytes);
        const auto b = uint8_t(bytes[0]);
        if (n > 1) {
            out.append(bytes.data(), n);
        } else if (n == 1 && b == '\n') {
            out += "\\n";
        } else if (n == 1 && b == '\t') {
            out += "\\t";
        } else if (n == 1 && (b == '"' || b == '\\')) {
            out += '\\';
            out += char(b);
        } else if (n == 1 && b >= 0x20 && b != 0x7F) {
            out += char(b);
        } else {
            char hex[5];
            std::snprintf(hex, sizeof hex, "\\x%02X", b);
            out += hex;
        }
        bytes.remove_prefix(n ? n : 1);
        ++chars;
    }
    return out;
}

}  // namespace chord::cli
