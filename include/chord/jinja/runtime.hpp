// What one render carries: its variables (scopes), its heap, its clock and its budget.
//
// A chat template comes from a model file, which may be hostile. The budget turns a runaway
// template into an error instead of a crash or a hang: nesting (of the source, of calls), steps
// (statements, loop iterations, calls), the size of one string or list, and the bytes of all the
// strings a render makes.
#pragma once

#include <cstddef>
#include <ctime>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chord/jinja/value.hpp"

namespace chord::jinja {

struct Limits {
    size_t max_depth = 256;               // nesting of blocks and expressions, and of calls at run time
    size_t max_steps = 10'000'000;        // statements executed + loop iterations + calls
    size_t max_string_bytes = 64u << 20;  // one string, the output included (see Runtime::cost)
    size_t max_total_bytes = 1u << 30;    // all the strings a render builds
    size_t max_items = 1'000'000;         // one list (a range, or a list grown by append or +)
};

// The variables one block sees. A scope inherits its parent's variables and shadows them; the
// engine copies them instead, which behaves the same because a parent never changes while a child
// is alive (a call block's `caller` keeps a copy: see Interpreter).
struct Scope {
    const Scope* parent = nullptr;
    std::vector<std::pair<std::string, Value>> vars;

    const Value* find(const std::string& name) const {
        for (const Scope* s = this; s; s = s->parent)
            for (const auto& var : s->vars)
                if (var.first == name) return &var.second;
        return nullptr;
    }
    void set(const std::string& name, const Value& value) {
        for (auto& var : vars)
            if (var.first == name) {
                var.second = value;
                return;
            }
        vars.emplace_back(name, value);
    }
};

class Runtime {
public:
    Runtime(const Limits& budget, std::time_t time) : limits(budget), now(time) {}

    Heap heap;
    const Limits limits;
    const std::time_t now;  // for strftime_now, in UTC

    void step() {
        if (++steps_ > limits.max_steps)
            throw RuntimeError("the template ran more than " + std::to_string(limits.max_steps) + " steps");
    }
    // What a string costs against the limits: its bytes, and 8 for each part it keeps (see text.hpp),
    // so that joining empty strings cannot grow without bound either.
    static size_t cost(const Text& t) { return t.bytes.size() + 8 * t.ends.size(); }
    static size_t cost_of_bytes(size_t bytes) { return bytes + 8; }

    // Before making a string of that cost.
    void charge(size_t cost) {
        if (cost > limits.max_string_bytes)
            throw RuntimeError("a string would exceed " + std::to_string(limits.max_string_bytes) + " bytes");
        total_bytes_ += cost;
        if (total_bytes_ > limits.max_total_bytes)
            throw RuntimeError("the template built more than " + std::to_string(limits.max_total_bytes) +
                               " bytes of strings");
    }
    // Before making a list of `items` items.
    void check_items(size_t items) const {
        if (items > limits.max_items)
            throw RuntimeError("a list would exceed " + std::to_string(limits.max_items) + " items");
    }

    Value string(Text t) {
        charge(cost(t));
        return Value::string(std::move(t));
    }
    // a ~ b, charged before it is built.
    Value concat(const Text& a, const Text& b) {
        charge(cost(a) + cost(b));
        Text t;
        t.bytes.reserve(a.bytes.size() + b.bytes.size());
        t.ends.reserve(a.ends.size() + b.ends.size());
        t.append(a);
        t.append(b);
        return Value::string(std::move(t));
    }
    Value string(std::string s) { return string(Text::of(std::move(s))); }
    Value array(std::vector<Value> items = {}) {
        check_items(items.size());
        return Value::array(heap.list(std::move(items)));
    }
    Value tuple(std::vector<Value> items) { return Value::tuple(heap.list(std::move(items))); }
    std::shared_ptr<Dict> dict() { return heap.dict(); }

private:
    size_t steps_ = 0;
    size_t total_bytes_ = 0;
};

}  // namespace chord::jinja
