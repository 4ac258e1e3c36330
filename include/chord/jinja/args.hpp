// The calling convention of builtins: the engine's argument list.
//
// Arguments stay in call order, keyword arguments included (as Kwarg values): position i counts
// them too, so `tojson(indent=2)` has its keyword at position 1. A method or filter gets its
// object first. A parameter is looked up by keyword, then by position when that position is not a
// keyword argument (keyword_or_at). Messages follow the engine's wording.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "chord/jinja/runtime.hpp"

namespace chord::jinja {

struct Args {
    Runtime& rt;
    const Scope* scope = nullptr;  // where the call is made: a macro's defaults are evaluated there
    std::string name;              // the function's name, for messages
    std::vector<Value> values;

    size_t count() const { return values.size(); }

    const Value& at(size_t i) const {
        if (i < values.size()) return values[i];
        throw RuntimeError("Function '" + name + "' expected at least " + std::to_string(i + 1) + " arguments, got " +
                           std::to_string(values.size()));
    }
    Value at_or(size_t i, const Value& fallback) const { return i < values.size() ? values[i] : fallback; }

    Value keyword(const std::string& key, const Value& fallback = Value()) const {
        for (const Value& v : values)
            if (v.is(Kind::Kwarg) && v.kwarg().key == key) return v.kwarg().value;
        return fallback;
    }
    Value keyword_or_at(const std::string& key, size_t i) const {
        const Value v = keyword(key);
        if (v.is_undefined() && i < values.size() && !values[i].is(Kind::Kwarg)) return values[i];
        return v;
    }

    void expect_count(size_t min, size_t max = 999) const {
        if (values.size() < min || values.size() > max)
            throw RuntimeError("Function '" + name + "' expected between " + std::to_string(min) + " and " +
                               std::to_string(max) + " arguments, got " + std::to_string(values.size()));
    }
    // At least kinds.size() arguments, the first ones of these kinds (Array accepts a tuple too).
    void expect(std::initializer_list<Kind> kinds) const {
        expect_count(kinds.size());
        size_t i = 0;
        for (Kind k : kinds) {
            const Value& v = values[i++];
            const bool ok = k == Kind::Array ? v.is_list() : v.is(k);
            if (!ok)
                throw RuntimeError("Function '" + name + "' expected value of type " + kind_name(k) +
                                   ", got " + type_name(v));
        }
    }
};

// A named builtin: the tables of global functions, tests and methods.
struct Builtin {
    const char* name;
    BuiltinFn fn;
};

template <size_t N>
BuiltinFn find_builtin(const Builtin (&table)[N], const std::string& name) {
    for (const Builtin& b : table)
        if (name == b.name) return b.fn;
    return nullptr;
}

}  // namespace chord::jinja
