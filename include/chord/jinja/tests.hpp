// Tests: `x is name` and `x is name(arg)`, and the tests select/reject apply.
//
// The engine's set: defined undefined none boolean string number integer float mapping iterable
// sequence callable true false odd even divisibleby lower upper in eq equalto ne ge gt greaterthan
// lt lessthan test. Its kinds are strict: `true is number` is false, `x is iterable` is true for
// strings, arrays and undefined (not objects), `x is true` only for the boolean. sameas, escaped and
// filter exist but are unimplemented, which is an error.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "chord/jinja/args.hpp"
#include "chord/jinja/printing.hpp"

namespace chord::jinja {

namespace tests {

template <Kind... kinds>
Value is_kind(Args& a) {
    a.expect_count(1);
    const Kind k = a.at(0).kind();
    return Value::boolean(((k == kinds) || ...));
}

inline Value odd(Args& a) {
    a.expect({Kind::Int});
    return Value::boolean(a.at(0).int_value() % 2 != 0);
}

inline Value even(Args& a) {
    a.expect({Kind::Int});
    return Value::boolean(a.at(0).int_value() % 2 == 0);
}

inline Value divisibleby(Args& a) {
    a.expect({Kind::Int, Kind::Int});
    const int64_t n = a.at(0).int_value(), d = a.at(1).int_value();
    if (d == 0) throw RuntimeError("divisibleby(0): division by zero");  // the engine crashes here
    return Value::boolean(d == -1 || n % d == 0);
}

template <bool want>
Value is_bool(Args& a) {
    a.expect_count(1);
    return Value::boolean(a.at(0).is(Kind::Bool) && (a.at(0).int_value() != 0) == want);
}

inline Value lower(Args& a) {
    a.expect({Kind::String});
    return Value::boolean(has_no_upper(a.at(0).str()));
}

inline Value upper(Args& a) {
    a.expect({Kind::String});
    return Value::boolean(has_no_lower(a.at(0).str()));
}

inline Value defined(Args& a) {
    a.expect_count(1);
    return Value::boolean(!a.at(0).is_undefined());
}

template <Compare op>
Value compare_test(Args& a) {
    a.expect_count(2, 2);
    return Value::boolean(compare(a.at(0), a.at(1), op));
}

// `needle in haystack`, as the `in` operator also decides it.
inline Value in(Args& a) {
    a.expect_count(2);
    const Value& needle = a.at(0);
    const Value& haystack = a.at(1);
    if (haystack.is_undefined()) return Value::boolean(false);
    if (haystack.is_list()) {
        for (const Value& item : haystack.list().items)
            if (equals(needle, item)) return Value::boolean(true);
        return Value::boolean(false);
    }
    if (haystack.is_string()) {
        if (!needle.is_string())
            throw RuntimeError("'in' test expects args[1] as string when args[0] is string, got args[1] as " +
                               type_name(needle));
        return Value::boolean(haystack.str().find(needle.str()) != std::string::npos);
    }
    if (haystack.is_object()) return Value::boolean(haystack.dict().find(needle) != nullptr);
    throw RuntimeError("'in' test expects iterable as first argument, got " + type_name(haystack));
}

inline Value test(Args& a);

template <const char* what>
Value unimplemented(Args&) {
    throw RuntimeError(std::string("NotImplemented: ") + what + " test not implemented");
}

inline constexpr char kSameas[] = "sameas";
inline constexpr char kEscaped[] = "escaped";
inline constexpr char kFilter[] = "filter";

inline constexpr Builtin kTests[] = {
    {"boolean", is_kind<Kind::Bool>},
    {"callable", is_kind<Kind::Function>},
    {"odd", odd},
    {"even", even},
    {"false", is_bool<false>},
    {"true", is_bool<true>},
    {"divisibleby", divisibleby},
    {"string", is_kind<Kind::String>},
    {"integer", is_kind<Kind::Int>},
    {"float", is_kind<Kind::Float>},
    {"number", is_kind<Kind::Int, Kind::Float>},
    {"iterable", is_kind<Kind::Array, Kind::Tuple, Kind::String, Kind::Undefined>},
    {"sequence", is_kind<Kind::Array, Kind::Tuple, Kind::String, Kind::Undefined>},
    {"mapping", is_kind<Kind::Object>},
    {"lower", lower},
    {"upper", upper},
    {"none", is_kind<Kind::None>},
    {"defined", defined},
    {"undefined", is_kind<Kind::Undefined>},
    {"eq", compare_test<Compare::Eq>},
    {"equalto", compare_test<Compare::Eq>},
    {"ge", compare_test<Compare::Ge>},
    {"gt", compare_test<Compare::Gt>},
    {"greaterthan", compare_test<Compare::Gt>},
    {"lt", compare_test<Compare::Lt>},
    {"lessthan", compare_test<Compare::Lt>},
    {"ne", compare_test<Compare::Ne>},
    {"in", in},
    {"test", test},
    {"sameas", unimplemented<kSameas>},
    {"escaped", unimplemented<kEscaped>},
    {"filter", unimplemented<kFilter>},
};

}  // namespace tests

// The test `name` (without the engine's "test_is_" prefix), or null.
inline BuiltinFn find_test(const std::string& name) { return find_builtin(tests::kTests, name); }

inline Value tests::test(Args& a) {
    a.expect({Kind::String});
    return Value::boolean(find_test(a.at(0).str()) != nullptr);
}

}  // namespace chord::jinja
