// The methods and filters of objects (dicts): d.get(k), d.items(), d|dictsort, ...
//
// get keys values items tojson string length dictsort. No default (the engine left it out: it
// breaks gpt-oss's template), and join is unimplemented. dictsort returns an object in sorted order.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chord/jinja/globals.hpp"
#include "chord/jinja/sort.hpp"

namespace chord::jinja {

namespace object_methods {

inline Value get(Args& a) {
    a.expect_count(2, 3);
    if (!a.at(0).is_object()) throw RuntimeError("get: first argument must be an object");
    if (!a.at(1).is_string()) throw RuntimeError("get: second argument must be a string (key)");
    const Value* v = a.at(0).dict().find(a.at(1));
    return v ? *v : a.count() == 3 ? a.at(2) : Value::none();
}

enum class Part : uint8_t { Keys, Values, Items };

template <Part part>
Value entries(Args& a) {
    a.expect({Kind::Object});
    std::vector<Value> out;
    for (const auto& entry : a.at(0).dict().entries) {
        if (part == Part::Keys) out.push_back(entry.first);
        if (part == Part::Values) out.push_back(entry.second);
        if (part == Part::Items) out.push_back(a.rt.tuple({entry.first, entry.second}));
    }
    return a.rt.array(std::move(out));
}

inline Value to_string(Args& a) {
    a.expect({Kind::Object});
    return a.rt.string(to_text(a.at(0)));
}

inline Value length(Args& a) {
    a.expect({Kind::Object});
    return Value::integer(static_cast<int64_t>(a.at(0).dict().entries.size()));
}

// d|dictsort(case_sensitive=False, by="key", reverse=False); case is always significant.
inline Value dictsort(Args& a) {
    const Value& input = a.at(0);
    const Value by = a.keyword_or_at("by", 2);
    const bool reverse = truthy(a.keyword_or_at("reverse", 3));
    const bool by_value = by.is_string() && by.str() == "value";
    std::vector<std::pair<Value, Value>> sorted = input.dict().entries;
    gcc_sort(sorted, [&](const std::pair<Value, Value>& x, const std::pair<Value, Value>& y) {
        const Compare op = reverse ? Compare::Gt : Compare::Lt;
        return by_value ? compare(x.second, y.second, op) : compare(x.first, y.first, op);
    });
    const std::shared_ptr<Dict> out = a.rt.dict();
    for (const auto& entry : sorted) out->insert(entry.first, entry.second);
    return Value::object(out);
}

inline Value join(Args&) { throw RuntimeError("NotImplemented: object join not implemented"); }

inline constexpr Builtin kMethods[] = {
    {"get", get},
    {"keys", entries<Part::Keys>},
    {"values", entries<Part::Values>},
    {"items", entries<Part::Items>},
    {"tojson", globals::tojson},
    {"string", to_string},
    {"length", length},
    {"dictsort", dictsort},
    {"join", join},
};

}  // namespace object_methods

}  // namespace chord::jinja
