#pragma once
// An expression parsed once and evaluated many times, e.g. a workflow condition
// "${step1.quality_score} > 0.8". The language is described in docs/expressions.md.

#include "expr/context.hpp"
#include "expr/error.hpp"

#include <boost/json/value.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace chainbot::expr {

namespace detail {
struct program;
}

/// @brief An immutable parsed expression; copies share the syntax tree, and one expression may be
/// evaluated from several threads at once.
/// @code
/// auto cond = expression::parse("${step1.quality_score} > 0.8");  // throws parse_error
/// bool go = cond.test(ctx);                                        // throws eval_error
/// @endcode
class expression {
public:
    /// @brief The empty expression: evaluates to null and references nothing.
    expression() = default;

    /// @brief Parses `source`; throws parse_error naming the column and what was expected.
    static expression parse(std::string_view source, const limits& lim = {});

    /// @brief The value of the expression; throws eval_error.
    boost::json::value evaluate(const context& ctx) const;

    /// @brief The truthiness of the value (null, false, 0, "", [] and {} are false); throws eval_error.
    bool test(const context& ctx) const;

    /// @brief The distinct root names the expression refers to (`step1` in `step1.score > 1`), sorted.
    const std::vector<std::string>& references() const noexcept;

    /// @brief The text it was parsed from.
    std::string_view source() const noexcept;

private:
    explicit expression(std::shared_ptr<const detail::program> program) : program_(std::move(program)) {}
    std::shared_ptr<const detail::program> program_;
};

}  // namespace chainbot::expr
