// What the tool-call parsers return: a reply split into its text, its reasoning and its calls,
// in the shape of an OpenAI chat.completion message.
#pragma once

#include <string>
#include <vector>

namespace chord {

// How a model family writes a tool call. See tool_calls.hpp for each format's shape.
enum class ToolCallFormat {
    None,        // no tool calls: the reply is content (and <think> reasoning)
    Hermes,      // <tool_call>{"name": ..., "arguments": {...}}</tool_call>: Hermes 2 Pro/3, Qwen 2.5/3, Granite 4
    Llama3Json,  // {"name": ..., "parameters": {...}}, maybe after <|python_tag|>: Llama 3.1/3.2/3.3
    Mistral,     // [TOOL_CALLS][{...}] (Nemo) or [TOOL_CALLS]name[ARGS]{...} (Small 3.2, Devstral, Ministral 3)
    QwenXml,     // <tool_call><function=name><parameter=key>value</parameter></function></tool_call>: Qwen3-Coder, Qwen3.5
};

struct ToolCall {
    std::string id;         // the model's id, else "call_<index in the reply>"
    std::string name;
    std::string arguments;  // a JSON object as compact text, as OpenAI sends it
};

struct ParsedReply {
    std::string content;
    std::string reasoning_content;
    std::vector<ToolCall> tool_calls;
};

}  // namespace chord
