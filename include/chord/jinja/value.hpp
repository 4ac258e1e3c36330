// The values a template computes with, and the rules llama.cpp's engine gives them.
//
// Kinds: undefined (a missing name; remembers which, for its repr), none, bool, int, float, string,
// array, tuple (an immutable array), object (ordered, any hashable key), function (a builtin, bound
// to its object when it is a method; a macro; a call block's `caller`), and the keyword argument of
// a call (`key=value`), which is a value of its own in an argument list.
//
// Arrays and objects are shared by reference, as in the engine: `{% set a = b %}` then
// `a.append(x)` changes b. They are reference counted; the Heap of a render empties every one
// still alive at its end, so that a template making an array contain itself leaks nothing, and
// they are destroyed iteratively, so that a list nested a million deep does not overflow the
// stack when it goes.
//
// Numbers follow the engine exactly: an int also has a float view (exact, or ±inf when the double
// cannot hold it), a float an int view (truncated; 0 when not finite); `==` compares both views, so
// 1 == 1.0 == true. Where the engine converts an out-of-range double to an integer (undefined in
// C++), the result here is x86's: INT64_MIN.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "chord/jinja/diagnostics.hpp"
#include "chord/jinja/text.hpp"

namespace chord::jinja {

struct Node;
struct Scope;
struct Args;
struct List;
struct Dict;
struct Function;
struct Kwarg;

enum class Kind : uint8_t { Undefined, None, Bool, Int, Float, String, Array, Tuple, Object, Function, Kwarg };

// Values nested deeper than this (or an array that contains itself) are refused when printed,
// compared or serialised, instead of overflowing the stack.
constexpr size_t kMaxValueNesting = 256;

inline void check_nesting(size_t depth) {
    if (depth > kMaxValueNesting)
        throw RuntimeError("value nested deeper than " + std::to_string(kMaxValueNesting) +
                           " levels (or containing itself)");
}

// x86's conversion (cvttsd2si), which the engine gets from its undefined casts: NaN and values out
// of range become INT64_MIN.
inline int64_t truncate_to_int64(double d) {
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return std::numeric_limits<int64_t>::min();
    return static_cast<int64_t>(d);
}

class Value {
public:
    Value() = default;  // undefined

    static Value undefined(const std::string& hint) {
        Value v;
        if (!hint.empty()) v.text_ = std::make_shared<const Text>(Text::of(hint));
        return v;
    }
    static Value none() { return Value(Kind::None); }
    static Value boolean(bool b) {
        Value v(Kind::Bool);
        v.int_ = b ? 1 : 0;
        return v;
    }
    static Value integer(int64_t i) {
        Value v(Kind::Int);
        v.int_ = i;
        return v;
    }
    static Value number(double f) {
        Value v(Kind::Float);
        v.float_ = f;
        return v;
    }
    static Value string(Text t) {
        Value v(Kind::String);
        v.text_ = std::make_shared<const Text>(std::move(t));
        return v;
    }
    static Value string(std::string s) { return string(Text::of(std::move(s))); }
    static Value array(std::shared_ptr<List> list) { return Value(Kind::Array, std::move(list)); }
    static Value tuple(std::shared_ptr<List> list) { return Value(Kind::Tuple, std::move(list)); }
    static Value object(std::shared_ptr<Dict> dict) { return Value(Kind::Object, std::move(dict)); }
    static Value function(std::shared_ptr<const Function> f) {
        return Value(Kind::Function, std::const_pointer_cast<Function>(std::move(f)));
    }
    static Value kwarg(std::shared_ptr<const Kwarg> k) { return Value(Kind::Kwarg, std::const_pointer_cast<Kwarg>(std::move(k))); }

    Kind kind() const { return kind_; }
    bool is(Kind k) const { return kind_ == k; }
    bool is_undefined() const { return kind_ == Kind::Undefined; }
    bool is_none() const { return kind_ == Kind::None; }
    bool is_string() const { return kind_ == Kind::String; }
    bool is_list() const { return kind_ == Kind::Array || kind_ == Kind::Tuple; }  // the engine's "array"
    bool is_object() const { return kind_ == Kind::Object; }
    bool is_number() const { return kind_ == Kind::Int || kind_ == Kind::Float; }
    bool is_numeric() const { return is_number() || kind_ == Kind::Bool; }  // compares with == as a number
    bool is_mutable() const { return kind_ == Kind::Array || kind_ == Kind::Object; }

    int64_t int_value() const { return int_; }  // Int, Bool
    double float_value() const { return float_; }
    const Text& text() const { return *text_; }  // String
    const std::string& str() const { return text_->bytes; }
    std::string undefined_hint() const { return text_ ? text_->bytes : std::string(); }
    List& list() const { return *static_cast<List*>(ref_.get()); }
    Dict& dict() const { return *static_cast<Dict*>(ref_.get()); }
    const Function& function() const { return *static_cast<const Function*>(ref_.get()); }
    const Kwarg& kwarg() const { return *static_cast<const Kwarg*>(ref_.get()); }
    bool holds_reference() const { return ref_ != nullptr; }  // a list, object, function or keyword argument

    // The engine's integer and float views of a number (val_int, val_flt).
    int64_t int_view() const {
        if (kind_ == Kind::Float) return std::isfinite(float_) ? truncate_to_int64(float_) : 0;
        return int_;
    }
    double float_view() const {
        if (kind_ == Kind::Float) return float_;
        if (kind_ == Kind::Int) {
            const double d = static_cast<double>(int_);
            if (truncate_to_int64(d) == int_) return d;
            return int_ < 0 ? -HUGE_VAL : HUGE_VAL;
        }
        return static_cast<double>(int_);
    }

private:
    explicit Value(Kind k) : kind_(k) {}
    Value(Kind k, std::shared_ptr<void> ref) : kind_(k), ref_(std::move(ref)) {}

    Kind kind_ = Kind::Undefined;
    int64_t int_ = 0;
    double float_ = 0;
    std::shared_ptr<const Text> text_;  // String; an Undefined's hint
    std::shared_ptr<void> ref_;         // the List, Dict, Function or Kwarg (those two immutable)
};

// Destroys the lists, objects and functions among `values` one after another rather than one
// inside another.
inline void release(std::vector<Value>& values) {
    thread_local std::vector<Value> pending;
    thread_local bool draining = false;
    for (Value& v : values)
        if (v.holds_reference()) pending.push_back(std::move(v));
    values.clear();
    if (draining) return;
    draining = true;
    while (!pending.empty()) {
        Value last = std::move(pending.back());
        pending.pop_back();
    }  // `last` goes here: if it was the final reference, its own items join `pending`
    draining = false;
}

struct List {
    std::vector<Value> items;
    List() = default;
    explicit List(std::vector<Value> v) : items(std::move(v)) {}
    List(const List&) = delete;
    List& operator=(const List&) = delete;
    ~List() { release(items); }
};

struct Dict {
    std::vector<std::pair<Value, Value>> entries;        // insertion order
    std::unordered_map<std::string, size_t> string_keys;  // entry of each string key; other keys are searched
    bool has_builtins = true;  // false for `loop`: no dict methods hide its attributes

    static constexpr size_t npos = static_cast<size_t>(-1);
    size_t index_of(const Value& key) const;  // npos when absent; throws for an unhashable key
    const Value* find(const Value& key) const {
        const size_t i = index_of(key);
        return i == npos ? nullptr : &entries[i].second;
    }
    void insert(const Value& key, const Value& value);
    void insert(const std::string& key, const Value& value) { insert(Value::string(key), value); }
    void clear() {
        std::vector<Value> values;
        for (auto& entry : entries) {
            values.push_back(std::move(entry.first));
            values.push_back(std::move(entry.second));
        }
        entries.clear();
        string_keys.clear();
        release(values);
    }

    Dict() = default;
    Dict(const Dict&) = delete;
    Dict& operator=(const Dict&) = delete;
    ~Dict() { clear(); }
};

using BuiltinFn = Value (*)(Args& args);

struct Function {
    enum class Type : uint8_t { Builtin, Macro, Caller };
    Type type = Type::Builtin;
    std::string name;
    BuiltinFn builtin = nullptr;  // Builtin
    std::optional<Value> self;    // Builtin: a method's object, passed as the first argument
    const Node* node = nullptr;   // Macro: the {% macro %}; Caller: the {% call %} block
    std::shared_ptr<const Scope> scope;  // Caller: the variables its block sees (a copy)
};

struct Kwarg {
    std::string key;
    Value value;
};

// The arrays and objects of one render. At its end, those still alive (kept by a cycle) are
// emptied, which frees them.
class Heap {
public:
    Heap() = default;
    Heap(const Heap&) = delete;
    Heap& operator=(const Heap&) = delete;
    ~Heap() {
        for (auto& w : lists_)
            if (auto p = w.lock()) release(p->items);
        for (auto& w : dicts_)
            if (auto p = w.lock()) p->clear();
    }

    std::shared_ptr<List> list(std::vector<Value> items = {}) {
        auto p = std::make_shared<List>(std::move(items));
        track(lists_, p);
        return p;
    }
    std::shared_ptr<Dict> dict() {
        auto p = std::make_shared<Dict>();
        track(dicts_, p);
        return p;
    }

private:
    // Keeps a weak reference, dropping those of freed containers now and then.
    template <typename T>
    static void track(std::vector<std::weak_ptr<T>>& registry, const std::shared_ptr<T>& p) {
        if (registry.size() == registry.capacity() && registry.size() >= 1024) {
            registry.erase(std::remove_if(registry.begin(), registry.end(), [](const auto& w) { return w.expired(); }),
                           registry.end());
        }
        registry.push_back(p);
    }

    std::vector<std::weak_ptr<List>> lists_;
    std::vector<std::weak_ptr<Dict>> dicts_;
};

// --- the engine's names of the kinds, and its conversions ---

inline const char* kind_name(Kind k) {
    switch (k) {
        case Kind::Undefined: return "Undefined";
        case Kind::None: return "None";
        case Kind::Bool: return "Boolean";
        case Kind::Int: return "Integer";
        case Kind::Float: return "Float";
        case Kind::String: return "String";
        case Kind::Array: return "Array";
        case Kind::Tuple: return "Tuple";
        case Kind::Object: return "Object";
        case Kind::Function: return "Function";
        case Kind::Kwarg: return "KwArg";
    }
    return "?";
}

// An undefined value names what was missing.
inline std::string type_name(const Value& v) {
    if (v.is_undefined() && !v.undefined_hint().empty()) return "Undefined (hint: '" + v.undefined_hint() + "')";
    return kind_name(v.kind());
}

inline bool truthy(const Value& v) {
    switch (v.kind()) {
        case Kind::Undefined:
        case Kind::None: return false;
        case Kind::Bool:
        case Kind::Int: return v.int_value() != 0;
        case Kind::Float: return v.float_value() != 0.0;
        case Kind::String: return !v.str().empty();
        case Kind::Array:
        case Kind::Tuple: return !v.list().items.empty();
        case Kind::Object: return !v.dict().entries.empty();
        case Kind::Function:
        case Kind::Kwarg: break;
    }
    throw RuntimeError(type_name(v) + " is not a bool value");
}

inline int64_t as_int(const Value& v) {
    if (v.is_numeric()) return v.int_view();
    throw RuntimeError(type_name(v) + " is not an int value");
}

inline double as_float(const Value& v) {
    if (v.is_number()) return v.float_view();
    throw RuntimeError(type_name(v) + " is not a float value");
}

// --- hashing and equality (the engine's is_hashable and ==) ---

inline bool is_hashable(const Value& v, size_t depth = 0) {
    check_nesting(depth);
    switch (v.kind()) {
        case Kind::Undefined:
        case Kind::Function: return false;
        case Kind::Array:
        case Kind::Tuple:
            for (const Value& item : v.list().items)
                if (item.is_mutable() || !is_hashable(item, depth + 1)) return false;
            return true;
        case Kind::Object:
            for (const auto& entry : v.dict().entries)
                if (entry.second.is_mutable() || !is_hashable(entry.second, depth + 1)) return false;
            return true;
        default: return true;
    }
}

// `a == b`. Arrays and objects compare equal only when both are hashable (all their items
// immutable), as in the engine; functions all compare equal.
inline bool equals(const Value& a, const Value& b, size_t depth = 0) {
    check_nesting(depth);
    switch (a.kind()) {
        case Kind::Bool:
        case Kind::Int:
        case Kind::Float:
            return b.is_numeric() && a.int_view() == b.int_view() && a.float_view() == b.float_view();
        case Kind::String: return b.is_string() && a.str() == b.str();
        case Kind::Array:
        case Kind::Tuple: {
            if (b.kind() != a.kind() || !is_hashable(a, depth) || !is_hashable(b, depth)) return false;
            const auto& x = a.list().items;
            const auto& y = b.list().items;
            if (x.size() != y.size()) return false;
            for (size_t i = 0; i < x.size(); ++i)
                if (!equals(x[i], y[i], depth + 1)) return false;
            return true;
        }
        case Kind::Object: {
            if (!b.is_object() || !is_hashable(a, depth) || !is_hashable(b, depth)) return false;
            const auto& x = a.dict().entries;
            const auto& y = b.dict().entries;
            if (x.size() != y.size()) return false;
            for (size_t i = 0; i < x.size(); ++i)
                if (!equals(x[i].first, y[i].first, depth + 1) || !equals(x[i].second, y[i].second, depth + 1))
                    return false;
            return true;
        }
        case Kind::Kwarg:
            return b.is(Kind::Kwarg) && a.kwarg().key == b.kwarg().key &&
                   equals(a.kwarg().value, b.kwarg().value, depth + 1);
        default: return a.kind() == b.kind();  // undefined, none, function
    }
}

inline void check_key(const Value& key) {
    if (key.is_mutable() || !is_hashable(key)) throw RuntimeError("Object key of unhashable type: " + type_name(key));
}

inline size_t Dict::index_of(const Value& key) const {
    check_key(key);
    if (key.is_string()) {
        const auto it = string_keys.find(key.str());
        return it == string_keys.end() ? npos : it->second;
    }
    for (size_t i = 0; i < entries.size(); ++i)
        if (!entries[i].first.is_string() && equals(entries[i].first, key)) return i;
    return npos;
}

// A key already there keeps its place (and its own spelling: {1: 'a', 1.0: 'b'} prints as {1: 'b'}).
inline void Dict::insert(const Value& key, const Value& value) {
    const size_t i = index_of(key);
    if (i != npos) {
        entries[i].second = value;
        return;
    }
    if (key.is_string()) string_keys.emplace(key.str(), entries.size());
    entries.emplace_back(key, value);
}

}  // namespace chord::jinja
