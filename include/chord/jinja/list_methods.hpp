// The methods and filters of arrays and tuples: xs|join(", "), xs.append(x), ...
//
// list first last length slice select selectattr reject rejectattr join string tojson map append
// pop sort reverse min max default. As in the engine: select/reject take an attribute name like
// selectattr (select('odd') reads the attribute "odd" of objects); map only by attribute (not by
// filter name); min and max without attribute; sum and unique are unimplemented (errors); sort
// orders as the engine does (its value ordering, GCC's std::sort: see sort.hpp).
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "chord/jinja/globals.hpp"
#include "chord/jinja/sequence.hpp"
#include "chord/jinja/sort.hpp"

namespace chord::jinja {

// xs[i] for the engine's checked accesses: negative counts from the end; out of range is an error.
inline const Value& list_at(const Value& list, int64_t index) {
    const auto& items = list.list().items;
    if (index < 0) index += static_cast<int64_t>(items.size());
    if (index < 0 || index >= static_cast<int64_t>(items.size()))
        throw RuntimeError("Index " + std::to_string(index) + " out of bounds for array of size " +
                           std::to_string(items.size()));
    return items[static_cast<size_t>(index)];
}

inline const Value& object_at(const Value& object, const Value& key) {
    if (const Value* v = object.dict().find(key)) return *v;
    throw RuntimeError("Key '" + to_text(key).bytes + "' not found in value of type Object");
}

namespace list_methods {

// A new list of the same kind (a tuple stays a tuple).
inline Value same_kind(Args& a, const Value& like, std::vector<Value> items) {
    return like.is(Kind::Tuple) ? a.rt.tuple(std::move(items)) : a.rt.array(std::move(items));
}

inline Value list(Args& a) {
    a.expect({Kind::Array});
    return a.rt.array(a.at(0).list().items);
}

template <bool last>
Value end_item(Args& a) {
    a.expect({Kind::Array});
    const auto& items = a.at(0).list().items;
    if (items.empty()) return Value();
    return last ? items.back() : items.front();
}

inline Value length(Args& a) {
    a.expect({Kind::Array});
    return Value::integer(static_cast<int64_t>(a.at(0).list().items.size()));
}

inline Value slice_of(Args& a) {
    a.expect_count(1, 4);
    a.expect({Kind::Array, Kind::Int});
    const SliceBounds b = slice_bounds(a);
    return same_kind(a, a.at(0), slice(a.at(0).list().items, b.start, b.stop, b.step));
}

// xs|selectattr("attr"), xs|selectattr("test", arg) (the test on each item),
// xs|selectattr("attr", "test", arg); reject: the complement.
template <bool reject>
Value select(Args& a) {
    a.expect_count(2, 4);
    a.expect({Kind::Array, Kind::String});
    const std::vector<Value> items = a.at(0).list().items;
    const Value& attribute = a.at(1);
    // The test (by the engine's lookup order, before any item is seen), for the 3 and 4 argument forms.
    BuiltinFn test = nullptr;
    if (a.count() > 2) {
        const std::string test_name = to_text(a.at(a.count() == 3 ? 1 : 2)).bytes;
        test = find_test(test_name);
        if (!test) throw RuntimeError("selectattr: unknown test '" + test_name + "'");
    }
    auto attribute_of = [&](const Value& item) {
        if (!item.is_object()) throw RuntimeError("selectattr: item is not an object");
        const Value* v = item.dict().find(attribute);
        return v ? *v : Value();
    };
    auto passes = [&](const Value& x, const Value& arg) {
        Args test_args{a.rt, a.scope, "", {x, arg}};
        return truthy(test(test_args));
    };
    std::vector<Value> out;
    for (const Value& item : items) {
        bool selected = false;
        if (a.count() == 2) {
            selected = truthy(attribute_of(item));
        } else if (a.count() == 3) {
            selected = passes(item, a.at(2));
        } else {
            selected = passes(attribute_of(item), a.at(3));
        }
        if (selected != reject) out.push_back(item);
    }
    return a.rt.array(std::move(out));
}

// xs|join(d="", attribute=None): strings and numbers only (not booleans).
inline Value join(Args& a) {
    a.expect_count(1, 3);
    if (!a.at(0).is_list()) throw RuntimeError("join() first argument must be an array");
    const Value delim = a.keyword_or_at("d", 1);
    const Value attribute = a.keyword_or_at("attribute", 2);
    const bool by_index = attribute.is(Kind::Int);
    if (!attribute.is_undefined() && !attribute.is_string() && !by_index)
        throw RuntimeError("join() attribute must be string or integer");
    const std::string sep = delim.is_undefined() ? "" : to_text(delim).bytes;
    const auto& items = a.at(0).list().items;
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
        Value item = items[i];
        if (!attribute.is_undefined()) {
            if (by_index && item.is_list()) {
                item = list_at(item, attribute.int_value());
            } else if (!by_index && item.is_object()) {
                item = object_at(item, attribute);
            }
        }
        if (!item.is_string() && !item.is_number())
            throw RuntimeError("join() can only join arrays of strings or numerics");
        out += to_text(item).bytes;
        if (i + 1 < items.size()) out += sep;
        if (out.size() > a.rt.limits.max_string_bytes) throw RuntimeError("join(): the text grows too long");
    }
    return a.rt.string(std::move(out));
}

inline Value to_string(Args& a) {
    a.expect({Kind::Array});
    return a.rt.string(to_text(a.at(0)));
}

// xs|map(attribute=name or index, default=...)
inline Value map(Args& a) {
    a.expect_count(2);
    if (!a.at(0).is_list()) throw RuntimeError("map: first argument must be an array");
    if (!a.values[1].is(Kind::Kwarg)) throw RuntimeError("NotImplemented: map: filter-mapping not implemented");
    const Value attribute = a.keyword_or_at("attribute", 1);
    const bool by_index = attribute.is(Kind::Int);
    if (!attribute.is_string() && !by_index) throw RuntimeError("map: attribute must be string or integer");
    const Value fallback = a.keyword("default");
    std::vector<Value> out;
    for (const Value& item : a.at(0).list().items) {
        Value v = fallback;
        if (by_index && item.is_list()) {
            auto& items = item.list().items;
            int64_t i = attribute.int_value();
            if (i < 0) i += static_cast<int64_t>(items.size());
            if (i >= 0 && i < static_cast<int64_t>(items.size())) v = items[static_cast<size_t>(i)];
        } else if (!by_index && item.is_object()) {
            if (const Value* found = item.dict().find(attribute)) v = *found;
        }
        out.push_back(v);
    }
    return same_kind(a, a.at(0), std::move(out));
}

inline void check_mutable(const Value& list) {
    if (list.is(Kind::Tuple)) throw RuntimeError("Attempting to modify immutable type");
}

// xs.append(x): returns the list itself (printing it prints its items).
inline Value append(Args& a) {
    a.expect_count(2);
    if (!a.at(0).is_list()) throw RuntimeError("append: first argument must be an array");
    check_mutable(a.at(0));
    auto& items = a.at(0).list().items;
    a.rt.check_items(items.size() + 1);
    items.push_back(a.at(1));
    return a.at(0);
}

inline Value pop(Args& a) {
    a.expect_count(1, 2);
    a.expect({Kind::Array});
    int64_t index = a.count() == 2 ? as_int(a.at(1)) : -1;
    check_mutable(a.at(0));
    auto& items = a.at(0).list().items;
    if (index < 0) index += static_cast<int64_t>(items.size());
    if (index < 0 || index >= static_cast<int64_t>(items.size()))
        throw RuntimeError("Index " + std::to_string(index) + " out of bounds for array of size " +
                           std::to_string(items.size()));
    const Value v = items[static_cast<size_t>(index)];
    items.erase(items.begin() + static_cast<std::ptrdiff_t>(index));
    return v;
}

// xs|sort(reverse=False, case_sensitive=False, attribute=None); case is always significant.
inline Value sort(Args& a) {
    a.expect_count(1, 4);
    if (!a.at(0).is_list()) throw RuntimeError("sort: first argument must be an array");
    const bool reverse = truthy(a.keyword_or_at("reverse", 1));
    const Value attribute = a.keyword_or_at("attribute", 3);
    const bool by_index = attribute.is(Kind::Int);
    std::vector<Value> items = a.at(0).list().items;
    gcc_sort(items, [&](const Value& x, const Value& y) {
        if (attribute.is_undefined()) return compare(x, y, reverse ? Compare::Gt : Compare::Lt);
        if (by_index && x.is_list() && y.is_list())
            return compare(list_at(x, attribute.int_value()), list_at(y, attribute.int_value()),
                           reverse ? Compare::Gt : Compare::Lt);
        if (!by_index && x.is_object() && y.is_object())
            return compare(object_at(x, attribute), object_at(y, attribute), reverse ? Compare::Gt : Compare::Lt);
        throw RuntimeError("sort: unsupported object attribute comparison between " + type_name(x) + " and " +
                           type_name(y));
    });
    return same_kind(a, a.at(0), std::move(items));
}

inline Value reverse(Args& a) {
    a.expect({Kind::Array});
    std::vector<Value> items = a.at(0).list().items;
    std::reverse(items.begin(), items.end());
    return same_kind(a, a.at(0), std::move(items));
}

template <Compare better>
Value extreme(Args& a) {
    a.expect_count(1, 4);
    a.expect({Kind::Array});
    if (!a.keyword_or_at("attribute", 2).is_undefined())
        throw RuntimeError(std::string("NotImplemented: ") + (better == Compare::Lt ? "min" : "max") +
                           ": attribute not implemented");
    const auto& items = a.at(0).list().items;
    if (items.empty()) return Value();
    Value best = items[0];
    for (size_t i = 1; i < items.size(); ++i)
        if (compare(items[i], best, better)) best = items[i];
    return best;
}

inline Value unique(Args&) { throw RuntimeError("NotImplemented: Array unique builtin not implemented"); }

inline constexpr Builtin kMethods[] = {
    {"default", globals::default_value},
    {"list", list},
    {"first", end_item<false>},
    {"last", end_item<true>},
    {"length", length},
    {"slice", slice_of},
    {"selectattr", select<false>},
    {"select", select<false>},
    {"rejectattr", select<true>},
    {"reject", select<true>},
    {"join", join},
    {"string", to_string},
    {"tojson", globals::tojson},
    {"map", map},
    {"append", append},
    {"pop", pop},
    {"sort", sort},
    {"reverse", reverse},
    {"min", extreme<Compare::Lt>},
    {"max", extreme<Compare::Gt>},
    {"unique", unique},
};

}  // namespace list_methods

}  // namespace chord::jinja
