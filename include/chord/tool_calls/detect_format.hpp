// Which tool-call format a chat template teaches its model, recognised from markers in the
// template's Jinja source, in the order llama.cpp's common/chat.cpp tells the formats apart (its
// dedicated handlers first, then the ones its older explicit detection named Hermes 2 Pro,
// Llama 3.x and Mistral Nemo). The first rule whose markers all occur decides.
#pragma once

#include <array>
#include <string_view>

#include "chord/tool_calls/reply_types.hpp"

namespace chord::tool_calls {

struct FormatRule {
    ToolCallFormat format;
    std::array<std::string_view, 3> markers;  // all must occur; empty ones are ignored
};

// Families that write <tool_call> or [TOOL_CALLS] in a format of their own come before the ones
// implemented here; a template no rule matches has no tool calls wasm-chord can read.
inline constexpr FormatRule kFormatRules[] = {
    {ToolCallFormat::None, {"<arg_key>"}},                       // GLM 4.5+, Laguna: <tool_call>name<arg_key>k</arg_key>…
    {ToolCallFormat::None, {"<tool_call>", "<invoke name="}},    // MiniMax M3: <tool_call><invoke name=…>
    {ToolCallFormat::None, {"<tool_calls>["}},                   // Apriel 1.5: <tool_calls>[{…}]</tool_calls>
    {ToolCallFormat::None, {"<|start_header_id|>", "<function="}},  // Functionary v3.1 on Llama 3.1
    {ToolCallFormat::None, {" functools["}},                     // FireFunction v2
    {ToolCallFormat::Mistral, {"[TOOL_CALLS]"}},
    {ToolCallFormat::QwenXml, {"<tool_call>", "<function=", "<parameter="}},
    {ToolCallFormat::Hermes, {"<tool_call>"}},
    {ToolCallFormat::Llama3Json, {"<|start_header_id|>ipython<|end_header_id|>"}},
};

inline bool has_all_markers(std::string_view text, const std::array<std::string_view, 3>& markers) {
    for (std::string_view marker : markers) {
        if (!marker.empty() && text.find(marker) == std::string_view::npos) return false;
    }
    return true;
}

inline ToolCallFormat detect_format(std::string_view chat_template) {
    for (const FormatRule& rule : kFormatRules) {
        if (has_all_markers(chat_template, rule.markers)) return rule.format;
    }
    return ToolCallFormat::None;
}

}  // namespace chord::tool_calls
