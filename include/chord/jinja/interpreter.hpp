// The interpreter: runs a parsed template over its variables and writes the text, with the
// semantics of llama.cpp's engine (common/jinja/runtime.cpp).
//
// What a template can see of the engine, and this file keeps:
//   - scopes: a for loop, a macro call and a call block have their own variables; `set` inside
//     them does not leak out (use namespace() objects for that); if blocks share their scope;
//   - macros see the variables of the place they are called from (not where they were defined);
//     parameters missing from a call take their defaults only past the last argument given;
//   - `for` runs over arrays, objects (keys, or key/value with two targets) and undefined (no
//     items); `loop` has index index0 revindex revindex0 first last length previtem nextitem;
//     its {% else %} runs when no iteration ran to its end (every one hit break or continue);
//     break and continue drop what the interrupted statement of the body had written;
//   - operators: arithmetic on ints and floats only (int results through double; / is always
//     float), + and ~ join strings (with a number or list converted, and none/undefined as ""),
//     string * int repeats, comparisons < > <= >= only between numbers, `in` over strings, lists
//     and object keys; a.b prefers the kind's method to the key (d.items is the method);
//   - filters with no parentheses convert a non-string to a string first for capitalize lower
//     replace strip title upper wordcount; count, d and trim are aliases of length, default, strip.
//
// Errors (see diagnostics.hpp) name the innermost node that was running.
#pragma once

#include <cmath>
#include <memory>
#include <exception>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "chord/jinja/ast.hpp"
#include "chord/jinja/json_value.hpp"
#include "chord/jinja/methods.hpp"

namespace chord::jinja {

class Interpreter {
public:
    Interpreter(const std::string& source, Runtime& rt) : src_(source), rt_(rt) {}

    // Runs the program over `context` (a JSON object: each key is a global variable).
    std::string render(const NodeList& program, const nlohmann::ordered_json& context) {
        if (!context.is_object()) throw Error(ErrorCode::InvalidArgument, "chat template context: not a JSON object");
        Scope globals;
        for (const char* name : {"true", "True"}) globals.set(name, Value::boolean(true));
        for (const char* name : {"false", "False"}) globals.set(name, Value::boolean(false));
        for (const char* name : {"none", "None"}) globals.set(name, Value::none());
        try {
            for (auto it = context.begin(); it != context.end(); ++it) globals.set(it.key(), from_json(rt_, it.value()));
        } catch (const RuntimeError& e) {
            throw Error(ErrorCode::InvalidArgument, std::string("chat template context: ") + e.what());
        }
        Text out;
        try {
            for (const NodePtr& node : program) exec(*node, globals, out);
        } catch (const Error&) {
            throw;
        } catch (const Raised& e) {
            throw template_refusal(src_, pos_, e.what());
        } catch (const LoopSignal&) {
            throw template_error(src_, pos_, "break or continue outside a loop");
        } catch (const std::bad_alloc&) {
            throw Error(ErrorCode::OutOfMemory, "chat template: out of memory while rendering");
        } catch (const std::exception& e) {
            throw template_error(src_, pos_, e.what());
        }
        return std::move(out.bytes);
    }

private:
    struct LoopSignal {
        bool is_break;
    };

    // Entering a node: counts the nesting and makes the node the one an error names. The position
    // is restored when the node completes, not when an exception leaves it.
    class Enter {
    public:
        Enter(Interpreter& in, const Node& node) : in_(in), saved_pos_(in.pos_), exceptions_(std::uncaught_exceptions()) {
            in_.pos_ = node.pos;
            if (++in_.depth_ > in_.rt_.limits.max_depth) {
                --in_.depth_;
                throw RuntimeError("nested deeper than " + std::to_string(in_.rt_.limits.max_depth) +
                                   " levels (runaway recursion?)");
            }
        }
        ~Enter() {
            --in_.depth_;
            if (std::uncaught_exceptions() == exceptions_) in_.pos_ = saved_pos_;
        }
        Enter(const Enter&) = delete;
        Enter& operator=(const Enter&) = delete;

    private:
        Interpreter& in_;
        size_t saved_pos_;
        int exceptions_;
    };

    // --- output ---

    void emit(Text& out, const Value& v) {
        const size_t before = Runtime::cost(out);
        print(out, v);
        const size_t after = Runtime::cost(out);
        rt_.charge(after - before);
        if (after > rt_.limits.max_string_bytes)
            throw RuntimeError("the output exceeds " + std::to_string(rt_.limits.max_string_bytes) + " bytes");
    }

    Value render_block(const NodeList& body, Scope& scope) {
        Text out;
        exec_block(body, scope, out);
        return Value::string(std::move(out));
    }

    // --- statements ---

    void exec_block(const NodeList& body, Scope& scope, Text& out) {
        for (const NodePtr& node : body) exec(*node, scope, out);
    }

    void exec(const Node& n, Scope& scope, Text& out) {
        Enter enter(*this, n);
        rt_.step();
        switch (n.kind) {
            case NodeKind::Text:
                rt_.charge(Runtime::cost_of_bytes(n.text.size()));
                out.append_part(n.text);
                if (Runtime::cost(out) > rt_.limits.max_string_bytes)
                    throw RuntimeError("the output exceeds " + std::to_string(rt_.limits.max_string_bytes) + " bytes");
                return;
            case NodeKind::Comment:
            case NodeKind::Noop: return;
            case NodeKind::If: exec_block(truthy(eval(*n.a, scope)) ? n.body : n.orelse, scope, out); return;
            case NodeKind::For: exec_for(n, scope, out); return;
            case NodeKind::Set: exec_set(n, scope); return;
            case NodeKind::Macro: {
                if (!n.a->is(NodeKind::Identifier)) throw RuntimeError("Macro name must be an identifier");
                Function f;
                f.type = Function::Type::Macro;
                f.name = n.a->text;
                f.node = &n;
                const Value macro = Value::function(std::make_shared<const Function>(std::move(f)));
                scope.set(n.a->text, macro);
                return;
            }
            case NodeKind::Break: throw LoopSignal{true};
            case NodeKind::Continue: throw LoopSignal{false};
            case NodeKind::CallBlock: emit(out, exec_call_block(n, scope)); return;
            case NodeKind::FilterBlock: emit(out, apply_filter(*n.a, render_block(n.body, scope), scope)); return;
            default: emit(out, eval(n, scope)); return;  // {{ expression }}
        }
    }

    // Binds a loop or set target: a name, or names unpacked from a list.
    static void bind(const Node& target, const Value& v, Scope& scope) {
        if (target.is(NodeKind::Identifier)) return scope.set(target.text, v);
        for (size_t j = 0; j < target.args.size(); ++j) {
            if (!target.args[j]->is(NodeKind::Identifier))
                throw RuntimeError("Cannot unpack non-identifier type: " + node_name(*target.args[j]));
            scope.set(target.args[j]->text, v.list().items[j]);
        }
    }

    static std::string node_name(const Node& n) {
        switch (n.kind) {
            case NodeKind::Identifier: return "Identifier";
            case NodeKind::Tuple: return "TupleLiteral";
            case NodeKind::Member: return "MemberExpression";
            case NodeKind::Call: return "CallExpression";
            default: return "Expression";
        }
    }

    void exec_for(const Node& n, Scope& scope, Text& out) {
        Scope loop_scope{&scope, {}};
        const Node* iterable_node = n.b.get();
        const Node* condition = nullptr;  // for x in xs if condition
        if (iterable_node->is(NodeKind::Select)) {
            condition = iterable_node->b.get();
            iterable_node = iterable_node->a.get();
        }
        Value iterable = eval(*iterable_node, loop_scope);
        if (iterable.is_undefined()) iterable = rt_.array();
        if (!iterable.is_list() && !iterable.is_object())
            throw RuntimeError("Expected iterable or object type in for loop: got " + type_name(iterable));
        std::vector<Value> items;
        if (iterable.is_object()) {
            for (const auto& entry : iterable.dict().entries) items.push_back(rt_.tuple({entry.first, entry.second}));
        } else {
            items = iterable.list().items;
        }
        const Node& target = *n.a;
        std::vector<Value> kept;  // what each iteration binds (an object's key alone for a single name)
        for (const Value& item : items) {
            Value current = item;
            if (target.is(NodeKind::Identifier)) {
                if (iterable.is_object()) current = item.list().items[0];
            } else if (target.is(NodeKind::Tuple)) {
                if (!current.is_list()) throw RuntimeError("Cannot unpack non-iterable type: " + type_name(current));
                const size_t have = current.list().items.size();
                if (target.args.size() != have)
                    throw RuntimeError(std::string("Too ") + (target.args.size() > have ? "few" : "many") +
                                       " items to unpack");
            } else {
                throw RuntimeError("Invalid loop variable(s): " + node_name(target));
            }
            if (condition) {
                Scope test_scope{&loop_scope, {}};
                bind(target, current, test_scope);
                if (!truthy(eval(*condition, test_scope))) continue;
            }
            kept.push_back(current);
        }
        bool completed_one = false;
        for (size_t i = 0; i < kept.size(); ++i) {
            rt_.step();
            loop_scope.set("loop", loop_object(kept, i));
            bind(target, kept[i], loop_scope);
            bool interrupted = false, stop = false;
            for (const NodePtr& stmt : n.body) {
                const Text::Mark mark = out.mark();
                try {
                    exec(*stmt, loop_scope, out);
                } catch (const LoopSignal& signal) {
                    out.rewind(mark);
                    pos_ = n.pos;
                    interrupted = true;
                    stop = signal.is_break;
                    break;
                }
            }
            if (stop) break;
            if (!interrupted) completed_one = true;
        }
        if (!completed_one) exec_block(n.orelse, scope, out);
    }

    Value loop_object(const std::vector<Value>& items, size_t i) {
        const int64_t n = static_cast<int64_t>(items.size()), k = static_cast<int64_t>(i);
        const std::shared_ptr<Dict> loop = rt_.dict();
        loop->has_builtins = false;
        loop->insert("index", Value::integer(k + 1));
        loop->insert("index0", Value::integer(k));
        loop->insert("revindex", Value::integer(n - k));
        loop->insert("revindex0", Value::integer(n - k - 1));
        loop->insert("first", Value::boolean(k == 0));
        loop->insert("last", Value::boolean(k == n - 1));
        loop->insert("length", Value::integer(n));
        loop->insert("previtem", k > 0 ? items[i - 1] : Value::undefined("previtem"));
        loop->insert("nextitem", k < n - 1 ? items[i + 1] : Value::undefined("nextitem"));
        return Value::object(loop);
    }

    void exec_set(const Node& n, Scope& scope) {
        const Value v = n.b ? eval(*n.b, scope) : render_block(n.body, scope);
        const Node& target = *n.a;
        if (target.is(NodeKind::Identifier)) return scope.set(target.text, v);
        if (target.is(NodeKind::Tuple)) {
            if (!v.is_list()) throw RuntimeError("Cannot unpack non-iterable type in set: " + type_name(v));
            const auto& items = v.list().items;
            if (items.size() != target.args.size())
                throw RuntimeError(std::string("Too ") + (target.args.size() > items.size() ? "few" : "many") +
                                   " items to unpack in set");
            for (size_t i = 0; i < items.size(); ++i) {
                if (!target.args[i]->is(NodeKind::Identifier))
                    throw RuntimeError("Cannot unpack to non-identifier in set: " + node_name(*target.args[i]));
                scope.set(target.args[i]->text, items[i]);
            }
            return;
        }
        if (target.is(NodeKind::Member)) {  // {% set ns.name = v %}
            if (target.computed) throw RuntimeError("Cannot assign to computed member");
            if (!target.b->is(NodeKind::Identifier))
                throw RuntimeError("Cannot assign to member with non-identifier property");
            const Value object = eval(*target.a, scope);
            if (!object.is_object()) throw RuntimeError("Cannot assign to member of non-object");
            object.dict().insert(target.b->text, v);
            return;
        }
        throw RuntimeError("Invalid LHS inside assignment expression: " + node_name(target));
    }

    // {% call(params) macro(args) %}body{% endcall %}: the macro runs with `caller`, which renders
    // the body. The body sees the variables of the place of the call block, kept in a copy.
    Value exec_call_block(const Node& n, Scope& scope) {
        const Node& call = *n.a;
        const Value callee = eval(*call.a, scope);
        if (!callee.is(Kind::Function)) throw RuntimeError("Callee is not a function: got " + type_name(callee));
        Function caller;
        caller.type = Function::Type::Caller;
        caller.name = "caller";
        caller.node = &n;
        caller.scope = snapshot(scope);
        Scope call_scope{&scope, {}};
        call_scope.set("caller", Value::function(std::make_shared<const Function>(std::move(caller))));
        Args args{rt_, &call_scope, "", {}};
        for (const NodePtr& arg : call.args) args.values.push_back(eval(*arg, scope));
        return invoke(callee.function(), args);
    }

    static std::shared_ptr<const Scope> snapshot(const Scope& scope) {
        std::vector<const Scope*> chain;
        for (const Scope* s = &scope; s; s = s->parent) chain.push_back(s);
        auto copy = std::make_shared<Scope>();
        for (auto it = chain.rbegin(); it != chain.rend(); ++it)
            for (const auto& var : (*it)->vars) copy->set(var.first, var.second);
        return copy;
    }

    // --- calls ---

    Value invoke(const Function& f, Args& args) {
        rt_.step();
        if (f.type == Function::Type::Builtin) {
            args.name = f.name;
            if (f.self) args.values.insert(args.values.begin(), *f.self);
            return f.builtin(args);
        }
        Scope local{f.type == Function::Type::Macro ? args.scope : f.scope.get(), {}};
        bind_parameters(f.name, f.node->args, args, local);
        return render_block(f.node->body, local);
    }

    // A parameter takes its argument by name or by position; past the arguments given, its default.
    void bind_parameters(const std::string& name, const NodeList& params, const Args& args, Scope& local) {
        for (size_t i = 0; i < params.size(); ++i) {
            const Node& p = *params[i];
            const Node* key = &p;
            if (p.is(NodeKind::Keyword)) {
                key = p.a.get();
                if (!key->is(NodeKind::Identifier))
                    throw RuntimeError("Keyword argument key must be an identifier in '" + name + "'");
            } else if (!p.is(NodeKind::Identifier) && i < args.count()) {
                throw RuntimeError("Invalid parameter type in '" + name + "'");
            }
            if (i < args.count()) {
                local.set(key->text, args.keyword_or_at(key->text, i));
            } else if (p.is(NodeKind::Keyword)) {
                local.set(key->text, eval(*p.b, *args.scope));
            } else {
                throw RuntimeError("Not enough arguments provided to '" + name + "'");
            }
        }
    }

    Value builtin_value(const std::string& name, BuiltinFn fn, std::optional<Value> self = std::nullopt) {
        Function f;
        f.name = name;
        f.builtin = fn;
        f.self = std::move(self);
        return Value::function(std::make_shared<const Function>(std::move(f)));
    }

    // --- expressions ---

    Value eval(const Node& n, const Scope& scope) {
        Enter enter(*this, n);
        switch (n.kind) {
            case NodeKind::Identifier: return lookup(n.text, scope);
            case NodeKind::Integer: return Value::integer(n.integer);
            case NodeKind::Float: return Value::number(n.number);
            case NodeKind::String: return rt_.string(n.text);
            case NodeKind::List:
            case NodeKind::Tuple: {
                std::vector<Value> items;
                for (const NodePtr& item : n.args) items.push_back(eval(*item, scope));
                return n.is(NodeKind::List) ? rt_.array(std::move(items)) : rt_.tuple(std::move(items));
            }
            case NodeKind::Dict: {
                const std::shared_ptr<Dict> d = rt_.dict();
                for (size_t i = 0; i + 1 < n.args.size(); i += 2) {
                    const Value key = eval(*n.args[i], scope);
                    const Value value = eval(*n.args[i + 1], scope);
                    d->insert(key, value);
                }
                return Value::object(d);
            }
            case NodeKind::Member: return eval_member(n, scope);
            case NodeKind::Call: return eval_call(n, scope);
            case NodeKind::Keyword: {
                if (!n.a->is(NodeKind::Identifier)) throw RuntimeError("Keyword argument key must be identifiers");
                return Value::kwarg(std::make_shared<const Kwarg>(Kwarg{n.a->text, eval(*n.b, scope)}));
            }
            case NodeKind::Binary: return eval_binary(n, scope);
            case NodeKind::Not: return Value::boolean(!truthy(eval(*n.a, scope)));
            case NodeKind::Filter: return apply_filter(*n.b, eval(*n.a, scope), scope);
            case NodeKind::Test: return eval_test(n, scope);
            case NodeKind::Ternary: return truthy(eval(*n.a, scope)) ? eval(*n.b, scope) : eval(*n.c, scope);
            case NodeKind::Select: return truthy(eval(*n.b, scope)) ? eval(*n.a, scope) : Value();
            case NodeKind::Blank: return Value();
            case NodeKind::Spread: throw RuntimeError("cannot exec SpreadExpression");
            default: throw RuntimeError("cannot evaluate this node");
        }
    }

    // A variable, else a global function, else undefined (naming the variable).
    Value lookup(const std::string& name, const Scope& scope) {
        const Value* v = scope.find(name);
        if (v && !v->is_undefined()) return *v;
        if (const BuiltinFn fn = find_global(name)) return builtin_value(name, fn);
        return Value::undefined(name);
    }

    Value method_or_undefined(const Value& object, const std::string& name) {
        const BuiltinFn fn = find_method(object, name);
        return fn ? builtin_value(name, fn, object) : Value::undefined(name);
    }

    Value eval_member(const Node& n, const Scope& scope) {
        const Value object = eval(*n.a, scope);
        Value property;
        if (n.computed) {
            if (n.b->is(NodeKind::Slice)) return eval_slice(object, *n.b, scope);
            property = eval(*n.b, scope);
        } else {
            if (!n.b->is(NodeKind::Identifier)) throw RuntimeError("Static member property must be an identifier");
            // obj.name is the kind's method when there is one, before any key "name".
            if (const BuiltinFn fn = find_method(object, n.b->text)) return builtin_value(n.b->text, fn, object);
            property = Value::string(n.b->text);
        }
        if (property.is_undefined()) return Value::undefined("object_property");
        if (!is_hashable(property)) throw RuntimeError("Type: " + type_name(property) + " is not allowed as object key");
        if (object.is_undefined()) return Value::undefined("object_property");
        if (object.is_object()) {
            const std::string key = to_text(property).bytes;
            const Value* v = object.dict().find(property);
            if (v && !v->is_undefined()) return *v;
            return method_or_undefined(object, key);
        }
        if (object.is_list() || object.is_string()) {
            if (property.is(Kind::Int)) {
                int64_t index = property.int_value();
                if (object.is_list()) {
                    const auto& items = object.list().items;
                    if (index < 0) index += static_cast<int64_t>(items.size());
                    if (index >= 0 && index < static_cast<int64_t>(items.size())) return items[static_cast<size_t>(index)];
                } else if (index >= 0 && index < static_cast<int64_t>(object.str().size())) {
                    return rt_.string(std::string(1, object.str()[static_cast<size_t>(index)]));
                }
                return Value::undefined("object_property");
            }
            if (property.is_string()) return method_or_undefined(object, property.str());
            throw RuntimeError("Cannot access property with non-string/non-number: got " + type_name(property));
        }
        if (!property.is_string()) throw RuntimeError("Cannot access property with non-string: got " + type_name(property));
        return method_or_undefined(object, property.str());
    }

    // x[start:stop:step] is the kind's slice builtin; the missing bounds are Python's defaults.
    Value eval_slice(const Value& object, const Node& s, const Scope& scope) {
        int64_t size = 0;
        if (object.is_list()) size = static_cast<int64_t>(object.list().items.size());
        if (object.is_string()) size = static_cast<int64_t>(object.str().size());
        const Value step = s.c ? eval(*s.c, scope) : Value::integer(1);
        const Value start = s.a ? eval(*s.a, scope) : Value::integer(as_int(step) < 0 ? size - 1 : 0);
        const Value stop = s.b ? eval(*s.b, scope) : Value::integer(as_int(step) < 0 ? -1 : size);
        const BuiltinFn fn = find_method(object, "slice");
        if (!fn) throw RuntimeError("Unknown (built-in) filter 'slice' for type " + type_name(object));
        Args args{rt_, &scope, "slice", {object, start, stop, step}};
        return fn(args);
    }

    Value eval_call(const Node& n, const Scope& scope) {
        Args args{rt_, &scope, "", {}};
        for (const NodePtr& arg : n.args) args.values.push_back(eval(*arg, scope));
        const Value callee = eval(*n.a, scope);
        if (!callee.is(Kind::Function)) throw RuntimeError("Callee is not a function: got " + type_name(callee));
        return invoke(callee.function(), args);
    }

    Value eval_binary(const Node& n, const Scope& scope) {
        const std::string& op = n.text;
        const Value left = eval(*n.a, scope);
        if (op == "and") return truthy(left) ? eval(*n.b, scope) : left;
        if (op == "or") return truthy(left) ? left : eval(*n.b, scope);
        const Value right = eval(*n.b, scope);
        if (op == "==") return Value::boolean(equals(left, right));
        if (op == "!=") return Value::boolean(!equals(left, right));
        const bool joins = op == "+" || op == "~";
        const bool membership = op == "in" || op == "not in";
        const bool left_null = left.is_undefined() || left.is_none();
        const bool right_null = right.is_undefined() || right.is_none();
        if (left_null || right_null) {
            if (right.is_undefined() && membership) return Value::boolean(op == "not in");
            // none or undefined joined to a string count as "".
            if (joins && ((left_null && right.is_string()) || (right_null && left.is_string())))
                return rt_.concat(left_null ? Text() : left.text(), right_null ? Text() : right.text());
            if (left.is_undefined() || right.is_undefined())
                throw RuntimeError("Cannot perform operation " + op + " on undefined values");
            throw RuntimeError("Cannot perform operation on null values");
        }
        if (left.is_number() && right.is_number()) {
            const double a = left.float_view(), b = right.float_view();
            const bool is_float = left.is(Kind::Float) || right.is(Kind::Float);
            auto number = [&](double r) { return is_float ? Value::number(r) : Value::integer(truncate_to_int64(r)); };
            if (op == "+") return number(a + b);
            if (op == "-") return number(a - b);
            if (op == "*") return number(a * b);
            if (op == "/") return Value::number(a / b);
            if (op == "%") return number(std::fmod(a, b));
            if (op == "<") return Value::boolean(a < b);
            if (op == ">") return Value::boolean(a > b);
            if (op == ">=") return Value::boolean(a >= b);
            if (op == "<=") return Value::boolean(a <= b);
        }
        if (left.is_list() && right.is_list()) {
            if (op == "+") {
                std::vector<Value> items = left.list().items;
                rt_.check_items(items.size() + right.list().items.size());
                items.insert(items.end(), right.list().items.begin(), right.list().items.end());
                return rt_.array(std::move(items));
            }
        } else if (right.is_list() && membership) {
            return contains(left, right, op, scope);
        }
        if ((left.is_string() || right.is_string()) && joins) {
            if (left.is_string() && right.is_string()) return rt_.concat(left.text(), right.text());
            return rt_.concat(to_text(left), to_text(right));
        }
        if (op == "*" && ((left.is_string() && right.is(Kind::Int)) || (left.is(Kind::Int) && right.is_string())))
            return repeat(left.is_string() ? left : right, left.is_string() ? right.int_value() : left.int_value());
        if (left.is_string() && right.is_string() && membership) return contains(left, right, op, scope);
        if (right.is_object() && membership) return contains(left, right, op, scope);
        throw RuntimeError("Unknown operator \"" + op + "\" between " + type_name(left) + " and " + type_name(right));
    }

    Value contains(const Value& needle, const Value& haystack, const std::string& op, const Scope& scope) {
        Args args{rt_, &scope, "", {needle, haystack}};
        const bool found = truthy(tests::in(args));
        return Value::boolean(op == "in" ? found : !found);
    }

    // "ab" * 3: the parts repeated too.
    Value repeat(const Value& s, int64_t times) {
        if (times <= 0) return Value::string(Text());
        const uint64_t n = static_cast<uint64_t>(times), cost = Runtime::cost(s.text());
        if (n > rt_.limits.max_string_bytes || (cost > 0 && n > rt_.limits.max_string_bytes / cost))
            throw RuntimeError("string repetition too long: " + std::to_string(s.str().size()) + " bytes times " +
                               std::to_string(times));
        rt_.charge(static_cast<size_t>(n * cost));
        Text t;
        t.bytes.reserve(static_cast<size_t>(n * s.str().size()));
        for (uint64_t i = 0; i < n; ++i) t.append(s.text());
        return Value::string(std::move(t));
    }

    static std::string filter_alias(const std::string& name) {
        if (name == "count") return "length";
        if (name == "d") return "default";
        if (name == "e") return "escape";
        if (name == "trim") return "strip";
        return name;
    }

    // input|name or input|name(args): the input kind's builtin of that name.
    Value apply_filter(const Node& filter, Value input, const Scope& scope) {
        Args args{rt_, &scope, "", {}};
        std::string name;
        if (filter.is(NodeKind::Identifier)) {
            name = filter_alias(filter.text);
            static const char* const kStringFilters[] = {"capitalize", "lower", "replace", "strip", "title", "upper", "wordcount"};
            if (!input.is_undefined() && !input.is_string())
                for (const char* f : kStringFilters)
                    if (name == f) {
                        input = rt_.string(to_text(input));
                        break;
                    }
        } else if (filter.is(NodeKind::Call)) {
            if (!filter.a->is(NodeKind::Identifier)) throw RuntimeError("Filter callee must be an identifier");
            name = filter_alias(filter.a->text);
            for (const NodePtr& arg : filter.args) args.values.push_back(eval(*arg, scope));
        } else {
            throw RuntimeError("Invalid filter expression");
        }
        const BuiltinFn fn = find_method(input, name);
        if (!fn) throw RuntimeError("Unknown (built-in) filter '" + name + "' for type " + type_name(input));
        rt_.step();
        args.name = name;
        args.values.insert(args.values.begin(), input);
        return fn(args);
    }

    Value eval_test(const Node& n, const Scope& scope) {
        Args args{rt_, &scope, "", {eval(*n.a, scope)}};
        const Node& test = *n.b;
        std::string name;
        if (test.is(NodeKind::Identifier)) {
            name = test.text;
        } else if (test.is(NodeKind::Call)) {
            if (!test.a->is(NodeKind::Identifier)) throw RuntimeError("Test callee must be an identifier");
            name = test.a->text;
            for (const NodePtr& arg : test.args) args.values.push_back(eval(*arg, scope));
        } else {
            throw RuntimeError("Invalid test expression");
        }
        const BuiltinFn fn = find_test(name);
        if (!fn) throw RuntimeError("Unknown test '" + name + "'");
        const Value result = fn(args);
        return n.negated ? Value::boolean(!truthy(result)) : result;
    }

    const std::string& src_;
    Runtime& rt_;
    size_t pos_ = 0;
    size_t depth_ = 0;
};

}  // namespace chord::jinja
