// The methods of a value, which are also its filters: `x.upper()` and `x|upper` are one builtin,
// looked up by the kind of x (the engine has one table per kind, and so does this file's caller).
#pragma once

#include <string>

#include "chord/jinja/list_methods.hpp"
#include "chord/jinja/object_methods.hpp"
#include "chord/jinja/scalar_methods.hpp"
#include "chord/jinja/string_methods.hpp"

namespace chord::jinja {

// The builtin `name` of v's kind, or null. Functions and keyword arguments have no table at all,
// which is an error even where a missing name is not.
inline BuiltinFn find_method(const Value& v, const std::string& name) {
    switch (v.kind()) {
        case Kind::Undefined: return find_builtin(scalar_methods::kUndefined, name);
        case Kind::None: return find_builtin(scalar_methods::kNone, name);
        case Kind::Bool: return find_builtin(scalar_methods::kBool, name);
        case Kind::Int: return find_builtin(scalar_methods::kInt, name);
        case Kind::Float: return find_builtin(scalar_methods::kFloat, name);
        case Kind::String: return find_builtin(string_methods::kMethods, name);
        case Kind::Array:
        case Kind::Tuple: return find_builtin(list_methods::kMethods, name);
        case Kind::Object: return v.dict().has_builtins ? find_builtin(object_methods::kMethods, name) : nullptr;
        case Kind::Function:
        case Kind::Kwarg: break;
    }
    throw RuntimeError(type_name(v) + " has no builtins");
}

}  // namespace chord::jinja
