#pragma once
// What an evaluation sees: root names, a clock and its limits.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace chainbot::expr {

/// @brief Bounds that keep parsing and evaluation cheap whatever the input.
/// The parse-time members apply to parse(); the run-time members apply through context::lim.
struct limits {
    // parse time
    std::size_t max_source_length = 4096;  ///< bytes of one expression (each `${…}` of a template)
    std::size_t max_depth = 64;            ///< nesting of parentheses, brackets, calls, unary operators
    std::size_t max_template_length = 1 << 20;  ///< bytes of one template string
    std::size_t max_document_depth = 256;       ///< nesting of a JSON document given to compile_json/render_json
    // run time
    std::size_t max_steps = 100000;       ///< evaluation budget per evaluate/render call (nodes + elements visited)
    std::size_t max_value_size = 1 << 20;  ///< bytes of a produced string, elements of a produced array
    std::size_t max_regex_pattern = 256;   ///< complexity of a matches() pattern (characters, `{n}` expanded)
    std::size_t max_regex_input = 4096;    ///< bytes of a string given to matches()
};

/// @brief Looks up a root name (`input`, `step1`, `item`, a secret); nullptr when unknown.
/// The returned value must stay alive and unchanged during the evaluation.
using resolver = std::function<const boost::json::value*(std::string_view root)>;

/// @brief The environment of one evaluation. Cheap to build; an empty resolver knows no roots,
/// an empty clock means the system clock.
struct context {
    resolver resolve;
    std::function<std::string()> clock;  ///< ISO 8601 UTC time for now()
    limits lim;

    /// @brief A context whose roots are the members of `roots`, which must outlive it.
    /// @code auto ctx = context::over(vars); expression::parse("input.count >= 3").evaluate(ctx); @endcode
    static context over(const boost::json::object& roots);
    static context over(boost::json::object&&) = delete;
};

/// @brief The current UTC time as "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string system_clock_iso8601();

}  // namespace chainbot::expr
