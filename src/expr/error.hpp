#pragma once
// The only exceptions the expression language lets escape (besides std::bad_alloc).

#include <cstddef>
#include <stdexcept>
#include <string>

namespace chainbot::expr {

/// @brief Base of parse_error and eval_error; catch it to handle both.
/// column() is a 0-based byte offset into the expression or template source.
class error : public std::runtime_error {
public:
    error(const std::string& message, std::size_t column) : std::runtime_error(message), column_(column) {}
    std::size_t column() const noexcept { return column_; }

private:
    std::size_t column_;
};

/// @brief The source is not a valid expression or template, e.g. "expected ')' at column 14".
/// Also raised for unknown functions, wrong argument counts and exceeded parse limits.
class parse_error : public error {
public:
    using error::error;
};

/// @brief Evaluation failed: a type error, division by zero, an unknown reference,
/// an exceeded run-time limit. The message quotes the failing sub-expression.
class eval_error : public error {
public:
    using error::error;
};

}  // namespace chainbot::expr
