#pragma once
// The orchestrator's use of the expression language (src/expr): checks at validation
// time, evaluation at run time with a resolver over the execution's data. Compiled
// expressions are cached by source text, so each is parsed once.

#include "resources/cache_stats.hpp"

#include <boost/json/value.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace chainbot::orchestrator {

/// @brief The error message when `src` is not a valid expression, else nullopt.
std::optional<std::string> check_expression(std::string_view src);
/// @brief The error message when a string holding ${...} is not a valid template.
std::optional<std::string> check_template(std::string_view src);

/// @brief The figures of the compiled-expression cache (one per process).
resources::cache_stats expression_cache_stats();
/// @brief Empties it (memory pressure); expressions are parsed again on their next use.
void clear_expression_cache();

/// @brief Resolves a root name (`input`, a step id, a loop variable...) or returns null.
using resolver = std::function<const boost::json::value*(std::string_view root)>;

/// @brief Evaluates an expression; throws step_failure("expression", message) on error.
boost::json::value evaluate(std::string_view src, const resolver& r);
/// @brief Evaluates a condition to its truth value.
bool evaluate_condition(std::string_view src, const resolver& r);
/// @brief Renders every ${...} in strings under `v` (objects and arrays walked).
boost::json::value render(const boost::json::value& v, const resolver& r);

}  // namespace chainbot::orchestrator
