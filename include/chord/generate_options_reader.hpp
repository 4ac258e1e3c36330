// Generation options from a JSON-like object, as the JS package sends them:
//   {maxTokens: 64, temperature: 0.7, topK: 40, stop: ["\n\n"], seed: 7}
// Strict, because a typo silently ignored is a bug the user cannot see: an unknown key, a value
// of the wrong type or a number out of range is an InvalidArgument error that names the key.
// null (and JS undefined) mean "the default". The sampler checks its own parameters' ranges.
//
// Written once over an adapter, so that the wasm build reads JS objects directly (no JSON
// library in the module) while native code, the tests and the fuzzer read JSON text
// (generate_options_json.hpp) through the same rules. An adapter A has:
//   A::Value; ValueKind kind(const Value&); double number(v); bool boolean(v);
//   std::string string(v); std::vector<Value> elements(v);
//   std::vector<std::pair<std::string, Value>> members(v); std::string json_text(v) (keys in order)
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "chord/grammar/json_schema_text.hpp"
#include "chord/session.hpp"

namespace chord {

enum class ValueKind { Null, Boolean, Number, String, Array, Object, Other };

inline const char* value_kind_name(ValueKind k) {
    switch (k) {
        case ValueKind::Null: return "null";
        case ValueKind::Boolean: return "boolean";
        case ValueKind::Number: return "number";
        case ValueKind::String: return "string";
        case ValueKind::Array: return "array";
        case ValueKind::Object: return "object";
        case ValueKind::Other: return "something else";
    }
    return "unknown";
}

template <typename Adapter>
class GenerateOptionsReader {
public:
    using Value = typename Adapter::Value;

    explicit GenerateOptionsReader(const Adapter& adapter) : a_(adapter) {}

    GenerateOptions read(const Value& object) const {
        if (a_.kind(object) != ValueKind::Object) throw Error(ErrorCode::InvalidArgument, "generation options must be an object");
        GenerateOptions o;
        SamplerParams& s = o.sampling;
        std::string grammar, schema_grammar;
        for (const auto& [key, v] : a_.members(object)) {
            if (a_.kind(v) == ValueKind::Null) continue;
            if (key == "maxTokens") o.max_tokens = int(whole(key, v, 0, INT32_MAX));
            else if (key == "temperature") s.temperature = finite(key, v);
            else if (key == "topK") s.top_k = int(whole(key, v, 0, INT32_MAX));
            else if (key == "topP") s.top_p = finite(key, v);
            else if (key == "minP") s.min_p = finite(key, v);
            else if (key == "repeatPenalty") s.repeat_penalty = finite(key, v);
            else if (key == "frequencyPenalty") s.frequency_penalty = finite(key, v);
            else if (key == "presencePenalty") s.presence_penalty = finite(key, v);
            else if (key == "penaltyLastN") s.penalty_last_n = int(whole(key, v, -1, INT32_MAX));
            else if (key == "seed") s.seed = uint64_t(whole(key, v, 0, kMaxSafeInteger));  // JS numbers: exact up to 2^53
            else if (key == "stop") o.stop = stop_strings(key, v);
            else if (key == "stopAtEndOfGeneration") o.stop_at_end_of_generation = boolean(key, v);
            else if (key == "renderSpecial") o.render_special = boolean(key, v);
            else if (key == "contextShift") o.context_shift = boolean(key, v);
            else if (key == "nKeep") o.n_keep = int(whole(key, v, -1, INT32_MAX));
            else if (key == "topLogprobs") o.top_logprobs = int(whole(key, v, 0, kMaxTopLogprobs));
            else if (key == "logitBias") s.logit_bias = logit_bias(key, v);
            else if (key == "grammar") grammar = text(key, v);
            else if (key == "jsonSchema") schema_grammar = json_schema_grammar(key, v);
            else
                bad(key, "is not one (known: maxTokens, temperature, topK, topP, minP, repeatPenalty, frequencyPenalty, "
                         "presencePenalty, penaltyLastN, seed, stop, stopAtEndOfGeneration, renderSpecial, contextShift, nKeep, "
                         "topLogprobs, logitBias, grammar, jsonSchema)");
        }
        if (!grammar.empty() && !schema_grammar.empty()) bad("jsonSchema", "and 'grammar' cannot both be given");
        o.grammar = grammar.empty() ? schema_grammar : grammar;
        return o;
    }

private:
    static constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1

    [[noreturn]] static void bad(const std::string& key, const std::string& rule) {
        throw Error(ErrorCode::InvalidArgument, "generation option '" + key + "' " + rule);
    }

    double number(const std::string& key, const Value& v) const {
        if (a_.kind(v) != ValueKind::Number) bad(key, std::string("must be a number, got ") + value_kind_name(a_.kind(v)));
        return a_.number(v);
    }

    double whole(const std::string& key, const Value& v, double lowest, double highest) const {
        const double d = number(key, v);
        if (!(d == std::floor(d) && d >= lowest && d <= highest))  // NaN fails too
            bad(key, "must be a whole number from " + detail::format_number(lowest) + " to " +
                         std::to_string(uint64_t(highest)) + ", got " + detail::format_number(d));
        return d;
    }

    float finite(const std::string& key, const Value& v) const {
        const double d = number(key, v);
        if (!std::isfinite(float(d))) bad(key, "must be a finite number, got " + detail::format_number(d));
        return float(d);
    }

    bool boolean(const std::string& key, const Value& v) const {
        if (a_.kind(v) != ValueKind::Boolean) bad(key, std::string("must be true or false, got ") + value_kind_name(a_.kind(v)));
        return a_.boolean(v);
    }

    // A JSON Schema (an object, or its JSON text) as the GBNF that accepts the documents it validates.
    std::string json_schema_grammar(const std::string& key, const Value& v) const {
        const ValueKind kind = a_.kind(v);
        if (kind != ValueKind::Object && kind != ValueKind::String && kind != ValueKind::Boolean)
            bad(key, std::string("must be a JSON Schema (an object), got ") + value_kind_name(kind));
        try {
            return grammar::json_schema_text_to_gbnf(kind == ValueKind::String ? a_.string(v) : a_.json_text(v));
        } catch (const Error& e) {
            throw e.with_context("generation option 'jsonSchema': ");
        }
    }

    // { "<token id>": bias, … } as OpenAI writes it (JSON keys are strings).
    std::vector<std::pair<TokenId, float>> logit_bias(const std::string& key, const Value& v) const {
        if (a_.kind(v) != ValueKind::Object)
            bad(key, std::string("must be an object of token ids to biases, got ") + value_kind_name(a_.kind(v)));
        std::vector<std::pair<TokenId, float>> biases;
        for (const auto& [id, bias] : a_.members(v)) {
            const bool digits = !id.empty() && id.size() <= 9 &&
                                std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
            if (!digits) bad(key, "takes token ids (whole numbers) as keys, got '" + id + "'");
            biases.emplace_back(TokenId(std::stol(id)), finite(key + "." + id, bias));
        }
        return biases;
    }

    std::string text(const std::string& key, const Value& v) const {
        if (a_.kind(v) != ValueKind::String) bad(key, std::string("must be a string, got ") + value_kind_name(a_.kind(v)));
        return a_.string(v);
    }

    std::vector<std::string> stop_strings(const std::string& key, const Value& v) const {
        std::vector<std::string> stops;
        const auto add = [&](const Value& item) {
            if (a_.kind(item) != ValueKind::String) bad(key, std::string("must hold strings, got ") + value_kind_name(a_.kind(item)));
            std::string text = a_.string(item);
            if (text.empty()) bad(key, "must hold non-empty strings");
            stops.push_back(std::move(text));
        };
        if (a_.kind(v) == ValueKind::String) {
            add(v);
        } else if (a_.kind(v) == ValueKind::Array) {
            for (const Value& item : a_.elements(v)) add(item);
        } else {
            bad(key, std::string("must be a string or an array of strings, got ") + value_kind_name(a_.kind(v)));
        }
        return stops;
    }

    const Adapter& a_;
};

template <typename Adapter>
GenerateOptions read_generate_options(const Adapter& adapter, const typename Adapter::Value& object) {
    return GenerateOptionsReader<Adapter>(adapter).read(object);
}

}  // namespace chord
