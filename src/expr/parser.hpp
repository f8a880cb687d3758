#pragma once
// Recursive descent over the grammar in docs/expressions.md. Nesting is bounded by
// limits::max_depth, so neither parsing nor evaluation can exhaust the stack.

#include "expr/ast.hpp"
#include "expr/context.hpp"
#include "expr/lexer.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace chainbot::expr::detail {

class parser {
public:
    /// @brief Parses `source` from `start`; `source` must outlive the parser.
    parser(std::string_view source, std::size_t start, const limits& lim);

    /// @brief Parses an expression that extends to the end of the source.
    std::unique_ptr<node> parse_all();

    /// @brief Parses an expression closed by `}` (a template placeholder whose `${` precedes `start`);
    /// `end` receives the position after the `}`.
    std::unique_ptr<node> parse_embedded(std::size_t& end);

    /// @brief Root names seen so far, sorted and distinct.
    std::vector<std::string> references() const;

private:
    class depth_guard;

    void advance();
    token peek() const;
    void expect(token_kind kind);
    [[noreturn]] void fail(std::size_t column, std::string_view what) const;
    bool at_word(std::string_view word) const;
    bool at_or() const;
    bool at_and() const;
    bool at_not() const;

    std::unique_ptr<node> parse_or();
    std::unique_ptr<node> parse_and();
    std::unique_ptr<node> parse_not();
    std::unique_ptr<node> parse_comparison();
    std::unique_ptr<node> parse_additive();
    std::unique_ptr<node> parse_multiplicative();
    std::unique_ptr<node> parse_unary();
    std::unique_ptr<node> parse_postfix();
    std::unique_ptr<node> parse_primary();
    std::unique_ptr<node> parse_call();
    std::unique_ptr<node> parse_array();
    std::unique_ptr<node> parse_logical(op oper, bool (parser::*at_op)() const,
                                        std::unique_ptr<node> (parser::*operand)());
    void parse_index(node& path);
    void check_call(node& call) const;

    std::string_view source_;
    std::size_t start_;
    const limits& lim_;
    lexer lexer_;
    token cur_;
    std::size_t last_end_ = 0;  // end of the token before cur_
    std::size_t depth_ = 0;
    std::vector<std::string> references_;
};

}  // namespace chainbot::expr::detail
