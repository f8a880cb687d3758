#pragma once
// Splits expression source into tokens on demand, so that an expression embedded in a template
// can stop at its closing `}` without looking at the text that follows.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace chainbot::expr::detail {

enum class token_kind : std::uint8_t {
    end, integer, real, string, identifier,
    dollar_brace, right_brace, left_paren, right_paren, left_bracket, right_bracket, comma, dot,
    plus, minus, star, slash, percent,
    equal, not_equal, less, less_equal, greater, greater_equal,
    bang, and_and, or_or,
};

struct token {
    token_kind kind = token_kind::end;
    std::size_t begin = 0;
    std::size_t end = 0;
    std::string_view text;  // the raw source of the token
    std::string string_value;  // decoded string literal
    std::int64_t int_value = 0;
    double real_value = 0;
};

/// @brief Describes a token kind for "expected …" messages, e.g. "')'".
std::string_view describe(token_kind kind);

class lexer {
public:
    lexer(std::string_view source, std::size_t position) : source_(source), pos_(position) {}

    /// @brief The next token; throws parse_error on malformed input.
    token next();

    std::size_t position() const noexcept { return pos_; }

private:
    void skip_space();
    token lex_number(std::size_t begin);
    token lex_string(std::size_t begin);
    void lex_escape(std::string& out);
    unsigned lex_hex4();

    std::string_view source_;
    std::size_t pos_;
};

}  // namespace chainbot::expr::detail
