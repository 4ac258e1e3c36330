// Text helpers the tool-call formats share: whitespace, the reasoning block at the start of a
// reply, the content that gathers around the calls, and holding back a marker still being written.
#pragma once

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <optional>
#include <set>
#include <utility>
#include <string_view>

#include "chord/tool_calls/reply_types.hpp"

namespace chord::tool_calls {

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

inline size_t skip_spaces(std::string_view text, size_t pos) {
    while (pos < text.size() && is_space(text[pos])) ++pos;
    return pos;
}

inline std::string_view trim_left(std::string_view text) { return text.substr(skip_spaces(text, 0)); }

inline std::string_view trim_right(std::string_view text) {
    size_t end = text.size();
    while (end > 0 && is_space(text[end - 1])) --end;
    return text.substr(0, end);
}

inline std::string_view trim(std::string_view text) { return trim_right(trim_left(text)); }

// A function name as the formats write it between their markers: no spaces, quotes or brackets.
inline bool is_function_name(std::string_view name) {
    if (name.empty()) return false;
    for (char c : name) {
        if (is_space(c) || c == '<' || c == '>' || c == '"' || c == '[' || c == ']') return false;
    }
    return true;
}

inline bool starts_with_at(std::string_view text, size_t pos, std::string_view prefix) {
    return pos <= text.size() && text.substr(pos, prefix.size()) == prefix;
}

struct ReasoningTags {
    std::string_view open;
    std::string_view close;
};

struct ReasoningSplit {
    std::string_view reasoning;  // without the tags and the whitespace around it
    std::string_view content;    // what follows the reasoning, leading whitespace dropped
    bool reasoning_open = false;  // the reply is inside a reasoning block (or, streaming, may be starting one)
};

// Splits the reasoning block off the start of a reply: "<think>...</think>" (tags per format).
// Templates that end the prompt inside the block (QwQ, Qwen3.5, DeepSeek R1) make the model write
// only "...</think>": a closing tag with no opening one before it also ends reasoning, but while
// streaming it cannot be seen until it comes, so a caller that knows the prompt ended with the
// opening tag should put that tag in front of the reply. While streaming, a reply that so far is
// only the start of the opening tag ("<thi") has no content yet.
inline ReasoningSplit split_reasoning(std::string_view reply, ReasoningTags tags, bool reply_complete) {
    const std::string_view text = trim_left(reply);
    if (!reply_complete && !text.empty() && text.size() < tags.open.size() && tags.open.substr(0, text.size()) == text) {
        return {{}, {}, true};
    }
    if (starts_with_at(text, 0, tags.open)) {
        const std::string_view inside = text.substr(tags.open.size());
        const size_t close = inside.find(tags.close);
        if (close == std::string_view::npos) return {trim(inside), {}, true};
        return {trim(inside.substr(0, close)), trim_left(inside.substr(close + tags.close.size())), false};
    }
    const size_t close = reply.find(tags.close);
    if (close != std::string_view::npos && reply.substr(0, close).find(tags.open) == std::string_view::npos) {
        return {trim(reply.substr(0, close)), trim_left(reply.substr(close + tags.close.size())), false};
    }
    return {{}, reply, false};
}

// Gathers a reply's content around its calls. The text before a call loses its trailing
// whitespace (the newline a model writes before the marker), content that only follows calls its
// leading whitespace, and the whole content its trailing whitespace once a call was found. The
// text is otherwise kept as written, and a malformed call stays in it verbatim.
// The tools' parameters declared as strings, as (function, parameter): a format that writes values
// raw (Qwen3-Coder's XML) keeps theirs as text, so that 42 is "42" there, as llama.cpp reads it by
// the schema. Without them, a raw value that reads as JSON becomes that JSON.
using StringParameters = std::set<std::pair<std::string, std::string>>;

class ReplyBuilder {
public:
    explicit ReplyBuilder(const StringParameters* string_parameters = nullptr) : string_parameters_(string_parameters) {}

    bool is_string_parameter(std::string_view function, std::string_view parameter) const {
        return string_parameters_ && string_parameters_->count({std::string(function), std::string(parameter)}) != 0;
    }

    void add_text(std::string_view text) {
        if (reply_.content.empty() && !reply_.tool_calls.empty()) text = trim_left(text);
        reply_.content.append(text);
    }

    void add_call(ToolCall call) {
        reply_.content.resize(trim_right(reply_.content).size());
        if (call.id.empty()) call.id = "call_" + std::to_string(reply_.tool_calls.size());
        reply_.tool_calls.push_back(std::move(call));
    }

    ParsedReply finish() && {
        if (!reply_.tool_calls.empty()) reply_.content.resize(trim_right(reply_.content).size());
        return std::move(reply_);
    }

private:
    ParsedReply reply_;
    const StringParameters* string_parameters_;
};

// Where the first of the markers starts in text, or text.size().
inline size_t find_first_marker(std::string_view text, size_t from, std::initializer_list<std::string_view> markers) {
    size_t first = text.size();
    for (std::string_view marker : markers) first = std::min(first, text.find(marker, from));
    return first;
}

// Text and calls in turn, for formats whose every call starts at a marker: `parse_at(text, marker,
// end)` reads the call at `marker` and sets `end` past it; a call that does not parse stays text,
// as the model wrote it.
template <typename ParseAt>
void read_calls_at_markers(std::string_view text, std::initializer_list<std::string_view> markers, ParseAt&& parse_at,
                           ReplyBuilder& reply) {
    size_t pos = 0;
    while (pos < text.size()) {
        const size_t marker = find_first_marker(text, pos, markers);
        reply.add_text(text.substr(pos, marker - pos));
        if (marker == text.size()) break;
        size_t end = marker;
        std::optional<ToolCall> call = parse_at(text, marker, end);
        if (call) reply.add_call(std::move(*call));
        else reply.add_text(text.substr(marker, end - marker));
        pos = end;
    }
}

// How much of a streaming text can be shown before the tool-call markers: up to the first whole
// marker, and before a tail that may still grow into one ("<tool_" of "<tool_call>"). Whitespace
// just before that point is held too, as the final content drops it in front of a call.
inline size_t text_before_markers(std::string_view text, std::initializer_list<std::string_view> markers) {
    size_t safe = find_first_marker(text, 0, markers);
    size_t longest = 0;
    for (std::string_view marker : markers) longest = std::max(longest, marker.size());
    for (size_t start = text.size() - std::min(text.size(), longest); start < safe; ++start) {
        const std::string_view tail = text.substr(start);
        const bool may_become_marker = std::any_of(markers.begin(), markers.end(), [&](std::string_view marker) {
            return tail.size() < marker.size() && marker.substr(0, tail.size()) == tail;
        });
        if (may_become_marker) {
            safe = start;
            break;
        }
    }
    return trim_right(text.substr(0, safe)).size();
}

}  // namespace chord::tool_calls
