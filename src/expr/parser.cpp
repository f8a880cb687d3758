#include "expr/parser.hpp"

#include "expr/error.hpp"
#include "expr/functions.hpp"
#include "expr/regex_guard.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <optional>

namespace chainbot::expr::detail {

namespace {

std::unique_ptr<node> make_node(node_kind kind, std::size_t begin, std::size_t end) {
    auto n = std::make_unique<node>();
    n->kind = kind;
    n->begin = static_cast<std::uint32_t>(begin);
    n->end = static_cast<std::uint32_t>(end);
    return n;
}

bool is_number_literal(const node& n) {
    return n.kind == node_kind::literal && (n.literal.is_int64() || n.literal.is_double());
}

std::string arity_text(const builtin& fn) {
    const auto plural = [](std::size_t n) { return n == 1 ? "argument" : "arguments"; };
    if (fn.max_args == fn.min_args) return fmt::format("takes {} {}", fn.min_args, plural(fn.min_args));
    if (fn.max_args == unbounded_args) return fmt::format("takes at least {} {}", fn.min_args, plural(fn.min_args));
    return fmt::format("takes {} to {} arguments", fn.min_args, fn.max_args);
}

}  // namespace

class parser::depth_guard {
public:
    depth_guard(parser& p, std::size_t column) : parser_(p) {
        if (++parser_.depth_ > parser_.lim_.max_depth)
            parser_.fail(column, fmt::format("expression nested deeper than {} levels", parser_.lim_.max_depth));
    }
    ~depth_guard() { --parser_.depth_; }
    depth_guard(const depth_guard&) = delete;
    depth_guard& operator=(const depth_guard&) = delete;

private:
    parser& parser_;
};

parser::parser(std::string_view source, std::size_t start, const limits& lim)
    : source_(source), start_(start), lim_(lim), lexer_(source, start) {}

void parser::fail(std::size_t column, std::string_view what) const {
    throw parse_error(fmt::format("{} at column {}", what, column), column);
}

void parser::advance() {
    last_end_ = cur_.end;
    cur_ = lexer_.next();
    if (cur_.end - start_ > lim_.max_source_length)
        fail(start_ + lim_.max_source_length,
             fmt::format("expression longer than {} characters", lim_.max_source_length));
}

token parser::peek() const {
    lexer copy = lexer_;
    return copy.next();
}

void parser::expect(token_kind kind) {
    if (cur_.kind != kind) fail(cur_.begin, fmt::format("expected {}", describe(kind)));
    advance();
}

bool parser::at_word(std::string_view word) const {
    return cur_.kind == token_kind::identifier && cur_.text == word;
}
bool parser::at_or() const { return cur_.kind == token_kind::or_or || at_word("or"); }
bool parser::at_and() const { return cur_.kind == token_kind::and_and || at_word("and"); }
bool parser::at_not() const { return cur_.kind == token_kind::bang || at_word("not"); }

std::unique_ptr<node> parser::parse_all() {
    if (source_.size() - start_ > lim_.max_source_length)
        fail(start_ + lim_.max_source_length,
             fmt::format("expression longer than {} characters", lim_.max_source_length));
    advance();
    auto root = parse_or();
    if (cur_.kind != token_kind::end) fail(cur_.begin, "expected an operator or the end of the expression");
    return root;
}

std::unique_ptr<node> parser::parse_embedded(std::size_t& end) {
    advance();
    auto root = parse_or();
    if (cur_.kind != token_kind::right_brace) fail(cur_.begin, "expected '}'");
    end = cur_.end;
    return root;
}

std::vector<std::string> parser::references() const {
    auto names = references_;
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
}

std::unique_ptr<node> parser::parse_logical(op oper, bool (parser::*at_op)() const,
                                            std::unique_ptr<node> (parser::*operand)()) {
    const std::size_t begin = cur_.begin;
    auto first = (this->*operand)();
    if (!(this->*at_op)()) return first;
    auto n = make_node(node_kind::logical, begin, first->end);
    n->oper = oper;
    n->children.push_back(std::move(first));
    while ((this->*at_op)()) {
        advance();
        n->children.push_back((this->*operand)());
    }
    n->end = static_cast<std::uint32_t>(last_end_);
    return n;
}

std::unique_ptr<node> parser::parse_or() { return parse_logical(op::logical_or, &parser::at_or, &parser::parse_and); }

std::unique_ptr<node> parser::parse_and() {
    return parse_logical(op::logical_and, &parser::at_and, &parser::parse_not);
}

// `not` binds looser than comparisons: `not a == b` is `not (a == b)`.
std::unique_ptr<node> parser::parse_not() {
    if (!at_not()) return parse_comparison();
    const std::size_t begin = cur_.begin;
    depth_guard guard(*this, begin);
    advance();
    auto operand = parse_not();
    auto n = make_node(node_kind::unary, begin, last_end_);
    n->oper = op::logical_not;
    n->children.push_back(std::move(operand));
    return n;
}

std::unique_ptr<node> parser::parse_comparison() {
    auto comparison = [this]() -> std::optional<std::pair<op, int>> {
        switch (cur_.kind) {
        case token_kind::equal: return std::pair{op::eq, 1};
        case token_kind::not_equal: return std::pair{op::ne, 1};
        case token_kind::less: return std::pair{op::lt, 1};
        case token_kind::less_equal: return std::pair{op::le, 1};
        case token_kind::greater: return std::pair{op::gt, 1};
        case token_kind::greater_equal: return std::pair{op::ge, 1};
        default: break;
        }
        if (at_word("in")) return std::pair{op::in, 1};
        if (at_word("not")) {
            const token next = peek();
            if (next.kind == token_kind::identifier && next.text == "in") return std::pair{op::not_in, 2};
        }
        return std::nullopt;
    };
    const std::size_t begin = cur_.begin;
    auto lhs = parse_additive();
    const auto found = comparison();
    if (!found) return lhs;
    for (int i = 0; i < found->second; ++i) advance();
    auto rhs = parse_additive();
    if (comparison()) fail(cur_.begin, "comparison operators cannot be chained; expected 'and' or 'or'");
    auto n = make_node(node_kind::compare, begin, last_end_);
    n->oper = found->first;
    n->children.push_back(std::move(lhs));
    n->children.push_back(std::move(rhs));
    return n;
}

std::unique_ptr<node> parser::parse_additive() {
    const std::size_t begin = cur_.begin;
    auto first = parse_multiplicative();
    if (cur_.kind != token_kind::plus && cur_.kind != token_kind::minus) return first;
    auto n = make_node(node_kind::arith, begin, begin);
    n->children.push_back(std::move(first));
    while (cur_.kind == token_kind::plus || cur_.kind == token_kind::minus) {
        n->ops.push_back(cur_.kind == token_kind::plus ? op::add : op::sub);
        advance();
        n->children.push_back(parse_multiplicative());
    }
    n->end = static_cast<std::uint32_t>(last_end_);
    return n;
}

std::unique_ptr<node> parser::parse_multiplicative() {
    auto is_mul = [this] {
        return cur_.kind == token_kind::star || cur_.kind == token_kind::slash || cur_.kind == token_kind::percent;
    };
    const std::size_t begin = cur_.begin;
    auto first = parse_unary();
    if (!is_mul()) return first;
    auto n = make_node(node_kind::arith, begin, begin);
    n->children.push_back(std::move(first));
    while (is_mul()) {
        n->ops.push_back(cur_.kind == token_kind::star ? op::mul : cur_.kind == token_kind::slash ? op::div : op::mod);
        advance();
        n->children.push_back(parse_unary());
    }
    n->end = static_cast<std::uint32_t>(last_end_);
    return n;
}

std::unique_ptr<node> parser::parse_unary() {
    const bool negate = cur_.kind == token_kind::minus;
    if (!negate && !at_not()) return parse_postfix();
    const std::size_t begin = cur_.begin;
    depth_guard guard(*this, begin);
    advance();
    auto operand = parse_unary();
    // Fold `-<number>` so that negative literals cost nothing at run time.
    if (negate && is_number_literal(*operand) &&
        !(operand->literal.is_int64() && operand->literal.get_int64() == std::numeric_limits<std::int64_t>::min())) {
        if (operand->literal.is_int64()) operand->literal = -operand->literal.get_int64();
        else operand->literal = -operand->literal.get_double();
        operand->begin = static_cast<std::uint32_t>(begin);
        return operand;
    }
    auto n = make_node(node_kind::unary, begin, last_end_);
    n->oper = negate ? op::neg : op::logical_not;
    n->children.push_back(std::move(operand));
    return n;
}

std::unique_ptr<node> parser::parse_postfix() {
    const std::size_t begin = cur_.begin;
    auto base = parse_primary();
    if (cur_.kind != token_kind::dot && cur_.kind != token_kind::left_bracket) return base;
    std::unique_ptr<node> path;
    if (base->kind == node_kind::path) {
        path = std::move(base);  // `(a.b)[0]` is `a.b[0]`
        path->begin = static_cast<std::uint32_t>(begin);
    } else {
        path = make_node(node_kind::path, begin, last_end_);
        path->children.push_back(std::move(base));
    }
    while (cur_.kind == token_kind::dot || cur_.kind == token_kind::left_bracket) {
        if (cur_.kind == token_kind::left_bracket) {
            parse_index(*path);
            continue;
        }
        advance();
        if (cur_.kind != token_kind::identifier) {
            if (cur_.kind == token_kind::integer) fail(cur_.begin, "expected a name after '.' (index arrays with [n])");
            fail(cur_.begin, "expected a name after '.'");
        }
        segment seg;
        seg.type = segment::kind::key;
        seg.key = std::string(cur_.text);
        path->segments.push_back(std::move(seg));
        path->end = static_cast<std::uint32_t>(cur_.end);
        advance();
    }
    return path;
}

void parser::parse_index(node& path) {
    depth_guard guard(*this, cur_.begin);
    advance();
    auto index = parse_or();
    if (cur_.kind != token_kind::right_bracket) fail(cur_.begin, "expected ']'");
    path.end = static_cast<std::uint32_t>(cur_.end);
    advance();
    segment seg;
    if (index->kind == node_kind::literal && index->literal.is_int64()) {
        seg.type = segment::kind::index;
        seg.index = index->literal.get_int64();
    } else if (index->kind == node_kind::literal && index->literal.is_string()) {
        seg.type = segment::kind::key;
        seg.key = std::string(index->literal.get_string());
    } else {
        seg.type = segment::kind::computed;
        seg.expr = std::move(index);
    }
    path.segments.push_back(std::move(seg));
}

std::unique_ptr<node> parser::parse_primary() {
    const std::size_t begin = cur_.begin;
    switch (cur_.kind) {
    case token_kind::integer:
    case token_kind::real:
    case token_kind::string: {
        auto n = make_node(node_kind::literal, begin, cur_.end);
        if (cur_.kind == token_kind::integer) n->literal = cur_.int_value;
        else if (cur_.kind == token_kind::real) n->literal = cur_.real_value;
        else n->literal = boost::json::string(cur_.string_value);
        advance();
        return n;
    }
    case token_kind::identifier: {
        if (at_word("true") || at_word("false") || at_word("null")) {
            auto n = make_node(node_kind::literal, begin, cur_.end);
            if (!at_word("null")) n->literal = at_word("true");
            advance();
            return n;
        }
        if (at_word("and") || at_word("or") || at_word("in") || at_word("not"))
            fail(begin, fmt::format("expected an expression, found '{}'", cur_.text));
        if (peek().kind == token_kind::left_paren) return parse_call();
        auto n = make_node(node_kind::path, begin, cur_.end);
        n->root = std::string(cur_.text);
        references_.push_back(n->root);
        advance();
        return n;
    }
    case token_kind::left_paren:
    case token_kind::dollar_brace: {
        const token_kind close =
            cur_.kind == token_kind::left_paren ? token_kind::right_paren : token_kind::right_brace;
        depth_guard guard(*this, begin);
        advance();
        auto inner = parse_or();
        expect(close);
        return inner;
    }
    case token_kind::left_bracket: return parse_array();
    case token_kind::end: fail(begin, "expected an expression");
    default: fail(begin, fmt::format("expected an expression, found {}", describe(cur_.kind)));
    }
}

std::unique_ptr<node> parser::parse_call() {
    const std::string_view name = cur_.text;
    const std::size_t begin = cur_.begin;
    const builtin* fn = find_builtin(name);
    if (fn == nullptr) fail(begin, fmt::format("unknown function '{}'", name));
    auto call = make_node(node_kind::call, begin, cur_.end);
    call->fn = fn;
    advance();  // the name
    depth_guard guard(*this, cur_.begin);
    advance();  // '('
    if (cur_.kind != token_kind::right_paren) {
        for (;;) {
            call->children.push_back(parse_or());
            if (cur_.kind != token_kind::comma) break;
            advance();
        }
    }
    if (cur_.kind != token_kind::right_paren) fail(cur_.begin, "expected ',' or ')'");
    call->end = static_cast<std::uint32_t>(cur_.end);
    advance();
    check_call(*call);
    return call;
}

void parser::check_call(node& call) const {
    const builtin& fn = *call.fn;
    const std::size_t count = call.children.size();
    if (count < fn.min_args || count > fn.max_args)
        fail(call.begin, fmt::format("function '{}' {}, got {}", fn.name, arity_text(fn), count));
    if (fn.name == "exists" && call.children[0]->kind != node_kind::path)
        fail(call.children[0]->begin, "exists() expects a path such as step1.output");
    if (fn.name == "matches" && call.children[1]->kind == node_kind::literal &&
        call.children[1]->literal.is_string()) {
        std::string problem;
        call.pattern = compile_regex(call.children[1]->literal.get_string(), lim_, problem);
        if (!call.pattern) fail(call.children[1]->begin, problem);
    }
}

std::unique_ptr<node> parser::parse_array() {
    const std::size_t begin = cur_.begin;
    depth_guard guard(*this, begin);
    advance();
    auto array = make_node(node_kind::array, begin, begin);
    if (cur_.kind != token_kind::right_bracket) {
        for (;;) {
            array->children.push_back(parse_or());
            if (cur_.kind != token_kind::comma) break;
            advance();
        }
    }
    if (cur_.kind != token_kind::right_bracket) fail(cur_.begin, "expected ',' or ']'");
    array->end = static_cast<std::uint32_t>(cur_.end);
    advance();
    // An array of literals is itself a literal, built once.
    if (std::all_of(array->children.begin(), array->children.end(),
                    [](const auto& item) { return item->kind == node_kind::literal; })) {
        boost::json::array items;
        items.reserve(array->children.size());
        for (auto& item : array->children) items.push_back(std::move(item->literal));
        array->children.clear();
        array->kind = node_kind::literal;
        array->literal = std::move(items);
    }
    return array;
}

}  // namespace chainbot::expr::detail
