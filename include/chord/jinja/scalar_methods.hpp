// The methods and filters of numbers, booleans, none and undefined.
//
// int, float: default abs int float safe string tojson; |string and |safe of a number are its JSON
// text (so 3.0|string is "3", while {{ 3.0 }} prints 3.0). bool: default int float safe string
// tojson. none: default tojson string safe, and the list filters (items map select ...) give [].
// undefined: default, and most filters give an empty result (|length is 0, |upper is "", |first
// is undefined), so that a template can run over a missing variable; undefined|tojson is an error.
#pragma once

#include <cstdint>
#include <string>

#include "chord/jinja/globals.hpp"

namespace chord::jinja {

namespace scalar_methods {

inline Value int_abs(Args& a) {
    a.expect({Kind::Int});
    const int64_t v = a.at(0).int_value();
    return Value::integer(v < 0 ? static_cast<int64_t>(0 - static_cast<uint64_t>(v)) : v);
}
inline Value int_int(Args& a) {
    a.expect({Kind::Int});
    return a.at(0);
}
inline Value int_float(Args& a) {
    a.expect({Kind::Int});
    return Value::number(static_cast<double>(a.at(0).int_value()));
}

inline Value float_abs(Args& a) {
    a.expect({Kind::Float});
    const double v = a.at(0).float_value();
    return Value::number(v < 0.0 ? -v : v);
}
inline Value float_int(Args& a) {
    a.expect({Kind::Float});
    return Value::integer(truncate_to_int64(a.at(0).float_value()));
}
inline Value float_float(Args& a) {
    a.expect({Kind::Float});
    return a.at(0);
}

inline Value bool_int(Args& a) {
    a.expect({Kind::Bool});
    return Value::integer(a.at(0).int_value());
}
inline Value bool_float(Args& a) {
    a.expect({Kind::Bool});
    return Value::number(a.at(0).int_value() ? 1.0 : 0.0);
}
inline Value bool_string(Args& a) {
    a.expect({Kind::Bool});
    return a.rt.string(a.at(0).int_value() ? "True" : "False");
}

inline Value none_string(Args& a) { return a.rt.string("None"); }

// What the filters of undefined (and some of none) give.
inline Value empty_string(Args&) { return Value::string(Text()); }
inline Value empty_array(Args& a) { return a.rt.array(); }
inline Value zero(Args&) { return Value::integer(0); }
inline Value undefined(Args&) { return Value(); }

inline constexpr Builtin kInt[] = {
    {"default", globals::default_value}, {"abs", int_abs}, {"int", int_int}, {"float", int_float},
    {"safe", globals::tojson}, {"string", globals::tojson}, {"tojson", globals::tojson},
};

inline constexpr Builtin kFloat[] = {
    {"default", globals::default_value}, {"abs", float_abs}, {"int", float_int}, {"float", float_float},
    {"safe", globals::tojson}, {"string", globals::tojson}, {"tojson", globals::tojson},
};

inline constexpr Builtin kBool[] = {
    {"default", globals::default_value}, {"int", bool_int}, {"float", bool_float},
    {"safe", bool_string}, {"string", bool_string}, {"tojson", globals::tojson},
};

inline constexpr Builtin kNone[] = {
    {"default", globals::default_value}, {"tojson", globals::tojson}, {"string", none_string},
    {"safe", none_string}, {"items", empty_array}, {"map", empty_array},
    {"reject", empty_array}, {"rejectattr", empty_array}, {"select", empty_array},
    {"selectattr", empty_array}, {"unique", empty_array},
};

inline constexpr Builtin kUndefined[] = {
    {"default", globals::default_value}, {"capitalize", empty_string}, {"first", undefined},
    {"items", empty_array}, {"join", empty_string}, {"last", undefined},
    {"length", zero}, {"list", empty_array}, {"lower", empty_string},
    {"map", empty_array}, {"max", undefined}, {"min", undefined},
    {"reject", empty_array}, {"rejectattr", empty_array}, {"replace", empty_string},
    {"reverse", empty_array}, {"safe", empty_string}, {"select", empty_array},
    {"selectattr", empty_array}, {"sort", empty_array}, {"string", empty_string},
    {"strip", empty_string}, {"sum", zero}, {"title", empty_string},
    {"truncate", empty_string}, {"unique", empty_array}, {"upper", empty_string},
    {"wordcount", zero},
};

}  // namespace scalar_methods

}  // namespace chord::jinja
