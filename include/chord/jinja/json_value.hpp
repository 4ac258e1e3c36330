// The render's input: JSON (nlohmann::ordered_json) to template values, keys in their order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chord/jinja/runtime.hpp"

namespace chord::jinja {

inline Value from_json(Runtime& rt, const nlohmann::ordered_json& j, size_t depth = 0) {
    check_nesting(depth);
    switch (j.type()) {
        case nlohmann::ordered_json::value_t::null: return Value::none();
        case nlohmann::ordered_json::value_t::boolean: return Value::boolean(j.get<bool>());
        case nlohmann::ordered_json::value_t::number_integer:
        case nlohmann::ordered_json::value_t::number_unsigned: return Value::integer(j.get<int64_t>());
        case nlohmann::ordered_json::value_t::number_float: return Value::number(j.get<double>());
        case nlohmann::ordered_json::value_t::string: return rt.string(j.get<std::string>());
        case nlohmann::ordered_json::value_t::array: {
            std::vector<Value> items;
            items.reserve(j.size());
            for (const auto& item : j) items.push_back(from_json(rt, item, depth + 1));
            return rt.array(std::move(items));
        }
        case nlohmann::ordered_json::value_t::object: {
            const std::shared_ptr<Dict> d = rt.dict();
            for (auto it = j.begin(); it != j.end(); ++it) d->insert(it.key(), from_json(rt, it.value(), depth + 1));
            return Value::object(d);
        }
        default: break;
    }
    throw RuntimeError("the input holds a JSON value of an unsupported type");
}

}  // namespace chord::jinja
