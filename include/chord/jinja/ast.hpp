// The syntax tree of a template: one node type, tagged by kind.
//
// Each kind uses a few of the fields; the table below says which. A template is a list of
// statement nodes; a {{ expression }} is an expression node standing as a statement.
//
//   kind          fields
//   Text          text: the literal output
//   Comment       (nothing)
//   Noop          (nothing; {% generation %} and {% endgeneration %}, which llama.cpp ignores)
//   If            a: test; body; orelse (an {% elif %} is an If alone in orelse)
//   For           a: target (Identifier or Tuple); b: iterable (a Select for "for x in xs if c");
//                 body; orelse ({% else %}: runs when no iteration completed)
//   Set           a: target (Identifier, Tuple or Member); b: value, or null for {% set x %}body
//   Macro         a: name; args: parameters (Identifier, or Keyword with the default); body
//   Break, Continue
//   CallBlock     a: the Call; args: caller's parameters; body: what caller() renders
//   FilterBlock   a: filter (Identifier or Call); body
//
//   Identifier    text: name
//   Integer       integer;  Float  number;  String  text
//   List, Tuple   args: items
//   Dict          args: key, value, key, value, ...
//   Member        a: object; b: property (a Slice for x[a:b:c]); computed: x[...] rather than x.name
//   Slice         a, b, c: start, stop, step, each possibly null
//   Blank         the missing index of x[]
//   Call          a: callee; args (Keyword for name=value, Spread for *x)
//   Keyword       a: name (an Identifier when valid); b: value
//   Spread        a
//   Binary        text: operator (+ - ~ * / % == != < > <= >= in "not in" and or); a, b
//   Not           a
//   Filter        a: operand; b: filter (Identifier, or a Call of one)
//   Test          a: operand; b: test (Identifier, or a Call of one); negated: "is not"
//   Ternary       a: condition; b: value if true; c: value if false
//   Select        a: value; b: condition ("x if c" without else: undefined when c is false)
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace chord::jinja {

enum class NodeKind : uint8_t {
    Text, Comment, Noop, If, For, Set, Macro, Break, Continue, CallBlock, FilterBlock,
    Identifier, Integer, Float, String, List, Tuple, Dict, Member, Slice, Blank, Call, Keyword, Spread,
    Binary, Not, Filter, Test, Ternary, Select,
};

struct Node;
using NodePtr = std::unique_ptr<Node>;
using NodeList = std::vector<NodePtr>;

struct Node {
    NodeKind kind;
    size_t pos;  // byte offset in the normalised source, for error messages
    std::string text;
    int64_t integer = 0;
    double number = 0;
    bool computed = false;
    bool negated = false;
    NodePtr a, b, c;
    NodeList args;
    NodeList body;
    NodeList orelse;

    Node(NodeKind k, size_t p) : kind(k), pos(p) {}
    ~Node();
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;
    bool is(NodeKind k) const { return kind == k; }
};

// Iterative: a hostile template can nest a million deep ("1+1+1+..."), which recursive
// destruction would turn into a stack overflow.
inline Node::~Node() {
    std::vector<NodePtr> pending;
    auto adopt = [&](Node& n) {
        for (NodePtr* child : {&n.a, &n.b, &n.c})
            if (*child) pending.push_back(std::move(*child));
        for (NodeList* list : {&n.args, &n.body, &n.orelse}) {
            for (NodePtr& child : *list)
                if (child) pending.push_back(std::move(child));
            list->clear();
        }
    };
    adopt(*this);
    while (!pending.empty()) {
        NodePtr node = std::move(pending.back());
        pending.pop_back();
        adopt(*node);
    }
}

inline NodePtr make_node(NodeKind kind, size_t pos) { return std::make_unique<Node>(kind, pos); }

}  // namespace chord::jinja
