// The parser: tokens -> syntax tree, with llama.cpp's grammar.
//
// Precedence, loosest first:  x if c else y  <  or  <  and  <  not  <  comparisons, in, not in
// (one level, left to right: a < b < c is (a < b) < c)  <  + - ~  <  * / %  <  is [not] test
// <  |filter  <  calls, .attr, [index], [a:b:c]  <  literals, names, ( ), [ ], { }.
//
// The engine's grammar, kept as it is: a unary minus exists only as part of a number literal
// ("-1"; "-x" does not parse, nor "else -1", where the minus reads as binary); there is no ** or //;
// "x if c" without else is allowed (undefined when c is false), and in a for loop it filters the
// items; commas between call arguments and list items are optional; adjacent string literals
// join. Statements: if/elif/else, for/else, set (also block set), macro, call (with caller
// parameters), filter, break, continue, and generation/endgeneration (ignored); no recursive loops,
// no raw blocks, no include or import.
#pragma once

#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "chord/jinja/ast.hpp"
#include "chord/jinja/lexer.hpp"

namespace chord::jinja {

namespace detail {

class Parser {
public:
    Parser(const Lexed& lexed, size_t max_depth) : tokens_(lexed.tokens), src_(lexed.source), max_depth_(max_depth) {}

    NodeList run() {
        NodeList program;
        while (current_ < tokens_.size()) program.push_back(parse_any());
        return program;
    }

private:
    // Counts nesting (blocks, parentheses, chained calls and conditionals) against the limit, so
    // that a hostile template cannot overflow the stack.
    class Nesting {
    public:
        explicit Nesting(Parser& p) : p_(p) {
            if (++p_.depth_ > p_.max_depth_)
                p_.fail(p_.peek(), "nested deeper than " + std::to_string(p_.max_depth_) + " levels");
        }
        ~Nesting() { --p_.depth_; }
        Nesting(const Nesting&) = delete;
        Nesting& operator=(const Nesting&) = delete;

    private:
        Parser& p_;
    };

    const Token& peek(size_t offset = 0) const {
        static const Token eof{TokenType::Eof, "", 0};
        return current_ + offset < tokens_.size() ? tokens_[current_ + offset] : eof;
    }
    size_t pos_of(const Token& t) const { return t.type == TokenType::Eof ? src_.size() : t.pos; }

    [[noreturn]] void fail(const Token& at, const std::string& what) const {
        throw template_error(src_, pos_of(at), what);
    }

    const Token& next() {
        if (current_ >= tokens_.size()) fail(peek(), "unexpected end of template");
        return tokens_[current_++];
    }

    bool is(TokenType type) const { return peek().type == type; }
    bool is_word(const char* name, size_t offset = 0) const {
        return peek(offset).type == TokenType::Identifier && peek(offset).value == name;
    }
    // At "{% name" for one of the names.
    bool at_statement(std::initializer_list<const char*> names) const {
        if (!is(TokenType::OpenStatement) || peek(1).type != TokenType::Identifier) return false;
        for (const char* name : names)
            if (peek(1).value == name) return true;
        return false;
    }

    static std::string describe(const Token& t) { return t.type == TokenType::Eof ? "end of template" : "'" + t.value + "'"; }

    const Token& expect(TokenType type, const char* what) {
        if (!is(type)) fail(peek(), std::string("expected ") + what + ", got " + describe(peek()));
        return tokens_[current_++];
    }
    void expect_word(const char* name) {
        if (!is_word(name)) fail(peek(), std::string("expected '") + name + "', got " + describe(peek()));
        ++current_;
    }
    // {% endname %}
    void expect_end(const char* name) {
        expect(TokenType::OpenStatement, "{%");
        expect_word(name);
        expect(TokenType::CloseStatement, "%}");
    }

    // Statements until one of the names opens a statement; the end of the template is an error.
    NodeList parse_block_until(std::initializer_list<const char*> names) {
        NodeList body;
        while (!at_statement(names)) body.push_back(parse_any());
        return body;
    }

    NodePtr parse_any() {
        Nesting nesting(*this);
        const Token& t = peek();
        switch (t.type) {
            case TokenType::Comment: {
                ++current_;
                return make_node(NodeKind::Comment, t.pos);
            }
            case TokenType::Text: {
                NodePtr n = make_node(NodeKind::Text, t.pos);
                n->text = t.value;
                ++current_;
                return n;
            }
            case TokenType::OpenStatement: return parse_statement();
            case TokenType::OpenExpression: {
                ++current_;
                NodePtr e = parse_expression();
                expect(TokenType::CloseExpression, "}}");
                return e;
            }
            default: fail(t, "unexpected " + describe(t));
        }
    }

    NodePtr parse_statement() {
        expect(TokenType::OpenStatement, "{%");
        if (!is(TokenType::Identifier)) fail(peek(), "expected a statement name, got " + describe(peek()));
        const Token& name_token = next();
        const std::string& name = name_token.value;
        const size_t pos = name_token.pos;
        if (name == "set") return parse_set(pos);
        if (name == "if") {
            NodePtr n = parse_if(pos);
            expect_end("endif");
            return n;
        }
        if (name == "for") {
            NodePtr n = parse_for(pos);
            expect_end("endfor");
            return n;
        }
        if (name == "macro") {
            NodePtr n = make_node(NodeKind::Macro, pos);
            n->a = parse_primary();
            n->args = parse_args();
            expect(TokenType::CloseStatement, "%}");
            n->body = parse_block_until({"endmacro"});
            expect_end("endmacro");
            return n;
        }
        if (name == "break" || name == "continue") {
            expect(TokenType::CloseStatement, "%}");
            return make_node(name == "break" ? NodeKind::Break : NodeKind::Continue, pos);
        }
        if (name == "call") return parse_call_block(pos);
        if (name == "filter") {
            NodePtr n = make_node(NodeKind::FilterBlock, pos);
            n->a = parse_primary();
            if (n->a->is(NodeKind::Identifier) && is(TokenType::OpenParen)) n->a = parse_call(std::move(n->a));
            expect(TokenType::CloseStatement, "%}");
            n->body = parse_block_until({"endfilter"});
            expect_end("endfilter");
            return n;
        }
        if (name == "generation" || name == "endgeneration") {
            ++current_;  // the engine skips one token, the %}, unchecked
            return make_node(NodeKind::Noop, pos);
        }
        fail(name_token, "unknown statement '" + name + "'");
    }

    NodePtr parse_set(size_t pos) {
        NodePtr n = make_node(NodeKind::Set, pos);
        n->a = parse_sequence(false);
        if (is(TokenType::Equals)) {
            ++current_;
            n->b = parse_sequence(false);
        } else {
            expect(TokenType::CloseStatement, "%}");
            n->body = parse_block_until({"endset"});
            expect(TokenType::OpenStatement, "{%");
            expect_word("endset");
        }
        expect(TokenType::CloseStatement, "%}");
        return n;
    }

    // After "{% if" or "{% elif"; the caller consumes {% endif %}.
    NodePtr parse_if(size_t pos) {
        Nesting nesting(*this);
        NodePtr n = make_node(NodeKind::If, pos);
        n->a = parse_expression();
        expect(TokenType::CloseStatement, "%}");
        n->body = parse_block_until({"elif", "else", "endif"});
        if (at_statement({"elif"})) {
            const size_t elif_pos = peek(1).pos;
            current_ += 2;
            n->orelse.push_back(parse_if(elif_pos));
        } else if (at_statement({"else"})) {
            current_ += 2;
            expect(TokenType::CloseStatement, "%}");
            n->orelse = parse_block_until({"endif"});
        }
        return n;
    }

    NodePtr parse_for(size_t pos) {
        NodePtr n = make_node(NodeKind::For, pos);
        n->a = parse_sequence(true);
        expect_word("in");
        n->b = parse_expression();
        expect(TokenType::CloseStatement, "%}");
        n->body = parse_block_until({"endfor", "else"});
        if (at_statement({"else"})) {
            current_ += 2;
            expect(TokenType::CloseStatement, "%}");
            n->orelse = parse_block_until({"endfor"});
        }
        return n;
    }

    NodePtr parse_call_block(size_t pos) {
        NodePtr n = make_node(NodeKind::CallBlock, pos);
        if (is(TokenType::OpenParen)) n->args = parse_args();  // {% call(x) m() %}
        NodePtr callee = parse_primary();
        if (!callee->is(NodeKind::Identifier)) fail(tokens_[current_ - 1], "expected a macro name after 'call'");
        NodePtr call = make_node(NodeKind::Call, pos);
        call->a = std::move(callee);
        call->args = parse_args();
        n->a = std::move(call);
        expect(TokenType::CloseStatement, "%}");
        n->body = parse_block_until({"endcall"});
        expect_end("endcall");
        return n;
    }

    // a, b, c as a Tuple; a single item alone. For loop targets only primaries are read.
    NodePtr parse_sequence(bool primary) {
        const size_t pos = pos_of(peek());
        NodeList items;
        items.push_back(primary ? parse_primary() : parse_expression());
        const bool tuple = is(TokenType::Comma);
        while (is(TokenType::Comma)) {
            ++current_;
            items.push_back(primary ? parse_primary() : parse_expression());
        }
        if (!tuple) return std::move(items[0]);
        NodePtr n = make_node(NodeKind::Tuple, pos);
        n->args = std::move(items);
        return n;
    }

    NodePtr parse_expression() { return parse_conditional(); }

    NodePtr parse_conditional() {
        Nesting nesting(*this);
        NodePtr value = parse_or();
        if (!is_word("if")) return value;
        const size_t if_pos = peek().pos;
        ++current_;
        NodePtr condition = parse_or();
        if (is_word("else")) {
            NodePtr n = make_node(NodeKind::Ternary, peek().pos);
            ++current_;
            n->a = std::move(condition);
            n->b = std::move(value);
            n->c = parse_conditional();
            return n;
        }
        NodePtr n = make_node(NodeKind::Select, if_pos);
        n->a = std::move(value);
        n->b = std::move(condition);
        return n;
    }

    NodePtr binary(const Token& op, std::string name, NodePtr left, NodePtr right) {
        NodePtr n = make_node(NodeKind::Binary, op.pos);
        n->text = std::move(name);
        n->a = std::move(left);
        n->b = std::move(right);
        return n;
    }

    NodePtr parse_or() {
        NodePtr left = parse_and();
        while (is_word("or")) {
            const Token& op = next();
            left = binary(op, "or", std::move(left), parse_and());
        }
        return left;
    }

    NodePtr parse_and() {
        NodePtr left = parse_not();
        while (is_word("and")) {
            const Token& op = next();
            left = binary(op, "and", std::move(left), parse_not());
        }
        return left;
    }

    NodePtr parse_not() {
        if (!is_word("not")) return parse_comparison();
        Nesting nesting(*this);
        NodePtr n = make_node(NodeKind::Not, next().pos);
        n->a = parse_not();
        return n;
    }

    NodePtr parse_comparison() {
        NodePtr left = parse_additive();
        for (;;) {
            if (is_word("not") && is_word("in", 1)) {
                const Token& op = next();
                ++current_;
                left = binary(op, "not in", std::move(left), parse_additive());
            } else if (is_word("in") || is(TokenType::Comparison)) {
                const Token& op = next();
                left = binary(op, op.value, std::move(left), parse_additive());
            } else {
                return left;
            }
        }
    }

    NodePtr parse_additive() {
        NodePtr left = parse_multiplicative();
        while (is(TokenType::Additive)) {
            const Token& op = next();
            left = binary(op, op.value, std::move(left), parse_multiplicative());
        }
        return left;
    }

    NodePtr parse_multiplicative() {
        NodePtr left = parse_test();
        while (is(TokenType::Multiplicative)) {
            const Token& op = next();
            left = binary(op, op.value, std::move(left), parse_test());
        }
        return left;
    }

    NodePtr parse_test() {
        NodePtr operand = parse_filter();
        while (is_word("is")) {
            NodePtr n = make_node(NodeKind::Test, next().pos);
            if (is_word("not")) {
                ++current_;
                n->negated = true;
            }
            n->b = parse_primary();
            if (is(TokenType::OpenParen)) n->b = parse_call(std::move(n->b));
            n->a = std::move(operand);
            operand = std::move(n);
        }
        return operand;
    }

    NodePtr parse_filter() {
        NodePtr operand = parse_postfix();
        while (is(TokenType::Pipe)) {
            NodePtr n = make_node(NodeKind::Filter, next().pos);
            n->b = parse_primary();
            if (is(TokenType::OpenParen)) n->b = parse_call(std::move(n->b));
            n->a = std::move(operand);
            operand = std::move(n);
        }
        return operand;
    }

    NodePtr parse_postfix() {
        NodePtr member = parse_member(parse_primary());
        return is(TokenType::OpenParen) ? parse_call(std::move(member)) : std::move(member);
    }

    NodePtr parse_call(NodePtr callee) {
        Nesting nesting(*this);
        NodePtr call = make_node(NodeKind::Call, peek().pos);
        call->a = std::move(callee);
        call->args = parse_args();
        NodePtr member = parse_member(std::move(call));
        return is(TokenType::OpenParen) ? parse_call(std::move(member)) : std::move(member);
    }

    NodeList parse_args() {
        expect(TokenType::OpenParen, "(");
        NodeList args;
        while (!is(TokenType::CloseParen)) {
            if (is(TokenType::Multiplicative) && peek().value == "*") {
                NodePtr spread = make_node(NodeKind::Spread, next().pos);
                spread->a = parse_expression();
                args.push_back(std::move(spread));
            } else {
                NodePtr arg = parse_expression();
                if (is(TokenType::Equals)) {
                    NodePtr keyword = make_node(NodeKind::Keyword, next().pos);
                    keyword->a = std::move(arg);
                    keyword->b = parse_expression();
                    arg = std::move(keyword);
                }
                args.push_back(std::move(arg));
            }
            if (is(TokenType::Comma)) ++current_;
        }
        expect(TokenType::CloseParen, ")");
        return args;
    }

    NodePtr parse_member(NodePtr object) {
        const size_t pos = pos_of(peek());
        while (is(TokenType::Dot) || is(TokenType::OpenBracket)) {
            const bool computed = next().type == TokenType::OpenBracket;
            NodePtr n = make_node(NodeKind::Member, pos);
            n->computed = computed;
            if (computed) {
                n->b = parse_subscript();
                expect(TokenType::CloseBracket, "]");
            } else {
                n->b = parse_primary();
            }
            n->a = std::move(object);
            object = std::move(n);
        }
        return object;
    }

    // Inside [ ]: an index, a slice a:b:c (any part may be missing), or nothing.
    NodePtr parse_subscript() {
        const size_t pos = pos_of(peek());
        NodeList parts;
        bool slice = false;
        while (!is(TokenType::CloseBracket)) {
            if (is(TokenType::Colon)) {
                parts.push_back(nullptr);
                ++current_;
                slice = true;
            } else {
                parts.push_back(parse_expression());
                if (is(TokenType::Colon)) {
                    ++current_;
                    slice = true;
                }
            }
        }
        if (slice) {
            NodePtr n = make_node(NodeKind::Slice, pos);
            if (parts.size() > 0) n->a = std::move(parts[0]);
            if (parts.size() > 1) n->b = std::move(parts[1]);
            if (parts.size() > 2) n->c = std::move(parts[2]);
            return n;
        }
        if (parts.empty()) return make_node(NodeKind::Blank, pos);
        return std::move(parts[0]);
    }

    NodePtr parse_number(const Token& t) {
        const bool is_float = t.value.find('.') != std::string::npos;
        NodePtr n = make_node(is_float ? NodeKind::Float : NodeKind::Integer, t.pos);
        errno = 0;
        char* end = nullptr;
        if (is_float) {
            n->number = std::strtod(t.value.c_str(), &end);
        } else {
            n->integer = std::strtoll(t.value.c_str(), &end, 10);
        }
        if (errno == ERANGE) fail(t, "number out of range: " + t.value);
        return n;
    }

    NodePtr parse_primary() {
        const Token& t = next();
        switch (t.type) {
            case TokenType::Number: return parse_number(t);
            case TokenType::String: {
                NodePtr n = make_node(NodeKind::String, t.pos);
                n->text = t.value;
                while (is(TokenType::String)) n->text += next().value;
                return n;
            }
            case TokenType::Identifier: {
                NodePtr n = make_node(NodeKind::Identifier, t.pos);
                n->text = t.value;
                return n;
            }
            case TokenType::OpenParen: {
                NodePtr n = parse_sequence(false);
                expect(TokenType::CloseParen, ")");
                return n;
            }
            case TokenType::OpenBracket: {
                NodePtr n = make_node(NodeKind::List, t.pos);
                while (!is(TokenType::CloseBracket)) {
                    n->args.push_back(parse_expression());
                    if (is(TokenType::Comma)) ++current_;
                }
                ++current_;
                return n;
            }
            case TokenType::OpenBrace: {
                NodePtr n = make_node(NodeKind::Dict, t.pos);
                while (!is(TokenType::CloseBrace)) {
                    n->args.push_back(parse_expression());
                    expect(TokenType::Colon, ":");
                    n->args.push_back(parse_expression());
                    if (is(TokenType::Comma)) ++current_;
                }
                ++current_;
                return n;
            }
            default: fail(t, "unexpected " + describe(t));
        }
    }

    const std::vector<Token>& tokens_;
    const std::string& src_;
    const size_t max_depth_;
    size_t current_ = 0;
    size_t depth_ = 0;
};

}  // namespace detail

// Throws chord::Error (Malformed) naming the line and column of the first syntax error.
inline NodeList parse(const Lexed& lexed, size_t max_depth) { return detail::Parser(lexed, max_depth).run(); }

}  // namespace chord::jinja
