#pragma once
// The built-in functions. Names and argument counts are checked at parse time, so evaluation never
// meets an unknown function.

#include "expr/evaluator.hpp"

#include <cstddef>
#include <limits>
#include <span>
#include <string_view>

namespace chainbot::expr::detail {

inline constexpr std::size_t unbounded_args = std::numeric_limits<std::size_t>::max();

/// @brief Receives its arguments evaluated.
using eager_fn = operand (*)(eval_state& st, const node& call, std::span<operand> args);
/// @brief Evaluates its own arguments (default, coalesce, exists: they tolerate missing paths).
using lazy_fn = operand (*)(eval_state& st, const node& call);

struct builtin {
    std::string_view name;
    std::size_t min_args;
    std::size_t max_args;
    eager_fn eager;
    lazy_fn lazy;
};

/// @brief The built-in called `name`, or nullptr.
const builtin* find_builtin(std::string_view name) noexcept;

/// @brief Evaluates a call node.
operand invoke(eval_state& st, const node& call);

// Implementations, grouped by file.
namespace text_functions {
operand length(eval_state&, const node&, std::span<operand>);
operand contains(eval_state&, const node&, std::span<operand>);
operand starts_with(eval_state&, const node&, std::span<operand>);
operand ends_with(eval_state&, const node&, std::span<operand>);
operand lower(eval_state&, const node&, std::span<operand>);
operand upper(eval_state&, const node&, std::span<operand>);
operand trim(eval_state&, const node&, std::span<operand>);
operand split(eval_state&, const node&, std::span<operand>);
operand join(eval_state&, const node&, std::span<operand>);
operand replace(eval_state&, const node&, std::span<operand>);
operand matches(eval_state&, const node&, std::span<operand>);
}  // namespace text_functions

namespace math_functions {
operand round(eval_state&, const node&, std::span<operand>);
operand floor(eval_state&, const node&, std::span<operand>);
operand ceil(eval_state&, const node&, std::span<operand>);
operand abs(eval_state&, const node&, std::span<operand>);
operand min(eval_state&, const node&, std::span<operand>);
operand max(eval_state&, const node&, std::span<operand>);
operand sum(eval_state&, const node&, std::span<operand>);
operand avg(eval_state&, const node&, std::span<operand>);
}  // namespace math_functions

/// @brief Throws "<fn>: expected <what>, got <kind of v>".
[[noreturn]] void wrong_type(const eval_state& st, const node& call, std::string_view what,
                             const boost::json::value& v);

}  // namespace chainbot::expr::detail
