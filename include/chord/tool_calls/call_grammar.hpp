// The grammar that forces a reply into tool calls: OpenAI's tool_choice "required" (a call to any
// of the tools) or {"type": "function", "function": {"name": …}} (a call to that one), written in
// the format the model's template teaches, each call's arguments valid under its tool's
// `parameters` (JSON Schema, converted as response_format's schemas are).
//
//   hermes       <tool_call> {"name": "f", "arguments": {…}} </tool_call>, more after whitespace
//   llama3-json  {"name": "f", "parameters": {…}}   (one call: Llama 3.x writes no parallel calls)
//   mistral      [TOOL_CALLS][{"name": "f", "arguments": {…}}, …]   or, where the template
//                speaks of [ARGS], [TOOL_CALLS]f[ARGS]{…} repeated ([CALL_ID]xxxxxxxxx allowed
//                where it speaks of [CALL_ID])
//   qwen3-coder  <tool_call>\n<function=f>\n<parameter=k>\nvalue\n</parameter>\n</function>\n</tool_call>
//                the declared parameters in the schema's order, the required ones present; a
//                string parameter's value is raw text (one of its enum's, where listed; within
//                its length bounds, but its pattern is not checked), any other type's its JSON.
//
// As llama.cpp's server does for these choices, the reply is nothing but the calls: no text and no
// reasoning block before them. A marker that is one control token in the vocabulary ([TOOL_CALLS]
// in Mistral's) is matched as that token.
#pragma once

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "chord/error.hpp"
#include "chord/grammar/json_schema_gbnf.hpp"
#include "chord/tool_calls/json_text.hpp"
#include "chord/tool_calls/reply_types.hpp"
#include "chord/tool_calls/string_parameters.hpp"
#include "chord/vocabulary.hpp"

namespace chord {

struct ToolChoice {
    std::string function;  // the tool to call; empty: any of them
    bool parallel = true;  // one call or several; false: exactly one
};

namespace tool_calls {

using grammar::schema::gbnf_literal;
using grammar::schema::JsonSchemaConverter;

struct ChosenTool {
    std::string name;
    std::string params_ref;  // "#/$defs/params-<i>" in the document below
    Json params;       // as it stands there: its own $refs re-pointed
};

// `schema` with each "$ref": "#…" (relative to the tool's parameters) re-pointed to `base` + "…",
// where the parameters now sit in the combined document.
inline Json rebase_refs(const Json& schema, const std::string& base) {
    if (schema.is_array()) {
        Json out = Json::array();
        for (const Json& item : schema) out.push_back(rebase_refs(item, base));
        return out;
    }
    if (!schema.is_object()) return schema;
    Json out = Json::object();
    for (const auto& [key, value] : schema.items()) {
        const bool local_ref = key == "$ref" && value.is_string() && value.get<std::string>().rfind('#', 0) == 0;
        out[key] = local_ref ? Json(base + value.get<std::string>().substr(1)) : rebase_refs(value, base);
    }
    return out;
}

// Builds one tool-call grammar: the tools' schemas in one document, one converter for all of them.
class CallGrammarBuilder {
public:
    CallGrammarBuilder(const Json& tools, const ToolChoice& choice, const Vocabulary* vocab) : vocab_(vocab) {
        if (!tools.is_array() || tools.empty()) throw Error(ErrorCode::InvalidArgument, "tool_choice: there are no tools to call");
        document_["$defs"] = Json::object();
        for (size_t i = 0; i < tools.size(); ++i) {
            const Json& tool = tools[i];
            if (!tool.is_object() || tool.value("type", "") != "function" || !tool.contains("function") ||
                !tool["function"].is_object() || !tool["function"].contains("name") || !tool["function"]["name"].is_string())
                throw Error(ErrorCode::InvalidArgument, "tools[" + std::to_string(i) +
                                                            "] must be { type: 'function', function: { name, parameters? } }");
            const Json& function = tool["function"];
            const std::string name = function["name"].get<std::string>();
            if (!choice.function.empty() && name != choice.function) continue;
            const std::string key = "params-" + std::to_string(i);
            Json params = function.value("parameters", Json{{"type", "object"}, {"properties", Json::object()}});
            // No properties is a function of no arguments, as OpenAI reads it; the JSON Schema
            // converter (llama.cpp's too) reads an object without declared properties as any object.
            if (params.is_object() && params.contains("properties") && params["properties"].empty() && !params.contains("additionalProperties"))
                params["additionalProperties"] = false;
            chosen_.push_back({name, "#/$defs/" + key, rebase_refs(params, "#/$defs/" + key)});
            document_["$defs"][key] = chosen_.back().params;
        }
        if (chosen_.empty())
            throw Error(ErrorCode::InvalidArgument, "tool_choice names the function \"" + choice.function + "\", which is not among the tools");
    }

    const std::vector<ChosenTool>& tools() const { return chosen_; }

    // A call as a JSON object {"name": <the tool's>, <args_key>: <its parameters>}, one rule per
    // tool; defined in the document so that one converter (and one set of shared rules) serves all.
    std::vector<std::string> json_call_refs(const std::string& args_key) {
        std::vector<std::string> refs;
        for (size_t i = 0; i < chosen_.size(); ++i) {
            const std::string key = "call-" + std::to_string(i);
            define(key, {{"type", "object"},
                         {"properties", {{"name", {{"const", chosen_[i].name}}}, {args_key, {{"$ref", chosen_[i].params_ref}}}}},
                         {"required", {"name", args_key}}});
            refs.push_back("#/$defs/" + key);
        }
        return refs;
    }
    void define(const std::string& key, const Json& schema) {
        if (converter_) throw std::logic_error("CallGrammarBuilder: a schema defined after the rules were begun");
        document_["$defs"][key] = schema;
    }

    // Rules exist only once the converter does, after every schema is in the document.
    JsonSchemaConverter& converter() {
        if (!converter_) converter_.emplace(document_);
        return *converter_;
    }

    // A marker in the reply: the control token that spells it where the vocabulary has one (its
    // text is not text the grammar can match), else the text.
    std::string marker(std::string_view text) const {
        if (vocab_) {
            const TokenId id = vocab_->find(text);
            if (id != kNoToken && size_t(id) < vocab_->attrs.size() && (vocab_->attrs[size_t(id)] & kAttrControl) != 0)
                return "<[" + std::to_string(id) + "]>";
        }
        return gbnf_literal(text);
    }

    // `schema` itself, or where its local $ref chain leads.
    const Json& resolved(const Json& schema) const {
        const Json* at = &schema;
        for (int hops = 0; at->is_object() && at->contains("$ref") && (*at)["$ref"].is_string() && hops < 64; ++hops)
            at = &grammar::schema::resolve_ref(document_, (*at)["$ref"].get<std::string>());
        return *at;
    }

    std::string finish(const std::string& root_body) { return converter().grammar_with_root(root_body).gbnf; }

private:
    const Vocabulary* vocab_;
    Json document_ = Json::object();
    std::vector<ChosenTool> chosen_;
    std::optional<JsonSchemaConverter> converter_;
};

inline std::string alternatives(const std::vector<std::string>& items) { return grammar::schema::join_alternatives(items); }

// One call, or (parallel) one or more separated by whitespace.
inline std::string one_or_more(CallGrammarBuilder& b, const std::string& call, const ToolChoice& choice) {
    return choice.parallel ? call + " ( " + b.converter().primitive_rule("space") + " " + call + " )*" : call;
}

inline std::string json_rules(CallGrammarBuilder& b, const std::vector<std::string>& refs) {
    std::vector<std::string> rules;
    for (const std::string& ref : refs) rules.push_back(b.converter().rule_for_ref(ref));
    return alternatives(rules);
}

inline std::string hermes_grammar(CallGrammarBuilder& b, const ToolChoice& choice) {
    const std::vector<std::string> refs = b.json_call_refs("arguments");
    JsonSchemaConverter& c = b.converter();
    const std::string space = c.primitive_rule("space");
    const std::string call = c.add_rule("tool-call", b.marker("<tool_call>") + " " + space + " ( " + json_rules(b, refs) + " ) " +
                                                         space + " " + b.marker("</tool_call>"));
    return b.finish(one_or_more(b, call, choice));
}

inline std::string llama3_grammar(CallGrammarBuilder& b) {
    const std::vector<std::string> refs = b.json_call_refs("parameters");
    return b.finish(json_rules(b, refs));
}

inline std::string mistral_grammar(CallGrammarBuilder& b, const ToolChoice& choice, std::string_view chat_template) {
    const std::string tool_calls = b.marker("[TOOL_CALLS]");
    if (chat_template.find("[ARGS]") == std::string_view::npos) {  // Nemo: a JSON array of calls
        Json items = Json::array();
        for (const std::string& ref : b.json_call_refs("arguments")) items.push_back({{"$ref", ref}});
        Json calls = {{"type", "array"}, {"items", {{"anyOf", items}}}, {"minItems", 1}};
        if (!choice.parallel) calls["maxItems"] = 1;
        b.define("calls", calls);
        return b.finish(tool_calls + " " + b.converter().rule_for_ref("#/$defs/calls"));
    }
    std::vector<std::string> calls;  // name[ARGS]{…} per tool
    const std::string call_id = chat_template.find("[CALL_ID]") == std::string_view::npos
                                    ? ""
                                    : " ( " + b.marker("[CALL_ID]") + " [a-zA-Z0-9]{9} )?";
    for (const ChosenTool& tool : b.tools())
        calls.push_back(gbnf_literal(tool.name) + call_id + " " + b.marker("[ARGS]") + " " + b.converter().rule_for_ref(tool.params_ref));
    const std::string call = b.converter().add_rule("tool-call", tool_calls + " ( " + alternatives(calls) + " )");
    return b.finish(choice.parallel ? call + "+" : call);
}

// A raw value between <parameter=k> and </parameter>: any text without "</".
inline std::string xml_text_rule(CallGrammarBuilder& b) {
    return b.converter().add_rule("xml-text", "( [^<] | \"<\" [^/] )*");
}

// A parameter's value as the format writes it: a string raw (a listed one exactly; within its
// length bounds), a value of any other type as its JSON, a value of no declared type raw.
inline std::string qwen_xml_value(CallGrammarBuilder& b, const ChosenTool& tool, const std::string& key, const Json& property) {
    const Json& schema = b.resolved(property);
    if (accepts_strings_only(schema)) {
        std::vector<std::string> listed;
        if (schema.contains("const")) listed.push_back(gbnf_literal(schema["const"].get<std::string>()));
        else if (schema.contains("enum"))
            for (const Json& value : schema["enum"]) listed.push_back(gbnf_literal(value.get<std::string>()));
        if (!listed.empty()) return "( " + alternatives(listed) + " )";
        if (schema.contains("maxLength") && schema["maxLength"].is_number_unsigned())
            return "[^<]{" + std::to_string(schema.value("minLength", 0u)) + "," + std::to_string(schema["maxLength"].get<uint64_t>()) + "}";
        return xml_text_rule(b);
    }
    const bool typed = schema.is_object() && (schema.contains("type") || schema.contains("enum") || schema.contains("const"));
    return typed ? b.converter().rule_for_ref(tool.params_ref + "/properties" + grammar::schema::pointer_token(key)) : xml_text_rule(b);
}

inline std::string qwen_xml_parameter(CallGrammarBuilder& b, const ChosenTool& tool, const std::string& key, const Json& schema) {
    const std::string value = qwen_xml_value(b, tool, key, schema);
    return "\"<parameter=\" " + gbnf_literal(key) + " \">\\n\" " + value + " \"\\n</parameter>\\n\"";
}

inline std::string qwen_xml_function(CallGrammarBuilder& b, const ChosenTool& tool) {
    const Json& params = tool.params;
    std::string body;
    if (params.is_object() && params.contains("properties") && params["properties"].is_object()) {
        const Json required = params.value("required", Json::array());
        for (const auto& [key, schema] : params["properties"].items()) {
            const bool needed = std::find(required.begin(), required.end(), Json(key)) != required.end();
            body += " ( " + qwen_xml_parameter(b, tool, key, schema) + (needed ? " )" : " )?");
        }
    } else {  // parameters not declared: any names, raw values
        body = " ( \"<parameter=\" [^>\\n]+ \">\\n\" " + xml_text_rule(b) + " \"\\n</parameter>\\n\" )*";
    }
    return b.converter().add_rule("function-" + tool.name,
                                  "\"<function=\" " + gbnf_literal(tool.name) + " \">\\n\"" + body + " \"</function>\\n\"");
}

inline std::string qwen_xml_grammar(CallGrammarBuilder& b, const ToolChoice& choice) {
    std::vector<std::string> functions;
    for (const ChosenTool& tool : b.tools()) functions.push_back(qwen_xml_function(b, tool));
    const std::string call = b.converter().add_rule(
        "tool-call", b.marker("<tool_call>") + " \"\\n\" ( " + alternatives(functions) + " ) " + b.marker("</tool_call>"));
    return b.finish(one_or_more(b, call, choice));
}

}  // namespace tool_calls

// GBNF (root "root") of the replies that are nothing but calls of `tools` (OpenAI's
// [{type: "function", function: {name, parameters}}]) in `format`, as `choice` asks. The template
// tells Mistral's call styles apart; the vocabulary (optional) turns markers into their control
// tokens. Error(InvalidArgument) for tools of the wrong shape, a choice of a tool not listed, or a
// parameters schema the converter cannot honour; Error(Unsupported) for the format None.
inline std::string tool_call_grammar(ToolCallFormat format, const nlohmann::ordered_json& tools, const ToolChoice& choice,
                                     std::string_view chat_template, const Vocabulary* vocab) {
    if (format == ToolCallFormat::None)
        throw Error(ErrorCode::Unsupported, "tool_choice: this model's chat template teaches no tool-call format wasm-chord reads");
    tool_calls::CallGrammarBuilder builder(tools, choice, vocab);
    switch (format) {
        case ToolCallFormat::Hermes: return tool_calls::hermes_grammar(builder, choice);
        case ToolCallFormat::Llama3Json: return tool_calls::llama3_grammar(builder);
        case ToolCallFormat::Mistral: return tool_calls::mistral_grammar(builder, choice, chat_template);
        case ToolCallFormat::QwenXml: return tool_calls::qwen_xml_grammar(builder, choice);
        case ToolCallFormat::None: break;
    }
    throw Error(ErrorCode::Unsupported, "tool_choice: no grammar for this tool-call format");
}

}  // namespace chord
